"""Nothing a visitor sends can cause a 500 (issue 11, 4): every public URL of the
contract in DESIGN.md, each query parameter and numeric path part, with huge, negative,
non-ASCII and malformed values."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.forms import new_stamp
from tests import factories

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775808",
    "-1",
    "0",
    "1e999999",
    "NaN",
    "1.5",
    "１２",  # full-width digits
    "²",  # a digit to str.isdigit(), not to int()
    "😀",
    "",
    "'\"<script>",
    "\x00",
    "9" * 5000,
    "last",
]
# Each parameter also alone, with the values most likely to reach SQL or int().
SHARP_VALUES = ["99999999999999999999", "-99999999999999999999", "²", "1e999999"]

LISTING_PARAMS = [
    "kind", "deal", "district", "town", "park", "area_min", "area_max", "rent_max",
    "sale_max", "height_min", "load_min", "power_min", "crane_min", "eia", "standalone",
    "single_storey", "certificate", "divisible", "q", "sort", "page",
]  # fmt: skip
LAND_PARAMS = [
    "district", "town", "use", "status", "area_min", "area_max", "price_max", "q", "sort",
    "page",
]  # fmt: skip
INQUIRY_PARAMS = ["listing", "land", "park", "article", "utm_source", "utm_campaign"]


@pytest.fixture
def site(db):
    agent = factories.make_agent()
    park = factories.make_park(agent=agent, is_published=True)
    listing = factories.make_listing(park=park, agent=agent)
    parcel = factories.make_parcel(park=park)
    category = factories.make_category()
    article = factories.make_article(category=category)
    article.tags.add("新能源")
    return {
        "listing": listing,
        "parcel": parcel,
        "park": park,
        "article": article,
        "category": category,
    }


def public_pages(site):
    """(path, parameters it reads) for every public page."""
    return [
        ("/", ["page"]),
        ("/news/", ["page"]),
        (f"/news/c/{site['category'].slug}/", ["page"]),
        (f"/news/{site['article'].pk}/", ["page"]),
        ("/tags/新能源/", ["page"]),
        ("/feeds/news/", ["page"]),
        ("/listings/", LISTING_PARAMS),
        (f"/listings/{site['listing'].pk}/", ["page", "preview"]),
        ("/land/", LAND_PARAMS),
        (f"/land/{site['parcel'].pk}/", ["page"]),
        ("/parks/", ["page"]),
        (f"/parks/{site['park'].slug}/", ["page"]),
        ("/inquiry/", INQUIRY_PARAMS),
        ("/search/", ["q", "kind", "page"]),
        ("/sitemap.xml", ["p", "page"]),
        ("/robots.txt", []),
        ("/healthz", []),
        ("/contact/", []),
        ("/privacy/", []),
    ]


def assert_no_500(client, path, params=None):
    response = client.get(path, params or {})
    assert response.status_code < 500, (path, params, response.status_code)
    return response


def test_every_parameter_of_every_public_page_survives_bad_values(client, site):
    for path, names in public_pages(site):
        assert_no_500(client, path)
        if not names:
            continue
        # All parameters at once with the same bad value: each is cleaned on its own.
        for value in BAD_VALUES:
            params = dict.fromkeys(names, value)
            if path == "/search/":
                params["q"] = "厂房"
            assert_no_500(client, path, params)
        for name in names:
            for value in SHARP_VALUES:
                params = {name: value, **({"q": "厂房"} if path == "/search/" else {})}
                assert_no_500(client, path, params)


def test_the_audits_page_number_is_clamped(client, site):
    response = assert_no_500(client, "/search/", {"q": "a", "page": "99999999999999999999"})
    assert response.status_code == 200
    for path in ("/listings/", "/land/"):  # past the end: the last page
        assert assert_no_500(client, path, {"page": "99999999999999999999"}).status_code == 200
    # News refuses a page that is not one of its pages (tests/articles/test_views.py).
    assert assert_no_500(client, "/news/", {"page": "99999999999999999999"}).status_code == 404


def test_no_huge_integer_reaches_the_database(client, site):
    with CaptureQueriesContext(connection) as queries:
        for path in ("/search/", "/listings/", "/land/", "/news/"):
            client.get(path, {"q": "厂房", "page": "99999999999999999999"})
    huge = [q["sql"] for q in queries.captured_queries if "99999999999999999" in q["sql"]]
    assert huge == []


@pytest.mark.parametrize(
    "path",
    [
        "/listings/{}/",
        "/land/{}/",
        "/news/{}/",
        "/parks/{}/",
        "/news/c/{}/",
        "/tags/{}/",
        "/inquiry/thanks/{}/",
    ],
)
def test_path_parts_survive_bad_values(client, site, path):
    for value in ["99999999999999999999", "9223372036854775808", "0", "00000000001", "١٢٣"]:
        assert_no_500(client, path.format(value))
        assert_no_500(client, "/en" + path.format(value))


def test_the_inquiry_form_survives_bad_numbers(client, site):

    for value in BAD_VALUES:
        data = {
            "name": "张先生",
            "mobile": "13800138000",
            "consent": "on",
            "stamp": new_stamp(),
            "need_area": value,
            "expected_tax": value,
            "need_kind": value,
            "subject": value,
        }
        response = client.post("/inquiry/", data)
        assert response.status_code < 500, (value, response.status_code)
