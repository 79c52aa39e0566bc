import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from demo.pictures import ensure_pictures
from listings.models import LandParcel, Listing, Park
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """Five public listings with hand-picked values, and one stale that matches a lot."""
    p1 = factories.make_park(slug="p1", name="一号园区", town="新桥镇")
    p2 = factories.make_park(slug="p2", name="二号园区", town="新桥镇")
    F, W, OF = Listing.Kind.FACTORY, Listing.Kind.WAREHOUSE, Listing.Kind.OFFICE
    rows = {
        "A": {"kind": F, "town": "新桥镇", "park": p1, "building_area": 1200, "rent_price": "1.0",
                  "floor_height": 9, "floor_load": 2000, "power_kva": 630, "crane_tonnage": 10,
                  "eia_approvable": True, "standalone": True, "single_storey": True,
                  "has_certificate": True, "min_divisible_area": 400, "floors": 1},
        "B": {"kind": F, "town": "九亭镇", "building_area": 800, "rent_price": "1.5", "floor_height": 6,
                  "floor_load": 800, "power_kva": 200, "floors": 2},
        "C": {"kind": W, "town": "新桥镇", "park": p2, "building_area": 5000, "rent_price": "1.3",
                  "floor_height": 12, "floor_load": 3000, "power_kva": 400, "eia_approvable": True,
                  "single_storey": True, "has_certificate": True},
        "D": {"kind": OF, "deal": Listing.Deal.SALE, "town": "泗泾镇", "park": p1, "building_area": 500,
                  "sale_price": 800, "floor_height": "4.2", "floor_load": 400, "power_kva": 100,
                  "has_certificate": True},
        "E": {"kind": F, "deal": Listing.Deal.SALE, "town": "新桥镇", "park": p1, "building_area": 3000,
                  "sale_price": 2500, "floor_height": 10, "floor_load": 1500, "power_kva": 1000,
                  "crane_tonnage": 5, "eia_approvable": True, "standalone": True, "single_storey": True,
                  "min_divisible_area": 1000},
    }  # fmt: skip
    now = timezone.now()
    for index, (code, values) in enumerate(rows.items()):
        factories.make_listing(
            code=code, title=f"房源{code}", published_at=now - timedelta(days=10 - index), **values
        )
    factories.make_listing(
        code="STALE", town="新桥镇", park=p1, building_area=2000, eia_approvable=True,
        standalone=True, last_verified_at=now - timedelta(days=400),
    )  # fmt: skip
    return rows


def codes(response):
    assert response.status_code == 200
    return sorted(listing.code for listing in response.context["object_list"])


