"""The catalog's pages as a shopper's browser gets them."""

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from catalog import views
from catalog.views import PRODUCTS_PER_PAGE
from reviews.models import Review
from tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, ReviewFactory

pytestmark = pytest.mark.django_db

LISTING = reverse("catalog:product-list")


def shown(response):
    """Names of the products on the page, in order."""
    return [product.name for product in response.context["products"]]


def text(response):
    return response.content.decode()


# --- home ---------------------------------------------------------------------------------------


def test_home_shows_top_level_categories_newest_and_top_rated_products(client):
    audio = CategoryFactory(name="Audio")
    headphones = CategoryFactory(name="Headphones", parent=audio)
    CategoryFactory(name="Hidden", is_active=False)
    ProductFactory(name="Unrated lamp", category=headphones)
    ProductFactory(
        name="Loved lamp", category=headphones, rating_average=Decimal("4.9"), rating_count=12
    )
    response = client.get("/")
    assert response.status_code == 200
    assert [category.name for category in response.context["categories"]] == ["Audio"]
    assert {product.name for product in response.context["newest_products"]} == {
        "Unrated lamp",
        "Loved lamp",
    }
    assert [product.name for product in response.context["top_rated_products"]] == ["Loved lamp"]


def test_home_never_shows_inactive_products(client):
    ProductFactory(name="Hidden lamp", is_active=False, rating_average=5, rating_count=1)
    ProductFactory(name="Lamp in a hidden category", category=CategoryFactory(is_active=False))
    response = client.get("/")
    assert "Hidden lamp" not in text(response)
    assert "Lamp in a hidden category" not in text(response)


# --- listing ------------------------------------------------------------------------------------


def test_listing_shows_24_products_per_page_sorted_by_name(client):
    for number in range(PRODUCTS_PER_PAGE + 3):
        ProductFactory(name=f"Lamp {number:02d}")
    first = client.get(LISTING)
    second = client.get(LISTING, {"page": 2})
    assert PRODUCTS_PER_PAGE == 24
    assert shown(first) == [f"Lamp {number:02d}" for number in range(24)]
    assert shown(second) == ["Lamp 24", "Lamp 25", "Lamp 26"]
    assert "27 products" in text(first)


def test_listing_never_shows_inactive_products_or_categories(client):
    ProductFactory(name="Walnut lamp")
    ProductFactory(name="Walnut stool", is_active=False)
    ProductFactory(name="Walnut shelf", category=CategoryFactory(is_active=False))
    hidden_parent = CategoryFactory(is_active=False)
    ProductFactory(name="Walnut tray", category=CategoryFactory(parent=hidden_parent))
    assert shown(client.get(LISTING)) == ["Walnut lamp"]
    assert shown(client.get(LISTING, {"q": "walnut"})) == ["Walnut lamp"]
    assert shown(client.get(LISTING, {"category": hidden_parent.slug})) == ["Walnut lamp"]


def test_listing_searches_and_says_what_it_searched_for(client):
    ProductFactory(name="Walnut lamp")
    ProductFactory(name="Oak shelf")
    response = client.get(LISTING, {"q": "walnut"})
    assert shown(response) == ["Walnut lamp"]
    assert "Results for “walnut”" in text(response)


def test_listing_says_when_it_shows_similar_names_for_a_typo(client, postgresql):
    ProductFactory(name="Studio Headphones")
    response = client.get(LISTING, {"q": "headphnes"})
    assert shown(response) == ["Studio Headphones"]
    assert "No exact matches for “headphnes”" in text(response)
    assert "Showing results for “headphones”." in text(response)


def test_a_typo_among_correct_words_is_named_with_them_in_their_order(client, postgresql):
    ProductFactory(name="Walnut desk lamp")
    response = client.get(LISTING, {"q": "Lamp walnt"})
    assert shown(response) == ["Walnut desk lamp"]
    assert "Showing results for “lamp walnut”." in text(response)


