"""The listing's parameters: invalid ones are ignored with a note, the rest still apply."""

from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from django.http import QueryDict

from catalog.forms import ProductFilterForm
from catalog.models import Category
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def parse(query, categories=None):
    return ProductFilterForm(QueryDict(query), categories=categories)


def test_valid_parameters_are_all_applied():
    audio = CategoryFactory(slug="audio")
    form = parse(
        "q=lamp&category=audio&min_price=5&max_price=50.5&in_stock=1&sort=-price",
        categories=Category.objects.all(),
    )
    assert form.filters == {
        "q": "lamp",
        "category": audio,
        "min_price": Decimal("5"),
        "max_price": Decimal("50.5"),
        "in_stock": True,
        "sort": "-price",
    }
    assert form.notes == []


def test_no_parameters_mean_no_filters():
    assert parse("").filters == {
        "q": None,
        "min_price": None,
        "max_price": None,
        "in_stock": False,
        "sort": None,
    }


@pytest.mark.parametrize("value", ["-5", "abc", "1e999", "NaN", "5.001", "12,50"])
def test_an_invalid_min_price_is_ignored_with_a_note(value):
    form = parse(f"min_price={value}&max_price=20")
    assert form.filters["min_price"] is None
    assert form.filters["max_price"] == Decimal("20")
    assert form.notes == ["Ignored an invalid minimum price."]


def test_an_invalid_max_price_is_ignored_with_a_note():
    form = parse("max_price=-1")
    assert form.filters["max_price"] is None
    assert form.notes == ["Ignored an invalid maximum price."]


def test_min_price_above_max_price_is_swapped():
    form = parse("min_price=50&max_price=10")
    assert (form.filters["min_price"], form.filters["max_price"]) == (10, 50)
    assert form.notes == ["Swapped the minimum and maximum price."]


def test_an_unknown_sort_falls_back_to_the_default_with_a_note():
    form = parse("sort=anything")
    assert form.filters["sort"] is None
    assert form.notes == ["Ignored an unknown sort order."]


def test_an_overlong_search_is_shortened_to_200_characters():
    form = parse("q=" + "lamp " * 1000)
    assert form.filters["q"] == ("lamp " * 40).strip()
    assert form.notes == ["Shortened your search to 200 characters."]


def test_a_search_with_a_nul_character_is_ignored():
    form = parse("q=lamp%00")
    assert form.filters["q"] is None
    assert form.notes == ["Ignored an invalid search."]


@pytest.mark.parametrize("value", ["1", "on", "true", "yes"])
def test_in_stock_is_on_for_what_checkboxes_and_people_send(value):
    assert parse(f"in_stock={value}").filters["in_stock"] is True


@pytest.mark.parametrize("value", ["", "0", "off", "false", "no"])
def test_in_stock_is_off_for_what_people_mean_as_off(value):
    assert parse(f"in_stock={value}").filters["in_stock"] is False


def test_an_unknown_or_hidden_category_is_ignored_with_a_note():
    CategoryFactory(slug="hidden", is_active=False)
    for slug in ["nope", "hidden"]:
        form = parse(f"category={slug}", categories=Category.objects.active())
        assert form.filters["category"] is None
        assert form.notes == ["Ignored an unknown category."]


def test_category_choices_group_sub_categories_under_their_parent():
    audio = CategoryFactory(name="Audio", slug="audio")
    CategoryFactory(name="Speakers", slug="speakers", parent=audio)
    CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    CategoryFactory(name="Garden", slug="garden")
    form = parse("", categories=Category.objects.active().select_related("parent"))
    assert form.fields["category"].choices == [
        ("", "All categories"),
        ("Audio", [("audio", "All Audio"), ("headphones", "Headphones"), ("speakers", "Speakers")]),
        ("Garden", [("garden", "All Garden")]),
    ]


def test_query_string_keeps_the_valid_parameters_only_and_never_the_page():
    CategoryFactory(slug="audio")
    form = parse(
        "q=oak lamp&category=audio&min_price=-5&max_price=40&in_stock=on&sort=bogus&page=3",
        categories=Category.objects.all(),
    )
    assert parse_qsl(form.query_string) == [
        ("q", "oak lamp"),
        ("category", "audio"),
        ("max_price", "40"),
        ("in_stock", "1"),
    ]


def test_redisplay_shows_what_was_applied_and_blanks_what_was_ignored():
    form = parse("q=lamp&min_price=-5&max_price=30&sort=bogus").redisplay()
    assert not form.is_bound
    assert form["q"].value() == "lamp"
    assert form["min_price"].value() is None
    assert form["max_price"].value() == Decimal("30")
    assert form["sort"].value() is None


def test_the_default_sort_is_named_after_what_it_does():
    assert parse("").fields["sort"].choices[0] == ("", "Name")
    assert parse("q=lamp").fields["sort"].choices[0] == ("", "Best match")
