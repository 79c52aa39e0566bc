"""Matching: rankings and fit texts computed by hand on a small fixture set."""

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone

from leads.matching import MET, MISSED, NEAR, Requirement, match, match_inquiry, parse_budget
from leads.models import Inquiry
from listings.models import LandParcel, Listing
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


def days_ago(n):
    return timezone.now() - timezone.timedelta(days=n)


def factory(**kwargs):
    defaults = {
        "kind": Listing.Kind.FACTORY,
        "deal": Listing.Deal.RENT,
        "town": "新桥镇",
        "building_area": D("1200"),
        "floor_height": D("9"),
        "power_kva": 630,
        "rent_price": D("1.2"),
        "eia_approvable": True,
    }
    defaults.update(kwargs)
    return factories.make_listing(**defaults)


@pytest.fixture
def spaces():
    return {
        "A": factory(published_at=days_ago(1)),
        "B": factory(
            building_area=D("1000"),
            floor_height=D("7.5"),
            rent_price=D("1.0"),
            published_at=days_ago(2),
        ),
        "C": factory(
            building_area=D("1100"), power_kva=400, rent_price=D("1.1"), published_at=days_ago(3)
        ),
        "H": factory(
            building_area=D("1300"),
            floor_height=D("8"),
            power_kva=700,
            rent_price=D("1.3"),
            published_at=days_ago(5),
        ),
        # Out by a hard constraint or not public:
        "other_town": factory(town="泗泾镇"),
        "warehouse": factory(kind=Listing.Kind.WAREHOUSE),
        "sale": factory(deal=Listing.Deal.SALE, rent_price=None, sale_price=D("2000")),
        "draft": factory(status=Listing.Status.DRAFT),
    }


REQUIREMENT = {
    "kind": "factory",
    "deal": "rent",
    "town": "新桥镇",
    "area_min": "1000",
    "area_max": "1500",
    "height_min": "8",
    "power_min": "630",
    "rent_max": "1.2",
    "eia": "1",
}


def requirement(**overrides):
    data = QueryDict(mutable=True)
    data.update({**REQUIREMENT, **overrides})
    return Requirement.from_query(data)


def test_it_ranks_full_matches_then_near_misses_by_fit_then_freshness(spaces):
    results = match(requirement())
    assert [m.obj for m in results.full] == [spaces["A"]]
    assert results.show_near  # one full match is fewer than five
    assert [m.obj for m in results.near] == [spaces["B"], spaces["H"]]
    assert results.others == []  # C misses on power: not offered to the public


def test_it_explains_each_constraint_in_words(spaces):
    results = match(requirement())
    assert [c.text for c in results.full[0].checks] == [
        "面积 1200 ㎡，符合 1000–1500 ㎡ ✓",
        "层高 9 m ≥ 8 m ✓",
        "电力 630 kVA ≥ 630 kVA ✓",
        "可环评 ✓",
        "租金 1.2 元/㎡/天 ≤ 1.2 元/㎡/天 ✓",
    ]
    b, h = results.near
    assert [(c.status, c.text) for c in b.checks if c.status != MET] == [
        (NEAR, "层高 7.5 m，差 0.5 m")
    ]
    assert [(c.status, c.text) for c in h.checks if c.status != MET] == [
        (NEAR, "租金 1.3 元/㎡/天，超 0.1 元/㎡/天")
    ]


def test_misses_follow_when_asked_for(spaces):
    results = match(requirement(), include_misses=True)
    (c,) = results.others
    assert c.obj == spaces["C"]
    assert [(x.status, x.text) for x in c.checks if x.status != MET] == [
        (MISSED, "电力 400 kVA，差 230 kVA")
    ]
    assert [m.obj for m in results.best(10)] == [spaces[k] for k in "ABHC"]


def test_near_misses_are_left_out_when_five_spaces_meet_everything(spaces):
    for n in range(4):
        factory(published_at=days_ago(10 + n))
    results = match(requirement())
    assert len(results.full) == 5
    assert not results.show_near
    assert spaces["B"] not in [m.obj for m in results.best(20)]


def test_tolerance_is_a_setting(spaces, settings):
    # 7.5 m is 6.25 % short of 8 m: still near; 1.3 is 8.3 % over 1.2: now a miss.
    settings.MATCH_TOLERANCE_PERCENT = 7
    results = match(requirement())
    assert [m.obj for m in results.near] == [spaces["B"]]


def test_an_area_outside_the_range_is_a_near_miss_or_a_miss(spaces):
    small = factory(building_area=D("950"), published_at=days_ago(1))
    divisible = factory(
        building_area=D("5000"), min_divisible_area=D("1400"), published_at=days_ago(1)
    )
    results = match(requirement())
    texts = {m.obj: m.checks[0].text for m in [*results.full, *results.near]}
    assert texts[small] == "面积 950 ㎡，差 50 ㎡"
    assert texts[divisible] == "面积 1400–5000 ㎡，符合 1000–1500 ㎡ ✓"