def test_listing_forgives_typos_only_when_nothing_matches_exactly(client, postgresql):
    ProductFactory(name="Walnut lamp")
    ProductFactory(name="Walnut lamb rug")
    response = client.get(LISTING, {"q": "lamp"})
    assert shown(response) == ["Walnut lamp"]
    assert "No exact matches" not in text(response)


def test_category_page_forgives_typos_within_the_category(client, postgresql):
    audio = CategoryFactory(slug="audio")
    ProductFactory(name="Studio Headphones", category=audio)
    ProductFactory(name="Travel Headphones")
    response = client.get("/categories/audio/", {"q": "headphnes"})
    assert shown(response) == ["Studio Headphones"]
    assert "No exact matches for “headphnes”" in text(response)


def test_listing_filters_by_category_with_its_sub_categories(client):
    audio = CategoryFactory(name="Audio", slug="audio")
    ProductFactory(name="Studio Headphones", category=CategoryFactory(parent=audio))
    ProductFactory(name="Amplifier", category=audio)
    ProductFactory(name="Lamp")
    response = client.get(LISTING, {"category": "audio"})
    assert shown(response) == ["Amplifier", "Studio Headphones"]


def test_listing_filters_by_price_and_stock_and_sorts(client):
    ProductFactory(name="Cheap", price=Decimal("5"))
    ProductFactory(name="Mid", price=Decimal("15"))
    ProductFactory(name="Mid sold out", price=Decimal("16"), stock=0)
    ProductFactory(name="Dear", price=Decimal("25"))
    response = client.get(
        LISTING, {"min_price": "10", "max_price": "30", "in_stock": "on", "sort": "-price"}
    )
    assert shown(response) == ["Dear", "Mid"]


@pytest.mark.parametrize(
    "sort", ["price", "-price", "newest", "rating"], ids=["price", "-price", "newest", "rating"]
)
def test_listing_accepts_every_sort(client, sort):
    ProductFactory(name="B", price=Decimal("1"), rating_average=Decimal("4"), rating_count=1)
    ProductFactory(name="A", price=Decimal("2"))
    expected = {
        "price": ["B", "A"],
        "-price": ["A", "B"],
        "newest": ["A", "B"],
        "rating": ["B", "A"],
    }
    response = client.get(LISTING, {"sort": sort})
    assert response.status_code == 200
    assert shown(response) == expected[sort]
    assert re.search(rf'<option value="{re.escape(sort)}" selected>', text(response))


@pytest.fixture
def thirty_lamps():
    for number in range(30):
        ProductFactory(name=f"Lamp {number:02d}", price=Decimal(number + 1))


NONSENSE = {
    "page=abc": ({"page": "abc"}, 1, []),
    "page=99999": ({"page": "99999"}, 2, []),
    "page=0": ({"page": "0"}, 2, []),
    "page=-1": ({"page": "-1"}, 2, []),
    "page=1.5": ({"page": "1.5"}, 1, []),
    "page=huge": ({"page": "9" * 5000}, 1, []),
    "min_price=-5": ({"min_price": "-5"}, 1, ["Ignored an invalid minimum price."]),
    "min_price=abc": ({"min_price": "abc"}, 1, ["Ignored an invalid minimum price."]),
    "max_price=1e999": ({"max_price": "1e999"}, 1, ["Ignored an invalid maximum price."]),
    "sort=anything": ({"sort": "anything"}, 1, ["Ignored an unknown sort order."]),
    "category=nope": ({"category": "nope"}, 1, ["Ignored an unknown category."]),
    "in_stock=maybe": ({"in_stock": "maybe"}, 1, []),
}


def test_a_nul_in_the_query_string_is_the_one_a_400(client, thirty_lamps):
    """PostgreSQL cannot take a NUL: refused before any view (ecommerce.errors.RefuseNulBytes)."""
    assert client.get(LISTING, {"q": "lamp\x00"}).status_code == 400