def ordered_codes(response):
    return [listing.code for listing in response.context["object_list"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", "ABCDE"),
        ("kind=factory", "ABE"),
        ("kind=warehouse", "C"),
        ("kind=office", "D"),
        ("deal=rent", "ABC"),
        ("deal=sale", "DE"),
        ("district=松江区", "ABCDE"),
        ("town=新桥镇", "ACE"),
        ("town=新桥", "ACE"),
        ("town=九亭镇", "B"),
        ("park=p1", "ADE"),
        ("park=p2", "C"),
        ("area_min=1000", "ACE"),
        ("area_max=1000", "BD"),
        ("area_min=800&area_max=1200", "AB"),
        ("rent_max=1.3", "AC"),
        ("sale_max=1000", "D"),
        ("height_min=9", "ACE"),
        ("load_min=1500", "ACE"),
        ("power_min=600", "AE"),
        ("crane_min=6", "A"),
        ("crane_min=5", "AE"),
        ("eia=1", "ACE"),
        ("standalone=1", "AE"),
        ("single_storey=1", "ACE"),
        ("certificate=1", "ACD"),
        ("divisible=1", "AE"),
        ("eia=0", "ABCDE"),
        ("kind=factory&town=新桥镇&area_min=1000", "AE"),
        ("kind=factory&town=新桥镇&area_min=1000&standalone=1&eia=1", "AE"),
        ("kind=factory&town=新桥镇&area_min=1000&standalone=1&eia=1&deal=rent", "A"),
        ("park=p1&deal=sale&certificate=1", "D"),
        ("town=九亭镇&kind=warehouse", ""),
    ],
)
def test_each_filter_and_combinations_select_the_expected_listings(
    client, catalogue, query, expected
):
    response = client.get(f"/listings/?{query}")
    assert codes(response) == sorted(expected)
    html = response.content.decode()
    assert f"共 {len(expected)} 套房源" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("area_min=abc&town=新桥镇", "ACE"),
        ("sort=;drop&kind=factory", "ABE"),
        ("park=<script>alert(1)</script>&kind=factory", "ABE"),
        ("area_min=-5&kind=office", "D"),
        ("area_min=1e309&kind=office", "D"),
        ("area_min=NaN&kind=office", "D"),
        ("area_max=99999999999999999999999&kind=office", "D"),
        ("kind=castle&town=九亭镇", "B"),
        ("town=火星镇&kind=office", "D"),
        ("eia=yes-please&kind=office", "D"),
        ("load_min=1.5&kind=office", "D"),
        ("page=abc&kind=office", "D"),
        ("page=-1&kind=office", "D"),
        ("page=99999999999999999999&kind=office", "D"),
        ("kind=office&kind=factory", "ABE"),
    ],
)
def test_a_bad_value_is_ignored_and_the_rest_still_applies(client, catalogue, query, expected):
    response = client.get(f"/listings/?{query}")
    assert codes(response) == sorted(expected)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_nasty_text_never_breaks_the_page(client, catalogue):
    for q in ["\x00", "😀🏭", "' OR 1=1 --", "a" * 5000, "<img src=x onerror=alert(1)>", "%00"]:
        response = client.get("/listings/", {"q": q, "town": q, "park": q, "sort": q})
        assert response.status_code == 200
        assert "<img src=x" not in response.content.decode()


def test_ignored_values_are_named_to_the_visitor(client, catalogue):
    html = client.get("/listings/?area_min=abc&town=新桥镇").content.decode()
    assert "以下条件的值无效，已忽略：面积下限（㎡）" in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("sort=newest", "EDCBA"),
        ("", "EDCBA"),
        ("sort=area", "DBAEC"),
        ("sort=-area", "CEABD"),
        ("sort=price&deal=rent", "ACB"),
        ("sort=-price&deal=rent", "BCA"),
        ("sort=-price&deal=sale", "ED"),
        ("sort=price", "ACBDE"),
    ],
)
def test_sorting(client, catalogue, query, expected):
    assert ordered_codes(client.get(f"/listings/?{query}")) == list(expected)


def test_active_filters_are_chips_that_remove_themselves(client, catalogue):
    html = client.get("/listings/?kind=factory&town=新桥镇&eia=1&page=1").content.decode()
    assert "类型: 厂房" in html
    assert "镇/街道: 新桥镇" in html
    assert ">可环评 <a" in html
    # Removing the kind keeps the rest and drops the page number.
    assert 'href="/listings/?town=%E6%96%B0%E6%A1%A5%E9%95%87&amp;eia=1"' in html
    assert "清除全部" in html


def test_a_page_past_the_end_shows_the_last_page(client):
    for _ in range(30):
        factories.make_listing()
    response = client.get("/listings/?page=99")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
    assert len(response.context["object_list"]) == 6
    assert "第 2 页，共 2 页" in response.content.decode()


def test_an_empty_result_offers_the_inquiry_form(client, catalogue):
    response = client.get("/listings/?area_min=99999&kind=factory")
    html = response.content.decode()
    assert codes(response) == []
    assert "暂时没有符合条件的房源" in html
    assert "您的条件: 类型: 厂房；面积下限（㎡） ≥ 99999" in html
    assert 'action="/inquiry/"' in html


