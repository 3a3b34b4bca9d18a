"""The pages `make bench` measures, written once.

Each page says what wrk sends (built from the `fixtures` task's result: sessions, slugs, the
CSRF secret) and what every answer must be. The load, the SQL query counts, the table and the
chart all take their pages from here; the targets (bench/report.py) name them by key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

CEILING_PATH = "/_bench/ceiling/"
SEARCH_TERMS_LOAD = ("lamp", "walnut", "travel backpack", "oak kettle")
FORM_CONTENT_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
SHIPPING = {
    "name": "Bench Shopper",
    "address": "1 Load Street",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
}

Request = tuple[str, str, dict[str, str], str | None]  # method, path, headers, body


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    # The requests wrk cycles through, from the fixtures; None for Place order, whose
    # checkouts are prepared per round (checkout_requests).
    requests: Callable[[dict], list[Request]] | None
    signed_in: bool = False
    expect_status: int = 200
    expect_location: str | None = None
    once: bool = False  # each request sent at most once (a checkout token is good for one order)

    def data_file(self, directory: Path, requests: list[Request]) -> Path:
        """The Lua data file bench/wrk.lua reads: the requests and the expected answer."""
        path = directory / f"wrk-{self.key}-{uuid.uuid4().hex[:6]}.lua"
        lines = ",\n".join("  " + lua_request(*request) for request in requests)
        location = lua_string(self.expect_location) if self.expect_location else "nil"
        path.write_text(
            f"return {{\n once = {'true' if self.once else 'false'},\n"
            f" expect_status = {self.expect_status},\n expect_location = {location},\n"
            f" requests = {{\n{lines}\n }}\n}}\n"
        )
        return path


def lua_string(value: str) -> str:
    out = []
    for char in value:
        if char in '\\"':
            out.append("\\" + char)
        elif 32 <= ord(char) < 127:
            out.append(char)
        else:
            out.extend(f"\\{byte}" for byte in char.encode())
    return '"' + "".join(out) + '"'


def lua_request(method: str, path: str, headers: dict[str, str], body: str | None) -> str:
    header_items = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    body_lua = lua_string(body) if body is not None else "nil"
    return f"{{{lua_string(method)}, {lua_string(path)}, {{{header_items}}}, {body_lua}}}"


# --- the requests --------------------------------------------------------------------------------


def get(path: str, cookie: str | None = None) -> Request:
    return ("GET", path, {"Cookie": cookie} if cookie else {}, None)


def shopper_cookie(fixtures: dict) -> str:
    """The cart's shopper: signed in (a session made like `Client.force_login`), 3 items."""
    return f"sessionid={fixtures['cart_session']}"


def category_pages(fixtures: dict, cookie: str | None = None) -> list[Request]:
    return [get(f"/categories/{slug}/", cookie) for slug in fixtures["category_slugs"]]


def product_pages(fixtures: dict, cookie: str | None = None) -> list[Request]:
    return [get(f"/products/{slug}/", cookie) for slug in fixtures["product_slugs"]]


def add_to_cart_requests(fixtures: dict) -> list[Request]:
    """Every shopper adds every product of the pool in turn, quantity 1."""
    csrf, sessions = fixtures["csrf_secret"], fixtures["add_sessions"]
    requests = []
    for n in range(len(fixtures["add_slugs"]) * len(sessions)):
        slug = fixtures["add_slugs"][n // len(sessions)]
        cookie = f"sessionid={sessions[n % len(sessions)]}; csrftoken={csrf}"
        headers = {**FORM_CONTENT_TYPE, "Cookie": cookie}
        body = urlencode({"csrfmiddlewaretoken": csrf, "quantity": "1"})
        requests.append(("POST", f"/cart/add/{slug}/", headers, body))
    return requests


def checkout_requests(round_data: dict, csrf: str) -> list[Request]:
    """One POST /checkout/ per prepared shopper of a `checkout_round` (session, cart, token)."""
    requests = []
    for shopper in round_data["shoppers"]:
        body = urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "email": shopper["email"],
                **SHIPPING,
                "checkout_token": shopper["token"],
            }
        )
        cookie = f"sessionid={shopper['session']}; csrftoken={csrf}"
        requests.append(("POST", "/checkout/", {**FORM_CONTENT_TYPE, "Cookie": cookie}, body))
    return requests


# --- the pages -----------------------------------------------------------------------------------

PAGES = (
    Page("ceiling", "ceiling (bare view)", lambda f: [get(CEILING_PATH)]),
    Page("home", "home", lambda f: [get("/")]),
    Page("listing", "listing", lambda f: [get("/products/")]),
    Page(
        "listing_signed_in",
        "listing, signed in",
        lambda f: [get("/products/", shopper_cookie(f))],
        signed_in=True,
    ),
    Page(
        "listing_search",
        "listing, search",
        lambda f: [get("/products/?" + urlencode({"q": q})) for q in SEARCH_TERMS_LOAD],
    ),
    Page("category", "category page", category_pages),
    Page(
        "category_signed_in",
        "category page, signed in",
        lambda f: category_pages(f, shopper_cookie(f)),
        signed_in=True,
    ),
    Page("product", "product page", product_pages),
    Page(
        "product_signed_in",
        "product page, signed in",
        lambda f: product_pages(f, shopper_cookie(f)),
        signed_in=True,
    ),
    Page(
        "cart",
        "cart (signed in, 3 items)",
        lambda f: [get("/cart/", shopper_cookie(f))],
        signed_in=True,
    ),
    Page(
        "add_to_cart",
        "Add to cart (POST)",
        add_to_cart_requests,
        signed_in=True,
        expect_status=302,
        expect_location="/cart/",
    ),
    Page(
        "place_order",
        "Place order (POST)",
        None,
        signed_in=True,
        expect_status=302,
        expect_location="/orders/",
        once=True,
    ),
)
PAGE = {page.key: page for page in PAGES}

# Of every 10 requests of the page mix: anonymous visitors' pages in a plausible proportion.
PAGE_MIX_SHARES = {"home": 1, "listing": 2, "category": 2, "product": 5}


def page_mix_requests(fixtures: dict) -> list[Request]:
    """The PAGE_MIX_SHARES of home, listing, category and product pages, interleaved, cycling
    through every category and product page."""
    pools = {key: PAGE[key].requests(fixtures) for key in PAGE_MIX_SHARES}
    cycles = len(pools["product"]) // PAGE_MIX_SHARES["product"]
    mix = []
    for cycle in range(cycles):
        for key, share in PAGE_MIX_SHARES.items():
            pool = pools[key]
            mix += [pool[(cycle * share + n) % len(pool)] for n in range(share)]
    return mix


PAGE_MIX = Page("page_mix", "page mix", page_mix_requests)
# The mixed scenario: anonymous visitors browsing these pages while orders flow at each rate,
# in orders/s (0: none, the case the others are compared with).
MIXED_PAGE_SETS = (PAGE["product"], PAGE_MIX)
MIXED_ORDER_RATES = (0, 1, 5, 20)