@pytest.mark.parametrize(("params", "page", "notes"), NONSENSE.values(), ids=NONSENSE.keys())
def test_listing_answers_nonsense_parameters_with_a_sensible_page(
    client, thirty_lamps, params, page, notes
):
    response = client.get(LISTING, params)
    assert response.status_code == 200
    assert response.context["page_obj"].number == page
    assert len(shown(response)) == (24 if page == 1 else 6)
    assert response.context["filter_notes"] == notes
    for note in notes:
        assert note in text(response)


@pytest.fixture
def one_page_at_most(monkeypatch):
    """The listing's cap lowered to one page (24 products), so a few products pass it."""
    monkeypatch.setattr(views, "MAX_LISTING_PAGES", 1)


def test_listing_counts_up_to_the_cap(client, one_page_at_most):
    for number in range(PRODUCTS_PER_PAGE):
        ProductFactory(name=f"Lamp {number:02d}")
    response = client.get(LISTING)
    assert "24 products" in text(response)
    assert "More than" not in text(response)
    assert not response.context["paginator"].is_capped


def test_listing_past_the_cap_says_more_than_and_asks_to_narrow_the_search(
    client, thirty_lamps, one_page_at_most
):
    response = client.get(LISTING, {"q": "lamp"})
    assert response.context["paginator"].count == 24
    assert "More than 24 products" in text(response)
    assert (
        "Showing the first 24 of more than 24 products. Narrow your search or filters to see "
        "the rest." in text(response)
    )