def test_cards_show_price_in_its_unit_with_the_monthly_total(client, catalogue):
    html = client.get("/listings/").content.decode()
    # A: 1.0 元/㎡/天 × 1200 ㎡ × 30 = 3.6 万元/月
    assert '<span class="price__amount">1</span> 元/㎡/天' in html
    assert "约 3.6 万元/月" in html
    assert '<span class="price__amount">2500</span> 万元' in html
    for badge in ["可环评", "独栋", "单层", "行车", "可分割"]:
        assert f'<li class="badge">{badge}</li>' in html


def test_the_list_has_a_query_budget_for_24_cards_with_any_filters(
    client, django_assert_max_num_queries
):
    park = factories.make_park(slug="budget")
    for index in range(30):
        listing = factories.make_listing(park=park, eia_approvable=True, building_area=1000 + index)
        for position in range(2):
            listing.images.create(image=f"listings/x{index}-{position}.jpg", position=position)
    for query in ["", "kind=factory&park=budget&eia=1&area_min=1000&sort=-price&page=1"]:
        with django_assert_max_num_queries(8):
            response = client.get(f"/listings/?{query}")
        assert len(response.context["object_list"]) == 24


def test_english_ui(client, catalogue):
    html = client.get("/en/listings/?kind=factory").content.decode()
    assert '<html lang="en">' in html


# ---- listing page -------------------------------------------------------------------------


@pytest.fixture
def full_listing(park):
    agent = factories.make_agent(name="王建国", mobile="13916000001", wechat_id="g60_wang")
    return factories.make_listing(
        code="XQ-F-0012",
        title="新桥独栋厂房",
        agent=agent,
        park=park,
        building_area=Decimal("3200"),
        rent_price=Decimal("1.2"),
        floor_height=Decimal("9"),
        floor_load=2000,
        power_kva=630,
        crane_tonnage=Decimal("10"),
        eia_approvable=True,
        standalone=True,
        single_storey=True,
        floors=1,
        expressway_km=Decimal("3.5"),
        expressway_name="G60 沪昆高速",
        longitude=Decimal("121.318"),
        latitude=Decimal("31.07"),
        description="一楼<b>层高9米</b>",
    )


