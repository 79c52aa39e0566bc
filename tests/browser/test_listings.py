"""A factory seeker on a phone filters listings, opens one and sees specs and the agent."""

from decimal import Decimal

import pytest

from demo.pictures import ensure_pictures
from listings.models import Listing
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def market():
    pictures = ensure_pictures()
    agent = factories.make_agent(name="王建国", mobile="13916000001", wechat_id="g60_wang")
    park = factories.make_park(name="松江经济技术开发区", slug="songjiang-etdz", town="新桥镇")
    wanted = factories.make_listing(
        code="XQ-F-0001",
        title="新桥 独栋厂房 3200㎡ 可环评",
        town="新桥镇",
        park=park,
        agent=agent,
        building_area=Decimal("3200"),
        rent_price=Decimal("1.2"),
        floor_height=Decimal("9"),
        floor_load=2000,
        power_kva=630,
        eia_approvable=True,
        standalone=True,
        single_storey=True,
        floors=1,
        longitude=Decimal("121.318"),
        latitude=Decimal("31.07"),
        description="单层独栋，层高9米，可办环评。",
    )
    wanted.images.create(image=pictures[0], caption="外观", position=0)
    wanted.images.create(image=pictures[1], caption="内部", position=1)
    # Near misses: each fails exactly one of the visitor's conditions.
    factories.make_listing(
        title="新桥 厂房 不可环评", town="新桥镇", building_area=2000, standalone=True
    )
    factories.make_listing(
        title="新桥 厂房 非独栋", town="新桥镇", building_area=2000, eia_approvable=True
    )
    factories.make_listing(
        title="新桥 小厂房", town="新桥镇", building_area=600, eia_approvable=True, standalone=True
    )
    factories.make_listing(
        title="九亭 独栋厂房",
        town="九亭镇",
        building_area=2000,
        eia_approvable=True,
        standalone=True,
    )
    factories.make_listing(
        title="新桥 独栋仓库",
        kind=Listing.Kind.WAREHOUSE,
        town="新桥镇",
        building_area=2000,
        eia_approvable=True,
        standalone=True,
    )
    return wanted


def test_a_phone_visitor_filters_opens_a_listing_and_sees_specs_and_agent(
    phone, screenshot, market
):
    phone.goto("/")
    phone.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="厂房", exact=True
    ).click()
    phone.wait_for_url("**/listings/?kind=factory")
    assert phone.locator(".result-count").inner_text() == "共 5 套房源"

    # Results come first on a phone; the filters open in a sheet.
    phone.locator("summary", has_text="筛选").click()
    phone.select_option("#id_town", "新桥镇")
    phone.fill("#id_area_min", "1000")
    phone.get_by_label("独栋").check()
    phone.get_by_label("可环评").check()
    phone.get_by_role("button", name="筛选").click()
    phone.wait_for_url("**standalone=1**")
    assert phone.locator(".result-count").inner_text() == "共 1 套房源"
    chips = phone.locator(".filter-chips")
    for chip in ["类型: 厂房", "镇/街道: 新桥镇", "面积下限（㎡） ≥ 1000", "独栋", "可环评"]:
        assert chips.get_by_text(chip).count() >= 1, chip
    cards = phone.locator(".listing-card")
    assert cards.count() == 1
    card = cards.first
    assert "元/㎡/天" in card.inner_text()
    assert "约 11.52 万元/月" in card.inner_text()
    assert card.locator("img.card__cover").evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(phone, "listings-filtered")

    card.get_by_role("link", name="新桥 独栋厂房 3200㎡ 可环评").click()
    phone.wait_for_url(f"**/listings/{market.pk}/")
    assert phone.get_by_role("heading", level=1).inner_text() == "新桥 独栋厂房 3200㎡ 可环评"
    spec = phone.locator("dl.spec").first
    assert spec.is_visible()
    for term, value in [
        ("建筑面积", "3200 ㎡"),
        ("层高", "9 m"),
        ("配电", "630 kVA"),
        ("可环评", "是"),
    ]:
        assert spec.locator(f"dt:text-is('{term}') + dd").inner_text() == value
    agent_card = phone.locator(".agent-card")
    agent_card.scroll_into_view_if_needed()
    assert agent_card.is_visible()
    assert "王建国" in agent_card.inner_text()
    assert agent_card.get_by_role("link", name="致电 13916000001").get_attribute("href") == (
        "tel:+8613916000001"
    )
    assert "g60_wang" in agent_card.inner_text()
    assert phone.locator(".share__qr svg").is_visible()
    assert (
        phone.get_by_role("link", name="高德地图")
        .get_attribute("href")
        .startswith("https://uri.amap.com/marker?position=121.318000,31.070000")
    )
    screenshot(phone, "listings-detail")


def test_land_countdown_ticks_in_the_browser(phone, screenshot):
    parcel = factories.make_parcel(code="YF-19-001")
    phone.goto(f"/land/{parcel.pk}/")
    countdown = phone.locator(".countdown__left")
    first = countdown.inner_text()
    assert "秒" in first  # the script replaced the server's words with a ticking clock
    phone.wait_for_function(
        "([el, before]) => el.textContent !== before", arg=[countdown.element_handle(), first]
    )
    assert phone.get_by_text("17.81 亩").count() >= 1
    screenshot(phone, "land-detail")