@pytest.mark.parametrize("page", ["2", "99999"])
def test_listing_page_past_the_cap_shows_the_last_page_within_it(
    client, thirty_lamps, one_page_at_most, page
):
    response = client.get(LISTING, {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert shown(response) == [f"Lamp {number:02d}" for number in range(24)]


def test_listing_truncates_a_5000_character_search_and_still_searches(client):
    ProductFactory(name="Walnut lamp")
    response = client.get(LISTING, {"q": "walnut " + "x" * 4993})
    assert response.status_code == 200
    assert "Shortened your search to 200 characters." in text(response)
    assert response.context["search_query"] == "walnut " + "x" * 193
    response = client.get(LISTING, {"q": "walnut" + " " * 4994})
    assert shown(response) == ["Walnut lamp"]


def test_listing_swaps_a_min_price_above_the_max_price(client):
    ProductFactory(name="Cheap", price=Decimal("5"))
    ProductFactory(name="Mid", price=Decimal("15"))
    response = client.get(LISTING, {"min_price": "20", "max_price": "10"})
    assert response.status_code == 200
    assert shown(response) == ["Mid"]
    assert "Swapped the minimum and maximum price." in text(response)


def test_listing_ignores_a_negative_min_price(client):
    ProductFactory(name="Lamp", price=Decimal("5"))
    response = client.get(LISTING, {"min_price": "-5"})
    assert shown(response) == ["Lamp"]
    assert 'name="min_price"' in text(response)
    assert 'value="-5"' not in text(response)


def pagination_links(response):
    return {
        match.group("rel"): parse_qs(urlsplit(match.group("href").replace("&amp;", "&")).query)
        for match in re.finditer(
            r'<a rel="(?P<rel>prev|next)" href="(?P<href>[^"]+)"', text(response)
        )
    }


def test_pagination_keeps_the_filters_and_drops_the_ignored_ones(client):
    CategoryFactory(slug="lighting")
    for number in range(30):
        ProductFactory(name=f"Walnut lamp {number:02d}", price=Decimal("10"))
    params = {
        "q": "walnut",
        "category": "",
        "min_price": "1",
        "max_price": "oops",
        "in_stock": "on",
        "sort": "price",
    }
    links = pagination_links(client.get(LISTING, params))
    assert links == {
        "next": {
            "q": ["walnut"],
            "min_price": ["1"],
            "in_stock": ["1"],
            "sort": ["price"],
            "page": ["2"],
        }
    }
    links = pagination_links(client.get(LISTING, {**params, "page": "2"}))
    assert links["prev"]["page"] == ["1"] and links["prev"]["q"] == ["walnut"]


def test_listing_labels_every_filter_control_and_has_a_filter_button(client):
    response = client.get(LISTING)
    html = text(response)
    for name in ["q", "category", "min_price", "max_price", "in_stock", "sort"]:
        assert f'<label for="id_{name}">' in html
        assert f'id="id_{name}"' in html
    assert '<button type="submit">Filter</button>' in html


def test_listing_escapes_what_the_shopper_typed(client):
    response = client.get(LISTING, {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in text(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(response)


# --- category page ------------------------------------------------------------------------------


@pytest.fixture
def audio():
    audio = CategoryFactory(name="Audio", slug="audio")
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    CategoryFactory(name="Speakers", slug="speakers", parent=audio)
    hidden = CategoryFactory(name="Hidden", slug="hidden-sub", parent=audio, is_active=False)
    ProductFactory(name="Headphones in a hidden sub-category", category=hidden)
    ProductFactory(name="Amplifier", category=audio, price=Decimal("80"))
    ProductFactory(name="Studio Headphones", category=headphones, price=Decimal("120"))
    ProductFactory(name="Old Headphones", category=headphones, is_active=False)
    ProductFactory(name="Desk lamp")
    return audio


def test_category_page_lists_its_and_its_sub_categories_products(client, audio):
    response = client.get(audio.get_absolute_url())
    assert response.status_code == 200
    assert shown(response) == ["Amplifier", "Studio Headphones"]
    assert [sub.name for sub in response.context["subcategories"]] == ["Headphones", "Speakers"]


def test_category_page_has_breadcrumbs_from_the_parent(client, audio):
    response = client.get(reverse("catalog:category-detail", args=["headphones"]))
    html = text(response)
    assert response.context["breadcrumbs"] == [
        ("Home", "/"),
        ("Audio", "/categories/audio/"),
        ("Headphones", "/categories/headphones/"),
    ]
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in html
    assert '<li aria-current="page">Headphones</li>' in html


def test_category_page_filters_sorts_and_searches_like_the_listing(client, audio):
    response = client.get(audio.get_absolute_url(), {"sort": "-price", "min_price": "50"})
    assert shown(response) == ["Studio Headphones", "Amplifier"]
    response = client.get(audio.get_absolute_url(), {"q": "headphones", "min_price": "-5"})
    assert shown(response) == ["Studio Headphones"]
    assert "Ignored an invalid minimum price." in text(response)
    response = client.get(audio.get_absolute_url(), {"page": "abc"})
    assert response.status_code == 200


@pytest.mark.parametrize("slug", ["hidden-sub", "no-such-category"])
def test_category_page_is_not_found_for_a_hidden_or_unknown_category(client, audio, slug):
    assert client.get(reverse("catalog:category-detail", args=[slug])).status_code == 404


def test_category_page_of_a_hidden_parents_child_is_not_found(client):
    child = CategoryFactory(parent=CategoryFactory(is_active=False))
    assert client.get(child.get_absolute_url()).status_code == 404


# --- product page -------------------------------------------------------------------------------


def test_product_page_shows_the_product_with_breadcrumbs_rating_and_description(client):
    audio = CategoryFactory(name="Audio", slug="audio")
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    product = ProductFactory(
        name="Studio Headphones",
        category=headphones,
        price=Decimal("129.90"),
        description="Closed-back.\n\nFolds flat.",
        rating_average=Decimal("4.25"),
        rating_count=8,
    )
    response = client.get(product.get_absolute_url())
    html = text(response)
    assert response.status_code == 200
    assert '<h1 id="product-name">Studio Headphones</h1>' in html
    assert "€129.90" in html
    assert "<p>Closed-back.</p>" in html and "<p>Folds flat.</p>" in html
    assert '4.3<span class="visually-hidden"> out of 5</span>' in html
    assert "(8 reviews)" in html
    assert response.context["breadcrumbs"] == [
        ("Home", "/"),
        ("Audio", "/categories/audio/"),
        ("Headphones", "/categories/headphones/"),
        ("Studio Headphones", ""),
    ]
    assert 'role="img" aria-label="No photo of Studio Headphones yet"' in html


def test_product_page_shows_the_picture_with_alt_text(client):
    picture = ProductImageFactory(product__name="Oak lamp", alt_text="Oak lamp, lit")
    html = text(client.get(picture.product.get_absolute_url()))
    assert f'<img src="{picture.card_url}" srcset="{picture.srcset}"' in html
    assert 'alt="Oak lamp, lit">' in html


@pytest.mark.parametrize(
    ("stock", "status"), [(40, "In stock"), (3, "Only 3 left"), (0, "Out of stock")]
)
def test_product_page_says_how_much_is_in_stock(client, settings, stock, status):
    settings.LOW_STOCK_THRESHOLD = 5
    product = ProductFactory(stock=stock)
    assert f"{status}</p>" in text(client.get(product.get_absolute_url()))


@pytest.mark.parametrize(
    ("stock", "status"), [(40, "In stock"), (3, "Only a few left"), (0, "Out of stock")]
)
def test_listing_cards_say_a_product_runs_low_not_how_low(client, settings, stock, status):
    settings.LOW_STOCK_THRESHOLD = 5
    ProductFactory(stock=stock)
    assert f"{status}</p>" in text(client.get("/products/"))


def test_product_page_includes_the_add_to_cart_form_and_the_reviews(client):
    product = ProductFactory(stock=4)
    ReviewFactory(product=product, title="Warm and quiet", status=Review.Status.APPROVED)
    ReviewFactory(product=product, title="Still waiting", status=Review.Status.PENDING)
    html = text(client.get(product.get_absolute_url()))
    assert f'action="{reverse("orders:cart-add", args=[product.slug])}"' in html
    assert "Add to cart" in html
    assert 'id="reviews-heading"' in html
    assert "Warm and quiet" in html
    assert "Still waiting" not in html


@pytest.mark.parametrize(
    "hidden",
    [{"is_active": False}, {"category__is_active": False}],
    ids=["inactive product", "inactive category"],
)
def test_product_page_is_not_found_for_a_hidden_product(client, hidden):
    product = ProductFactory(**hidden)
    assert client.get(product.get_absolute_url()).status_code == 404


def test_product_page_is_not_found_under_a_hidden_parent_category(client):
    product = ProductFactory(category=CategoryFactory(parent=CategoryFactory(is_active=False)))
    assert client.get(product.get_absolute_url()).status_code == 404


def test_product_page_escapes_the_products_name(client):
    product = ProductFactory(name="<b>Bold</b> lamp")
    html = text(client.get(product.get_absolute_url()))
    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; lamp" in html


def numbered_links(response):
    nav = text(response).split('<nav class="pagination"')[1].split("</nav>")[0]
    label = '<span class="visually-hidden">Page </span>'
    links = re.findall(rf'<a href="\?page=(\d+)">{label}', nav)
    current = re.findall(rf'<span aria-current="page">{label}(\d+)', nav)
    return [int(number) for number in links], [int(number) for number in current], nav.count("…")


@pytest.mark.parametrize(
    ("page", "links", "current", "gaps"),
    [
        ("1", [2, 3, 11], [1], 1),
        ("6", [1, 4, 5, 7, 8, 11], [6], 2),
        ("11", [1, 9, 10], [11], 1),
    ],
)
def test_listing_links_the_first_and_last_page_and_two_either_side_of_the_current_one(
    client, monkeypatch, page, links, current, gaps
):
    monkeypatch.setattr(views.ProductListView, "paginate_by", 2)
    ProductFactory.create_batch(22)
    response = client.get(LISTING, {"page": page})
    assert numbered_links(response) == (links, current, gaps)