def test_the_listing_page_shows_specs_map_agent_and_share(client, full_listing):
    response = client.get(full_listing.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>新桥独栋厂房</h1>" in html
    for text in [
        "<dt>建筑面积</dt><dd>3200 ㎡</dd>",
        "<dt>层高</dt><dd>9 m</dd>",
        "<dt>楼面承重</dt><dd>2000 kg/㎡（2 吨/㎡）</dd>",
        "<dt>配电</dt><dd>630 kVA</dd>",
        "<dt>行车</dt><dd>10 t</dd>",
        "<dt>可环评</dt><dd>是</dd>",
        "3.5 km（G60 沪昆高速）",
        "约 11.52 万元/月",
        "https://uri.amap.com/marker?position=121.318000,31.070000",
        'href="tel:+8613916000001"',
        "g60_wang",
        "&lt;b&gt;层高9米&lt;/b&gt;",
        'action="/inquiry/"',
    ]:
        assert text in html, text
    qr = re.search(r'<div class="share__qr">(.*?)</div>', html, re.S).group(1)
    assert qr.startswith("<svg") and "style" not in qr


def test_the_listing_page_has_opengraph_and_json_ld(client, full_listing):
    html = client.get(full_listing.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="新桥独栋厂房">' in html
    block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    data = json.loads(block.group(1))
    assert data["@type"] == "RealEstateListing"
    assert data["offers"]["priceCurrency"] == "CNY"
    assert data["about"]["geo"]["latitude"] == "31.070000"


def test_json_ld_cannot_close_its_script_element(client, park):
    listing = factories.make_listing(title="</script><script>alert(1)</script>")
    html = client.get(listing.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html


def test_the_listing_page_has_a_query_budget(client, full_listing, django_assert_max_num_queries):
    for index in range(3):
        full_listing.images.create(image=f"listings/p{index}.jpg", position=index)
    for _ in range(6):
        other = factories.make_listing(building_area=Decimal("3000"))
        other.images.create(image="listings/o.jpg")
    with django_assert_max_num_queries(10):
        response = client.get(full_listing.get_absolute_url())
    assert len(response.context["similar"]) == 4


def test_stale_and_unpublished_listings_are_not_public(client, settings):
    settings.LISTING_STALE_DAYS = 90
    stale = factories.make_listing(last_verified_at=timezone.now() - timedelta(days=91))
    draft = factories.make_listing(status=Listing.Status.DRAFT, published_at=None)
    for listing in [stale, draft]:
        assert client.get(listing.get_absolute_url()).status_code == 404
        assert listing.code not in client.get("/listings/").content.decode()


def test_staff_preview_unpublished_listings_uncached(client, superuser):
    draft = factories.make_listing(status=Listing.Status.DRAFT, published_at=None, title="草稿厂房")
    client.force_login(superuser)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "预览：此页面目前未对访客公开。" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def test_an_agent_previews_only_their_own_drafts(client):
    user = factories.make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="agents"))
    mine = factories.make_listing(
        status=Listing.Status.DRAFT, agent=factories.make_agent(user=user)
    )
    theirs = factories.make_listing(status=Listing.Status.DRAFT, agent=factories.make_agent())
    client.force_login(user)
    assert client.get(mine.get_absolute_url()).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 404


# ---- land ------------------------------------------------------------------------------------


@pytest.fixture
def parcels():
    now = timezone.now()
    industrial = factories.make_parcel(
        code="YF-19-001", town="永丰街道", area=Decimal("11875.3"), starting_price=1104
    )
    rnd = factories.make_parcel(
        code="XQ-07-002", town="新桥镇", land_use="rnd", area=Decimal("20000"),
        starting_price=3000, bidding_opens_at=now - timedelta(days=1),
    )  # fmt: skip
    sold = factories.make_parcel(
        code="JT-03-003", town="九亭镇", area=Decimal("8000"), starting_price=800,
        bidding_opens_at=now - timedelta(days=20), bidding_closes_at=now - timedelta(days=10),
        registration_closes_at=now - timedelta(days=12), announced_at=now - timedelta(days=40),
        status="sold", result_price=900, winner="上海某智能装备有限公司",
    )  # fmt: skip
    return {"industrial": industrial, "rnd": rnd, "sold": sold}


def land_codes(response):
    assert response.status_code == 200
    return sorted(parcel.code for parcel in response.context["object_list"])


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["JT-03-003", "XQ-07-002", "YF-19-001"]),
        ("town=新桥镇", ["XQ-07-002"]),
        ("town=永丰", ["YF-19-001"]),
        ("district=松江区", ["JT-03-003", "XQ-07-002", "YF-19-001"]),
        ("use=rnd", ["XQ-07-002"]),
        ("use=industrial", ["JT-03-003", "YF-19-001"]),
        ("status=announced", ["YF-19-001"]),
        ("status=open", ["XQ-07-002"]),
        ("status=sold", ["JT-03-003"]),
        ("area_min=10000", ["XQ-07-002", "YF-19-001"]),
        ("area_max=10000", ["JT-03-003"]),
        ("price_max=1104", ["JT-03-003", "YF-19-001"]),
        ("use=industrial&price_max=1000", ["JT-03-003"]),
        ("status=;drop&use=rnd", ["XQ-07-002"]),
        ("area_min=abc&use=rnd&page=77", ["XQ-07-002"]),
        ("price_max=<script>&town=新桥镇", ["XQ-07-002"]),
    ],
)
def test_land_filters(client, parcels, query, expected):
    assert land_codes(client.get(f"/land/?{query}")) == expected


def test_land_sorting(client, parcels):
    response = client.get("/land/?sort=-price")
    assert [p.code for p in response.context["object_list"]] == [
        "XQ-07-002",
        "YF-19-001",
        "JT-03-003",
    ]


