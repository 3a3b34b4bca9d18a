"""The shop's pages of text (pages.Page): the footer's contact, returns, terms and privacy
pages, which exist after migrate and which staff edit in the admin; and the page frame around
every page (logo, favicon, footer, the 403 page)."""

import importlib

import pytest
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from pages.models import FOOTER_SLUGS, Page
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

STARTER_PAGES = importlib.import_module("pages.migrations.0002_starter_pages")
FOOTER_LINKS = [
    ("/pages/contact/", "Contact"),
    ("/pages/returns/", "Returns"),
    ("/pages/terms/", "Terms"),
    ("/pages/privacy/", "Privacy"),
]


@pytest.fixture
def footer_pages():
    """The starter pages, as migrate leaves them (a transactional test elsewhere flushes them)."""
    STARTER_PAGES.create_starter_pages(apps, None)
    return {page.slug: page for page in Page.objects.all()}


def migrate(target):
    MigrationExecutor(connection).migrate([target])


# --- the pages exist after migrate, with starter text -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_footer_pages_and_keeps_edits_when_run_again():
    migrate(("pages", "0001_initial"))
    Page.objects.all().delete()
    migrate(("pages", "0002_starter_pages"))
    pages = {page.slug: page for page in Page.objects.all()}
    assert set(pages) == set(FOOTER_SLUGS)
    assert all(len(page.body) > 100 for page in pages.values())

    Page.objects.filter(slug="contact").update(body="Call us on 0800 123.")
    migrate(("pages", "0001_initial"))  # reversed, it keeps the pages
    migrate(("pages", "0002_starter_pages"))
    assert Page.objects.get(slug="contact").body == "Call us on 0800 123."
    assert Page.objects.count() == len(FOOTER_SLUGS)


# --- the page view ------------------------------------------------------------------------------


def test_page_shows_title_and_paragraphs_with_links(client, footer_pages):
    Page.objects.filter(slug="contact").update(
        title="Talk to us", body="Write to help@example.com.\n\nOr call <b>us</b>."
    )
    response = client.get("/pages/contact/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Talk to us</h1>" in html
    assert '<a href="mailto:help@example.com">help@example.com</a>' in html
    assert "<p>Or call &lt;b&gt;us&lt;/b&gt;.</p>" in html  # plain text: markup is escaped
    assert "<title>Talk to us · Storefront</title>" in html
    assert '<link rel="canonical" href="http://testserver/pages/contact/">' in html


def test_unknown_page_is_not_found(client, footer_pages):
    assert client.get("/pages/no-such-page/").status_code == 404


# --- the footer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/products/", "/categories/audio/", "/cart/"])
def test_every_page_has_the_footer_links(client, footer_pages, url):
    ProductFactory(category=CategoryFactory(slug="audio"))
    html = client.get(url).content.decode()
    for href, label in FOOTER_LINKS:
        assert f'<a href="{href}">{label}</a>' in html
    for href, _label in FOOTER_LINKS:
        assert client.get(href).status_code == 200


def test_editing_a_page_shows_at_once_and_leaves_kept_catalog_pages_current(
    staff_client, footer_pages, settings
):
    """The footer links by fixed address and title, so a kept catalog page (page cache) does not
    need to go out of date when staff edit a page's text, and the page itself is not kept."""
    settings.CATALOG_PAGE_CACHE = True
    cache.clear()
    visitor = Client()
    assert visitor.get("/").headers["X-Page-Cache"] == "miss"
    page = footer_pages["returns"]
    response = staff_client.post(
        reverse("admin:pages_page_change", args=[page.pk]),
        {"title": "Returns within 60 days", "body": "Send it back within 60 days."},
    )
    assert response.status_code == 302, response.content.decode()
    assert "Send it back within 60 days." in visitor.get("/pages/returns/").content.decode()
    home = visitor.get("/")
    assert home.headers["X-Page-Cache"] == "hit"
    assert '<a href="/pages/returns/">Returns</a>' in home.content.decode()
    cache.clear()


# --- the admin ----------------------------------------------------------------------------------


def test_staff_cannot_delete_a_footer_page_or_move_it(staff_client, footer_pages):
    page = footer_pages["terms"]
    delete_url = reverse("admin:pages_page_delete", args=[page.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    change = staff_client.get(reverse("admin:pages_page_change", args=[page.pk]))
    assert 'name="slug"' not in change.content.decode()  # read-only: the footer links to it
    assert Page.objects.filter(slug="terms").exists()


def test_staff_can_add_and_delete_another_page(staff_client, footer_pages):
    response = staff_client.post(
        reverse("admin:pages_page_add"),
        {"slug": "shipping", "title": "Shipping", "body": "We ship within two days."},
    )
    assert response.status_code == 302
    assert Client().get("/pages/shipping/").status_code == 200
    page = Page.objects.get(slug="shipping")
    staff_client.post(reverse("admin:pages_page_delete", args=[page.pk]), {"post": "yes"})
    assert not Page.objects.filter(slug="shipping").exists()


def test_page_needs_a_title_and_a_body(staff_client, footer_pages):
    response = staff_client.post(
        reverse("admin:pages_page_add"), {"slug": "empty", "title": "", "body": ""}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Page.objects.filter(slug="empty").exists()


# --- the page frame: logo, favicon ---------------------------------------------------------------


def test_header_has_the_logo_linking_home_and_the_favicons(client, footer_pages):
    html = client.get("/pages/contact/").content.decode()
    assert (
        '<a class="brand" href="/"><img src="/static/img/logo.svg" alt="" width="32" '
        'height="32"> Storefront</a>' in html
    )
    assert '<link rel="icon" href="/static/img/favicon.ico" sizes="48x48">' in html
    assert '<link rel="icon" href="/static/img/logo.svg" type="image/svg+xml">' in html
    assert '<link rel="apple-touch-icon" href="/static/img/apple-touch-icon.png">' in html


@pytest.mark.parametrize(
    "path", ["img/logo.svg", "img/favicon.ico", "img/favicon-32.png", "img/apple-touch-icon.png"]
)
def test_logo_and_favicon_files_are_the_shops_own_static_files(path):
    assert finders.find(path) is not None
