"""Whole public pages kept in the shared cache for anonymous visitors."""

import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from core.pages import page_version
from leads.forms import STAMP_SALT
from leads.models import Inquiry
from tests import factories
from tests.leads.conftest import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.PAGE_CACHE_PUBLIC_SECONDS = 1
    settings.PAGE_CACHE_STALE_SECONDS = 10


def detail_url(listing):
    return reverse("listings:listing-detail", args=[listing.pk])


def test_a_public_page_is_kept_and_served_again_without_queries(
    client, listing, django_assert_num_queries
):
    first = client.get("/listings/")
    assert first["X-Page-Cache"] == "miss"
    assert "public" in first["Cache-Control"]
    assert "s-maxage=1" in first["Cache-Control"]
    assert "stale-while-revalidate=10" in first["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get("/listings/")
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    if "Content-Length" in again:
        assert int(again["Content-Length"]) == len(again.content)
    assert listing.title in again.content.decode()


def test_query_strings_and_languages_are_kept_apart(client, listing):
    client.get("/listings/")
    assert client.get("/listings/?kind=warehouse")["X-Page-Cache"] == "miss"
    english = client.get("/en/listings/")
    assert english["X-Page-Cache"] == "miss"
    assert 'lang="en"' in english.content.decode()
    assert client.get("/en/listings/")["X-Page-Cache"] == "hit"


def test_saving_what_a_page_shows_renews_it(client, listing):
    client.get(detail_url(listing))
    client.get("/listings/")
    version = page_version()
    listing.title = "松江新厂房 改过的标题"
    listing.save()
    assert page_version() != version
    for url in (detail_url(listing), "/listings/"):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss"
        assert "改过的标题" in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda listing: listing.park.save(),
        lambda listing: listing.agent.save(),
        lambda listing: factories.make_article(),
        lambda listing: listing.delete(),
    ],
)
def test_every_kind_of_change_renews_pages(client, listing, change):
    client.get("/")
    version = page_version()
    change(listing)
    assert page_version() != version
    assert client.get("/")["X-Page-Cache"] == "miss"


def test_a_staff_change_in_admin_renews_pages(client, superuser, listing):
    client.get("/listings/")
    version = page_version()
    staff = Client()
    staff.force_login(superuser)
    staff.post(
        reverse("admin:listings_listing_changelist"),
        {"action": "delete_selected", "_selected_action": [listing.pk]},
    )
    assert page_version() != version


def test_logged_in_staff_always_get_fresh_pages(client, superuser, listing):
    client.get("/listings/")
    client.force_login(superuser)
    response = client.get("/listings/")
    assert "X-Page-Cache" not in response
    assert "public" not in response.get("Cache-Control", "")


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(client, listing):
    client.get("/listings/")
    client.cookies["messages"] = "something"
    assert "X-Page-Cache" not in client.get("/listings/")


def test_private_pages_and_posts_are_never_kept(client, listing):
    for url in ("/inquiry/", "/en/inquiry/", "/admin/login/"):
        client.get(url)
        assert "X-Page-Cache" not in client.get(url)
    assert client.get("/no-such-page/").status_code == 404
    assert "X-Page-Cache" not in client.get("/no-such-page/")


def test_each_visitor_gets_their_own_csp_nonce(client, listing):
    first = client.get(detail_url(listing))
    second = client.get(detail_url(listing))
    assert second["X-Page-Cache"] == "hit"
    nonces = [
        re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1)
        for r in (first, second)
    ]
    assert nonces[0] != nonces[1]
    if f'nonce="{nonces[0]}"' in first.content.decode():
        assert f'nonce="{nonces[1]}"' in second.content.decode()


def test_a_kept_page_carries_no_csrf_token_and_sets_no_cookie(client, listing):
    response = client.get(detail_url(listing))
    html = response.content.decode()
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in html
    assert re.search(r'name="stamp" value="[^"]+"', html)
    assert 'data-inquiry-token="/inquiry/token/"' in html


def kept_form(visitor, listing):
    """The stamp of the inquiry form on the kept page, as a visitor without JS sees it."""
    visitor.get(detail_url(listing))
    page = visitor.get(detail_url(listing))
    assert page["X-Page-Cache"] == "hit"
    return re.search(r'name="stamp" value="([^"]+)"', page.content.decode()).group(1)


SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"}


def test_an_inquiry_sent_from_a_kept_page_with_a_personal_stamp_arrives(listing):
    visitor = Client(enforce_csrf_checks=True)
    kept_form(visitor, listing)
    token = visitor.get(reverse("leads:inquiry-token"))
    assert "no-cache" in token["Cache-Control"]
    assert not token.cookies
    data = form_data(listing, stamp=token.json()["stamp"])
    response = visitor.post(reverse("leads:inquiry"), data, **SAME_ORIGIN)
    assert response.status_code == 303
    assert Inquiry.objects.get().listing == listing


def test_visitors_without_javascript_send_the_kept_page_as_it_is(listing, settings):
    # No cookie, no token fetched: each visitor posts the stamp the kept page carries.
    settings.LEAD_MIN_FILL_SECONDS = 0
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    stamp = kept_form(first, listing)
    assert kept_form(second, listing) == stamp
    url = reverse("leads:inquiry")
    sent = first.post(url, form_data(listing, stamp=stamp, mobile="13800138000"), **SAME_ORIGIN)
    assert sent.status_code == 303
    again = first.post(url, form_data(listing, stamp=stamp, mobile="13800138000"), **SAME_ORIGIN)
    assert again.status_code == 302 and again.url == sent.url  # a double click: one inquiry
    other = second.post(url, form_data(listing, stamp=stamp, mobile="13900139000"), **SAME_ORIGIN)
    assert other.status_code == 303 and other.url != sent.url
    assert sorted(Inquiry.objects.values_list("mobile", flat=True)) == [
        "13800138000",
        "13900139000",
    ]


def test_each_token_call_gives_a_new_stamp(client):
    first = client.get(reverse("leads:inquiry-token")).json()["stamp"]
    second = client.get(reverse("leads:inquiry-token")).json()["stamp"]
    assert first != second


def test_staff_get_the_form_with_a_personal_stamp_in_the_page(client, superuser, listing):
    client.force_login(superuser)
    html = client.get(detail_url(listing)).content.decode()
    stamp = re.search(r'name="stamp" value="([^"]+)"', html).group(1)
    assert "s" not in signing.loads(stamp, salt=STAMP_SALT)
    assert "data-inquiry-token" not in html
