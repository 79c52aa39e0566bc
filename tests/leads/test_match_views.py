"""/match/: the requirement form, ranked results with the fit, and the inquiry it sends."""

from decimal import Decimal

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from leads.forms import sign_matches
from leads.models import Inquiry
from listings.models import Listing
from tests import factories
from tests.leads.conftest import form_data

pytestmark = pytest.mark.django_db

D = Decimal
URL = "/match/"
QUERY = (
    "?kind=factory&deal=rent&town=新桥镇&area_min=1000&area_max=1500"
    "&height_min=8&power_min=630&rent_max=1.2&eia=1"
)


def days_ago(n):
    return timezone.now() - timezone.timedelta(days=n)


def factory(**kwargs):
    defaults = {
        "kind": Listing.Kind.FACTORY,
        "town": "新桥镇",
        "building_area": D("1200"),
        "floor_height": D("9"),
        "power_kva": 630,
        "rent_price": D("1.2"),
        "eia_approvable": True,
    }
    return factories.make_listing(**{**defaults, **kwargs})


@pytest.fixture
def spaces():
    agent = factories.make_agent(name="王顾问")
    return {
        "A": factory(title="车墩甲厂房", published_at=days_ago(1)),
        "B": factory(title="新桥乙厂房", floor_height=D("7.5"), published_at=days_ago(2)),
        "C": factory(title="新桥丙厂房", power_kva=400, published_at=days_ago(3)),
        "H": factory(
            title="新桥丁厂房", rent_price=D("1.3"), agent=agent, published_at=days_ago(5)
        ),
    }


def test_it_shows_the_form_and_no_results_before_a_requirement(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="height_min"' in html
    assert "完全符合" not in html
    assert 'id="inquiry-form"' not in html


def test_it_ranks_results_with_the_fit_of_each(client, spaces, django_assert_max_num_queries):
    # the park choices (cached), the ids within the bounds, their scoring columns, the
    # shown rows whole; /match/ is not looked up in the page cache (never kept there)
    with django_assert_max_num_queries(4):
        response = client.get(URL + QUERY)
    html = response.content.decode()
    assert "完全符合（1）" in html
    assert "接近符合" in html
    a, b, h = (html.index(spaces[k].title) for k in "ABH")
    assert a < html.index("接近符合") < b < h
    assert spaces["C"].title not in html
    assert "层高 9 m ≥ 8 m ✓" in html
    assert "层高 7.5 m，差 0.5 m" in html
    assert "租金 1.3 元/㎡/天，超 0.1 元/㎡/天" in html


def test_the_inquiry_form_carries_the_requirement_and_the_best_matches(client, spaces):
    response = client.get(URL + QUERY)
    form = response.context["inquiry_form"]
    assert form.initial["need_kind"] == "factory"
    assert form.initial["need_area"] == 1500
    assert form.initial["need_budget"] == "1.2元/㎡/天以内"
    assert "height_min=8" in form.initial["requirement"]
    refs = signing.loads(form.initial["matched"], salt="leads.matches")
    assert refs == [f"listing:{spaces[k].pk}" for k in "ABH"]


def test_english_page(client, spaces):
    response = client.get("/en/match/" + QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Floor height 9 m ≥ 8 m ✓" in html
    assert "Near matches" in html


@override_settings(LEAD_MIN_FILL_SECONDS=0)
def test_one_tap_sends_the_requirement_with_the_matches_to_the_picked_agent(client, spaces):
    data = form_data(
        matched=sign_matches([spaces["A"], spaces["H"]]),
        pick=signing.dumps(f"listing:{spaces['H'].pk}", salt="leads.subject"),
        requirement="kind=factory&height_min=8",
        message="",
    )
    response = client.post("/inquiry/", data)
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.listing == spaces["H"]
    assert inquiry.assigned_agent.name == "王顾问"
    assert inquiry.routing_reason == Inquiry.RoutingReason.OBJECT
    assert inquiry.requirement == "kind=factory&height_min=8"
    assert inquiry.message.splitlines() == [
        "智能匹配推荐：",
        f"{spaces['A']} http://127.0.0.1:8000/listings/{spaces['A'].pk}/",
        f"{spaces['H']} http://127.0.0.1:8000/listings/{spaces['H'].pk}/",
    ]


@override_settings(LEAD_MIN_FILL_SECONDS=0)
def test_without_a_pick_routing_is_as_today(client, spaces):
    agent = factories.make_agent(name="轮转顾问")
    data = form_data(matched=sign_matches([spaces["A"]]), pick="forged")
    client.post("/inquiry/", data)
    inquiry = Inquiry.objects.get()
    assert inquiry.listing is None
    assert inquiry.assigned_agent in (agent, spaces["H"].agent)
    assert inquiry.routing_reason == Inquiry.RoutingReason.ROTATION
    assert "智能匹配推荐：" in inquiry.message


@pytest.mark.parametrize(
    "query",
    [
        "?kind=castle&deal=x&town=<script>&park=nope",
        "?area_min=-1&area_max=1e999&height_min=nan&power_min=inf",
        "?rent_max=abc&monthly_max=%00&sale_max=99999999999999999999&land_price_max=1,2",
        "?kind=land&mu_min=0&mu_max=0&investment=0&tax=0",
        "?kind=land&mu_min=1e-30&investment=1e20&land_price_max=0.0000001",
        "?town=新桥&town=新桥镇&town=" + "x" * 5000,
        "?eia=2&standalone=yes&single_storey=&certificate=%FF",
        "?area_min=5000&area_max=10&monthly_max=0.0001",
    ],
)
def test_bad_input_is_never_a_500(client, spaces, query):
    factories.make_parcel()
    response = client.get(URL + query)
    assert response.status_code == 200


def test_fuzzed_parameters_are_never_a_500(client, spaces):
    import random  # noqa: PLC0415 - only this test draws

    rng = random.Random(13)
    names = [
        "kind",
        "deal",
        "town",
        "park",
        "area_min",
        "area_max",
        "mu_min",
        "mu_max",
        "height_min",
        "load_min",
        "power_min",
        "crane_min",
        "eia",
        "rent_max",
        "monthly_max",
        "sale_max",
        "land_price_max",
        "investment",
        "tax",
    ]
    values = [
        "",
        "0",
        "-1",
        "1e9",
        "1e-9",
        "NaN",
        "abc",
        "1.5",
        "land",
        "factory",
        "rent",
        "sale",
        "新桥镇",
        "\x00",
        "9" * 30,
        "0.00001",
    ]
    for _ in range(60):
        params = {name: rng.choice(values) for name in rng.sample(names, rng.randint(1, 8))}
        response = client.get(URL, params)
        assert response.status_code == 200, params


def test_the_park_choices_kept_by_the_listings_page_serve_the_match_page_and_back(client):
    # /listings/ and /match/ keep one cached list of parks; whichever page asks first,
    # the other reads it, in either language.
    park = factories.make_park(name="测试科创园", name_en="Test Innovation Park", slug="test-park")
    factory(park=park)
    assert client.get("/listings/").status_code == 200
    match = client.get(URL + "?kind=factory&park=test-park")
    assert match.status_code == 200
    assert "测试科创园" in match.content.decode()
    english = client.get("/en/match/?kind=factory&park=test-park")
    assert "Test Innovation Park" in english.content.decode()
    listings = client.get("/en/listings/?park=test-park")
    assert listings.status_code == 200
    assert "Test Innovation Park" in listings.content.decode()