def test_land_list_has_a_query_budget(client, django_assert_max_num_queries):
    park = factories.make_park()
    for _ in range(25):
        factories.make_parcel(park=park)
    with django_assert_max_num_queries(8):
        response = client.get("/land/?use=industrial&sort=closing")
    assert len(response.context["object_list"]) == 20


def test_the_parcel_page_shows_the_announcement(client, parcels):
    parcel = parcels["industrial"]
    parcel.boundary_east = "规划三路"
    parcel.plot_ratio_min, parcel.plot_ratio_max = Decimal("1.2"), Decimal("2.0")
    parcel.deposit = Decimal("221")
    parcel.increment = Decimal("10")
    parcel.investment_intensity = Decimal("1000")
    parcel.save()
    html = client.get(parcel.get_absolute_url()).content.decode()
    for text in [
        "<dt>东至</dt><dd>规划三路</dd>",
        "11875.3 ㎡（17.81 亩）",
        "62 万元/亩",
        "930 元/㎡",
        "<dt>容积率</dt><dd>1.2–2</dd>",
        "<dt>保证金</dt><dd>221 万元</dd>",
        "<dt>加价幅度</dt><dd>10 万元</dd>",
        "<dt>投资强度</dt><dd>1000 万元/亩</dd>",
        "<dt>出让年限</dt><dd>50 年</dd>",
        "公告中",
    ]:
        assert text in html, text


def test_the_countdown_is_rendered_on_the_server(client, parcels):
    parcel = parcels["industrial"]
    with time_machine.travel(parcel.bidding_opens_at - timedelta(days=1, hours=2), tick=False):
        html = client.get(parcel.get_absolute_url()).content.decode()
    assert "挂牌开始" in html
    match = re.search(r'data-countdown="([^"]+)"[^>]*>([^<]+)</time>', html)
    assert match.group(2).startswith("1")  # "1 日，2 小时" in the server's words
    assert "2\xa0小时" in match.group(2)


def test_a_sold_parcel_shows_the_result(client, parcels):
    html = client.get(parcels["sold"].get_absolute_url()).content.decode()
    assert "成交结果" in html
    assert "<dt>成交价</dt><dd>900 万元</dd>" in html
    assert "上海某智能装备有限公司" in html
    assert "data-countdown" not in html


def test_unpublished_parcels_are_hidden(client):
    parcel = factories.make_parcel(published_at=timezone.now() + timedelta(days=2))
    assert client.get(parcel.get_absolute_url()).status_code == 404


# ---- parks ------------------------------------------------------------------------------------