def test_a_monthly_budget_counts_the_part_a_divisible_space_lets(spaces):
    # 1.2 元/㎡/天 × 1500 ㎡ × 30 ÷ 10,000 = 5.4 万元/月
    divisible = factory(
        building_area=D("5000"), min_divisible_area=D("1000"), published_at=days_ago(1)
    )
    results = match(requirement(rent_max="", monthly_max="5"))
    fit = next(m for m in [*results.full, *results.near] if m.obj == divisible)
    assert fit.checks[-1].text == "月租金 5.4 万元/月，超 0.4 万元/月"
    assert fit.checks[-1].status == NEAR


def test_negotiable_rent_is_a_near_miss(spaces):
    on_request = factory(rent_price=None, negotiable=True, published_at=days_ago(1))
    results = match(requirement())
    fit = next(m for m in results.near if m.obj == on_request)
    assert fit.checks[-1].text == "租金面议"


def test_parks_and_towns_filter_together():
    park = factories.make_park(town="九亭镇")
    in_park = factory(town="九亭镇", park=park)
    in_town = factory(town="泗泾镇")
    factory(town="新桥镇")
    results = match(Requirement(kind="factory", towns=("泗泾镇",), parks=(park.slug,)))
    assert {m.obj for m in results.full} == {in_park, in_town}


def parcel(**kwargs):
    kwargs.setdefault("investment_intensity", D("1500"))
    kwargs.setdefault("tax_per_mu", D("50"))
    return factories.make_parcel(**kwargs)


def test_land_fits_by_area_in_mu_investment_intensity_and_tax_per_mu():
    # 11,875.3 ㎡ = 17.81 亩; 30,000 万元 ÷ 17.81 亩 = 1684.45 万元/亩; 900 ÷ 17.81 = 50.53
    p1 = parcel(published_at=days_ago(3))
    p2 = parcel(tax_per_mu=D("55"), published_at=days_ago(1))
    parcel(status=LandParcel.Status.SOLD, result_price=D("1200"))
    parcel(area=D("40000"))  # 60 亩: a miss
    req = Requirement.from_query(
        {"kind": "land", "mu_min": "15", "mu_max": "20", "investment": "30000", "tax": "900"}
    )
    results = match(req)
    assert [m.obj for m in results.full] == [p1]
    assert [c.text for c in results.full[0].checks] == [
        "面积 17.81 亩，符合 15–20 亩 ✓",
        "投资强度 1684.45 万元/亩 ≥ 1500 万元/亩 ✓",
        "亩均税收 50.53 万元/亩 ≥ 50 万元/亩 ✓",
    ]
    assert [m.obj for m in results.near] == [p2]
    assert results.near[0].checks[-1].text == "亩均税收 50.53 万元/亩，差 4.47 万元/亩"


def test_land_price_per_mu():
    # 1,104 万元 ÷ 17.81 亩 = 62.0 万元/亩
    p = parcel()
    results = match(Requirement(kind="land", land_price_max=D("60")))
    assert results.near[0].obj == p
    assert results.near[0].checks[0].text == "单价 62 万元/亩，超 2 万元/亩"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1元/㎡/天以内", {"rent_max": D("1")}),
        ("总价3000万元", {"sale_max": D("3000")}),
        ("每月5万", {"monthly_max": D("5")}),
        ("5万元/月", {"monthly_max": D("5")}),
        ("60万/亩", {"land_price_max": D("60")}),
        ("看情况", {}),
    ],
)
def test_it_reads_the_budget_a_prospect_typed(text, expected):
    assert parse_budget(text) == expected


def test_an_inquiry_is_a_requirement_scored_by_the_same_code(spaces):
    inquiry = Inquiry(
        need_kind="factory", need_deal="rent", need_area=1250, need_budget="1.2元/㎡/天以内"
    )
    req = Requirement.from_inquiry(inquiry)
    assert req == Requirement(
        kind="factory", deal="rent", area_min=D("1000.0"), area_max=D("1500.0"), rent_max=D("1.2")
    )
    # Four of the fixture's factories in any town fit 1,000–1,500 ㎡ at ≤ 1.2 元/㎡/天; H
    # asks 1.3 (a near miss); the other town's factory is as good as A, one day older.
    best = match_inquiry(inquiry)
    assert best[-1].obj == spaces["H"]


def test_a_requirement_round_trips_through_its_query_string():
    req = requirement()
    assert Requirement.from_query(QueryDict(req.querystring())) == req


def test_bad_values_are_left_out():
    req = Requirement.from_query({"kind": "castle", "area_min": "abc", "height_min": "8"})
    assert req == Requirement(height_min=D("8"))


def test_the_admin_view_puts_near_misses_before_misses_even_with_five_full_matches(spaces):
    for n in range(5):
        factory(published_at=days_ago(10 + n))
    best = match(requirement(), limit=10, include_misses=True).best(10)
    # A and five more fully match; then B and H (near), then C (a miss).
    assert [m.obj for m in best][6:] == [spaces["B"], spaces["H"], spaces["C"]]
