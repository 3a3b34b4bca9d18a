"""Hypothesis drives the sign-in form and the review form.

Sign-in: only the right username and password sign in (the username as Django's form reads it:
surrounding blanks dropped, Unicode compatibility forms folded, NFKC), whatever else arrives;
`next` never sends the shopper off the site.

Reviews: a buyer's review is stored exactly as the form accepted it (rating 1-5, title up to 120
characters, text up to 4,000), at most one per shopper and product; anything the form refuses is
a 400 that stores nothing.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from orders.models import Order
from reviews.forms import ReviewForm
from reviews.models import Review
from tests.factories import OrderItemFactory, UserFactory
from tests.faults.generated import (
    FORM,
    as_submitted,
    assert_not_server_error,
    carries_nul,
    encode,
    example,
    forms,
    nasty_text,
    raw_value,
)

pytestmark = pytest.mark.django_db

USERNAME, PASSWORD = "ada", "correct horse battery staple"


def credentials() -> st.SearchStrategy[dict[str, bytes]]:
    near_usernames = [
        " ada ",
        "ADA",
        "Ada",
        "ａｄａ",
        "ada\x00",
        "\u2000ada",
        "ad\u0430",
        "ada\u0301",
    ]
    near_passwords = [PASSWORD + " ", " " + PASSWORD, PASSWORD.upper(), PASSWORD + "\x00", ""]
    odd = {
        "username": st.one_of(st.sampled_from(near_usernames).map(str.encode), raw_value()),
        "password": st.one_of(st.sampled_from(near_passwords).map(str.encode), raw_value()),
    }
    return forms({"username": USERNAME.encode(), "password": PASSWORD.encode()}, odd)


def next_urls() -> st.SearchStrategy[bytes]:
    tricky = [
        "/", "/cart/", "//evil.example", "https://evil.example/", "/\\evil.example",
        "\\\\evil.example", "javascript:alert(1)", " https://evil.example", "http:/evil",
    ]  # fmt: skip
    return st.one_of(st.sampled_from(tricky).map(str.encode), raw_value(100))


def lands_on_the_site(location: str) -> bool:
    """Whether a browser following this redirect from the sign-in page stays on the shop:
    browsers drop leading blanks and control characters and read backslashes as slashes."""
    location = location.lstrip("".join(map(chr, range(0x21)))).replace("\\", "/")
    target = urlsplit(urljoin("http://testserver/accounts/login/", location))
    return (target.scheme, target.netloc) == ("http", "testserver")


@pytest.fixture
def account():
    return UserFactory(username=USERNAME, password=PASSWORD)


@given(fields=credentials(), next_url=next_urls())
def test_only_the_right_credentials_sign_in_and_never_off_the_site(account, fields, next_url):
    body = encode([*fields.items(), ("next", next_url)])
    submitted = as_submitted(body)
    read = unicodedata.normalize("NFKC", submitted.get("username", "").strip())
    right = (
        read == USERNAME and submitted.get("password") == PASSWORD and not carries_nul(submitted)
    )
    with example() as client:
        response = client.post("/accounts/login/", body, content_type=FORM)
        assert_not_server_error(response)
        signed_in = client.session.get("_auth_user_id") == str(account.pk)
        event("signed in" if signed_in else "refused")
        assert signed_in == right
        if right:
            assert response.status_code == 302
            assert lands_on_the_site(response.url), response.url
        elif carries_nul(submitted):
            assert response.status_code == 400
        else:
            assert response.status_code == 200  # the form again, with the error


@pytest.fixture
def buyer():
    item = OrderItemFactory(order__status=Order.Status.PAID)
    return item.order.user, item.product


def reviews() -> st.SearchStrategy[dict[str, bytes]]:
    def around(limit: int) -> st.SearchStrategy[bytes]:
        return st.integers(limit - 2, limit + 2).map(lambda n: ("é" * n).encode())

    odd = {
        "rating": st.one_of(st.integers(-1, 7).map(lambda n: str(n).encode()), raw_value(20)),
        "title": st.one_of(around(120), raw_value(170)),
        "body": st.one_of(around(4000), raw_value(4050)),
    }
    return forms({"rating": b"4", "title": b"Lovely", "body": b"Warm light."}, odd)


@given(fields=reviews())
def test_a_review_is_stored_as_the_form_accepted_it_once_or_not_at_all(buyer, fields):
    user, product = buyer
    body = encode(list(fields.items()))
    form = ReviewForm(as_submitted(body))
    with example() as client:
        client.force_login(user)
        path = f"/products/{product.slug}/reviews/"
        response = client.post(path, body, content_type=FORM)
        assert_not_server_error(response)
        event("valid review" if form.is_valid() else "refused review")
        if not form.is_valid():
            assert response.status_code == 400
            assert not Review.objects.exists()
            return
        assert response.status_code == 302
        review = Review.objects.get()
        assert (review.user, review.product) == (user, product)
        assert (review.rating, review.title, review.body) == (
            form.cleaned_data["rating"],
            form.cleaned_data["title"],
            form.cleaned_data["body"],
        )
        assert 1 <= review.rating <= 5 and len(review.title) <= 120 and len(review.body) <= 4000
        again = client.post(path, body, content_type=FORM)
        assert again.status_code == 302
        assert Review.objects.count() == 1


@given(title=nasty_text(), text=nasty_text())
def test_only_a_buyer_may_review(buyer, title, text):
    _, product = buyer
    body = encode([("rating", b"5"), ("title", title.encode()), ("body", text.encode())])
    with example() as client:
        client.force_login(UserFactory())
        response = client.post(f"/products/{product.slug}/reviews/", body, content_type=FORM)
        assert_not_server_error(response)
        assert response.status_code in (302, 400)
        assert not Review.objects.exists()