def test_the_park_list_counts_public_listings(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        html = client.get("/parks/").content.decode()
    assert "一号园区" in html
    assert "3 套房源在租售" in html  # A, D, E; the stale one is not counted


def test_the_park_page_shows_listings_land_agent_and_news(client, catalogue):
    park = Park.objects.get(slug="p1")
    park.agent = factories.make_agent(name="李敏")
    park.planned_area_km2 = Decimal("54.7")
    park.leading_industries = "电子信息、装备制造"
    park.save()
    factories.make_parcel(code="XQ-01-009", park=park)
    article = factories.make_article(title="一号园区新政")
    article.parks.add(park)
    html = client.get("/parks/p1/").content.decode()
    for text in ["房源A", "房源D", "房源E", "XQ-01-009", "李敏", "一号园区新政", "54.7 km²"]:
        assert text in html, text
    assert "电子信息、装备制造" in html
    assert 'href="/listings/?park=p1"' in html


def test_unknown_park_is_a_404(client):
    assert client.get("/parks/no-such-park/").status_code == 404


def test_sitemap_lists_public_listings_land_and_parks(client, catalogue, parcels):
    xml = client.get("/sitemap.xml").content.decode()
    a = Listing.objects.get(code="A")
    stale = Listing.objects.get(code="STALE")
    # Listed under /en/ once it has its English version (docs/english.md).
    assert f"<loc>http://testserver/en/listings/{a.pk}/</loc>" not in xml
    a.title_en, a.description_en = "Factory", "A factory."
    a.save()
    xml = client.get("/sitemap.xml").content.decode()
    assert f"<loc>http://testserver/listings/{a.pk}/</loc>" in xml
    assert f"<loc>http://testserver/en/listings/{a.pk}/</loc>" in xml
    assert f"/listings/{stale.pk}/</loc>" not in xml
    assert f"/land/{LandParcel.objects.get(code='YF-19-001').pk}/</loc>" in xml
    assert "<loc>http://testserver/parks/p1/</loc>" in xml


def test_a_park_added_after_a_visit_can_be_filtered_at_once(client):
    first = factories.make_park(slug="first-park")
    factories.make_listing(title="第一园区厂房", park=first)
    assert client.get("/listings/", {"park": "first-park"}).status_code == 200
    second = factories.make_park(slug="second-park")
    factories.make_listing(title="第二园区厂房", park=second)
    response = client.get("/listings/", {"park": "second-park"})
    assert [listing.title for listing in response.context["object_list"]] == ["第二园区厂房"]


def test_the_listing_page_states_the_price_of_the_deal_only(client):
    def page(listing):
        html = client.get(listing.get_absolute_url()).content.decode()
        block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
        detail = re.search(r'<p class="detail-price">(.*?)</p>', html, re.S).group(1).strip()
        return json.loads(block.group(1))["offers"], detail

    offer, detail = page(factories.make_listing(rent_price=None, sale_price=Decimal("2500")))
    assert "price" not in offer and "priceSpecification" not in offer
    assert detail == "面议"
    offer, detail = page(factories.make_listing(rent_price=Decimal("1.20")))
    assert offer["priceSpecification"]["price"] == "1.20"
    assert detail.startswith('<span class="price__amount">1.2</span> 元/㎡/天')
    offer, detail = page(factories.make_listing(deal=Listing.Deal.SALE, sale_price=Decimal("2500")))
    assert offer["price"] == "25000000.00"
    assert detail == '<span class="price__amount">2500</span> 万元'


def test_the_first_pictures_a_phone_sees_load_first_and_the_rest_lazily(client, listing):
    """The largest picture of the first screen (Lighthouse's LCP) is fetched at once with
    high priority: the first result card, a listing's first photo; the others wait."""
    pictures = ensure_pictures()
    for n in range(3):
        other = factories.make_listing(title=f"卡片 {n}")
        other.images.create(image=pictures[n], position=0)
        other.images.create(image=pictures[n + 1], position=1)
    cards = re.findall(r"<img [^>]*card__cover[^>]*>", client.get("/listings/").content.decode())
    assert len(cards) == 3
    assert 'loading="eager" fetchpriority="high"' in cards[0]
    assert all('loading="lazy"' in card and "fetchpriority" not in card for card in cards[1:])
    page = client.get(other.get_absolute_url()).content.decode()
    photos = re.findall(r"<img [^>]*gallery__image[^>]*>", page)
    assert 'loading="eager" fetchpriority="high"' in photos[0]
    assert "fetchpriority" not in photos[1]


def test_a_land_card_kept_as_a_fragment_follows_the_clock(client):
    # Cards are kept rendered (the "fragments" cache); the status the dates give, and the
    # next date, are part of the key, so the clock moving on shows without a save.
    parcel = factories.make_parcel()

    def card_status():
        html = client.get("/land/").content.decode()
        return re.findall(r'<li class="badge(?: badge--warn)?"\s*>([^<]+)</li>', html)[0]

    assert card_status() == "公告中"
    with time_machine.travel(parcel.bidding_opens_at + timedelta(hours=1), tick=False):
        assert card_status() == "挂牌中"
    with time_machine.travel(parcel.bidding_closes_at + timedelta(hours=1), tick=False):
        assert card_status() == "挂牌结束"
