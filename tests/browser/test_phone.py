"""A visitor on a phone: the menu, the contact bar, results first (issue 12)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from demo.pictures import ensure_pictures, wechat_qr
from tests import factories
from tests.browser.pages import PHONE, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {**PHONE, "viewport": {"width": 360, "height": 740}}


@pytest.fixture
def narrow_phone(browser, live_server):
    with open_page(browser, live_server, **NARROW) as page:
        yield page


def box(locator):
    return locator.bounding_box()


def test_the_chinese_menu_fits_or_scrolls_visibly_at_360_px(narrow_phone, screenshot):
    narrow_phone.goto("/")
    nav = narrow_phone.get_by_role("navigation", name="主导航")
    menu = narrow_phone.locator(".site-nav__list")
    if menu.evaluate("e => e.scrollWidth > e.clientWidth"):
        assert menu.evaluate("e => getComputedStyle(e).scrollbarWidth") != "none"
    last = nav.get_by_role("link", name="联系我们", exact=True)
    last.scroll_into_view_if_needed()
    assert box(last)["x"] >= 0
    assert box(last)["x"] + box(last)["width"] <= 360
    for link in nav.get_by_role("link").all():
        assert box(link)["height"] >= 44
    screenshot(narrow_phone, "phone-menu-360-zh")


def test_the_longer_english_menu_scrolls_to_its_last_entry(narrow_phone):
    narrow_phone.goto("/en/")
    menu = narrow_phone.locator(".site-nav__list")
    assert menu.evaluate("e => e.scrollWidth > e.clientWidth")
    assert menu.evaluate("e => getComputedStyle(e).scrollbarWidth") != "none"
    last = narrow_phone.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Contact us"
    )
    last.scroll_into_view_if_needed()
    assert box(last)["x"] + box(last)["width"] <= 360


# ---- the contact bar ------------------------------------------------------------------------


@pytest.fixture
def listing_with_agent():
    agent = factories.make_agent(name="王建国", mobile="13916000001", wechat_id="g60_wang")
    qr = wechat_qr(agent.wechat_id)
    agent.wechat_qr.save(qr.name, qr)
    return factories.make_listing(title="新桥 独栋厂房 3200㎡", agent=agent)


def test_a_phone_visitor_calls_wechats_or_inquires_from_the_bar_in_the_first_screen(
    phone, listing_with_agent, screenshot
):
    phone.goto(listing_with_agent.get_absolute_url())
    bar = phone.get_by_role("complementary", name="联系招商顾问")
    call = bar.get_by_role("link", name="电话 王建国")
    assert call.get_attribute("href") == "tel:+8613916000001"
    for action in [call, bar.locator("summary"), bar.get_by_role("link", name="咨询 留下需求")]:
        place = box(action)
        assert place["y"] >= 0 and place["y"] + place["height"] <= 844, place
        assert place["height"] >= 44 and place["width"] >= 44, place
    screenshot(phone, "phone-contact-bar-listing")

    bar.locator("summary").click()
    sheet = bar.locator(".contact-bar__sheet")
    assert sheet.get_by_text("g60_wang").is_visible()
    assert sheet.get_by_role("img", name="微信二维码").is_visible()
    assert sheet.get_by_role("button", name="复制").is_visible()
    screenshot(phone, "phone-contact-bar-wechat")

    bar.get_by_role("link", name="咨询 留下需求").click()
    phone.wait_for_url("**#inquiry")
    form_title = phone.locator("#inquiry-title")
    assert box(form_title)["y"] < box(bar)["y"]


def test_nothing_on_the_page_is_hidden_under_the_bar(phone, listing_with_agent):
    phone.goto(listing_with_agent.get_absolute_url())
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    last_line = phone.locator(".site-footer__legal p")
    bar = phone.locator(".contact-bar")
    assert box(last_line)["y"] + box(last_line)["height"] <= box(bar)["y"]


def test_the_bar_works_without_javascript_except_the_copy_button(
    browser, live_server, listing_with_agent
):
    with open_page(browser, live_server, java_script_enabled=False, **PHONE) as page:
        page.goto(listing_with_agent.get_absolute_url())
        page.locator(".contact-bar summary").click()
        assert page.locator(".contact-bar__sheet").get_by_text("g60_wang").is_visible()
        assert not page.locator(".contact-bar__sheet button").is_visible()


def test_wide_screens_keep_the_agent_card_and_no_bar(desktop, listing_with_agent):
    desktop.goto(listing_with_agent.get_absolute_url())
    assert not desktop.locator(".contact-bar").is_visible()
    assert desktop.locator(".agent-card").get_by_text("王建国").is_visible()


def test_a_parcel_park_and_article_carry_the_bar_too(phone, listing_with_agent):
    agent = listing_with_agent.agent
    park = factories.make_park(agent=agent)
    parcel = factories.make_parcel(agent=agent)
    article = factories.make_article()  # no park: the site's hotline
    for url in [parcel.get_absolute_url(), park.get_absolute_url()]:
        phone.goto(url)
        call = phone.locator(".contact-bar__call")
        assert call.get_attribute("href") == "tel:+8613916000001", url
        assert call.is_visible()
    phone.goto(article.get_absolute_url())
    assert phone.locator(".contact-bar__call").get_attribute("href").startswith("tel:021")


def open_form_from_the_bar(phone, url):
    """Tap 咨询 in the contact bar; the form that comes into view."""
    phone.goto(url)
    phone.get_by_role("complementary", name="联系招商顾问").get_by_role(
        "link", name="咨询 留下需求"
    ).click()
    phone.wait_for_url("**#inquiry")
    return phone.locator("#inquiry-form")


def in_view(phone, locator):
    """Visible and inside the screen once scrolled to (not behind the bar)."""
    locator.scroll_into_view_if_needed()
    place = box(locator)
    bar = box(phone.locator(".contact-bar"))
    return locator.is_visible() and place["y"] >= 0 and place["y"] + place["height"] <= bar["y"]


def test_the_form_opened_from_the_bar_is_filled_in_from_its_page(
    phone, listing_with_agent, screenshot
):
    agent = listing_with_agent.agent
    listing = listing_with_agent
    parcel = factories.make_parcel(agent=agent, code="XQ-26-007", area=20010)
    park = factories.make_park(agent=agent, name="新桥智造园", town="新桥镇")

    form = open_form_from_the_bar(phone, listing.get_absolute_url())
    kind, deal = form.get_by_label("需求类型"), form.get_by_label("租或买")
    area, message = form.get_by_label("需求面积（㎡）"), form.get_by_label("留言")
    assert box(phone.locator("#inquiry-title"))["y"] < 844 / 2  # the form starts on screen
    assert kind.input_value() == listing.kind
    assert deal.input_value() == listing.deal
    assert area.input_value() == str(int(listing.building_area))
    assert listing.code in message.input_value()
    for field in (kind, deal, area, message):
        assert in_view(phone, field), field
    screenshot(phone, "phone-inquiry-from-listing")

    form = open_form_from_the_bar(phone, parcel.get_absolute_url())
    assert form.get_by_label("需求类型").input_value() == "land"
    assert form.get_by_label("需求面积（㎡）").input_value() == "20010"
    parcel_message = form.get_by_label("留言")
    assert "XQ-26-007" in parcel_message.input_value()
    assert f"约 {parcel.area_mu} 亩" in parcel_message.input_value()
    assert in_view(phone, form.get_by_label("需求类型"))
    assert in_view(phone, parcel_message)
    screenshot(phone, "phone-inquiry-from-parcel")

    form = open_form_from_the_bar(phone, park.get_absolute_url())
    park_message = form.get_by_label("留言")
    assert "新桥智造园" in park_message.input_value()
    assert "新桥镇" in park_message.input_value()
    assert in_view(phone, park_message)
    screenshot(phone, "phone-inquiry-from-park")


# ---- results first --------------------------------------------------------------------------


@pytest.fixture
def factories_in_xinqiao():
    for n in range(4):
        factories.make_listing(title=f"新桥 厂房 {n}", town="新桥镇")
    factories.make_listing(title="九亭 厂房", town="九亭镇")
    factories.make_parcel(town="新桥镇")


def test_a_phone_shows_count_filters_and_first_results_before_the_filter_form(
    phone, factories_in_xinqiao, screenshot
):
    phone.goto("/listings/?kind=factory&town=新桥镇")
    count = phone.get_by_role("status").filter(has_text="共 4 套房源")
    chips = phone.get_by_role("list", name="已选条件")
    first = phone.locator(".cards .card").first
    for element in [count, chips, first]:
        assert element.is_visible()
        assert box(element)["y"] < 844, element
    toggle = phone.locator("summary", has_text="筛选 (2)")
    assert box(toggle)["height"] >= 44
    form = phone.get_by_role("search", name="筛选房源")
    assert not form.is_visible()
    screenshot(phone, "phone-listings-results-first")

    toggle.click()
    assert form.is_visible()
    screenshot(phone, "phone-listings-filter-sheet")
    chips.get_by_role("link", name="去掉条件：镇/街道: 新桥镇").click()
    phone.wait_for_url(lambda url: "town=" not in url)
    assert phone.get_by_role("status").filter(has_text="共 5 套房源").is_visible()


def test_land_results_come_first_on_a_phone_too(phone, factories_in_xinqiao):
    phone.goto("/land/?town=新桥镇")
    assert box(phone.locator(".cards .card").first)["y"] < 844
    assert phone.locator("summary", has_text="筛选 (1)").is_visible()


@pytest.mark.parametrize(
    ("path", "form_name"), [("/listings/?kind=factory", "筛选房源"), ("/land/", None)]
)
def test_wide_screens_keep_the_filters_open_in_a_sidebar(
    desktop, factories_in_xinqiao, screenshot, path, form_name
):
    desktop.goto(path)
    form = desktop.locator(".filter-sheet .filters")
    if form_name:
        assert desktop.get_by_role("search", name=form_name).is_visible()
    assert form.is_visible()
    assert not desktop.locator(".filter-sheet__toggle").is_visible()
    sidebar, results = box(form), box(desktop.locator(".results"))
    first = box(desktop.locator(".cards .card").first)
    # Side by side: the filters on the left, the results beside them, both on the first screen.
    assert sidebar["x"] + sidebar["width"] <= results["x"]
    assert sidebar["width"] < results["width"]
    assert abs(sidebar["y"] - results["y"]) < 40
    assert first["x"] >= results["x"] and first["y"] < 900
    screenshot(desktop, f"desktop-sidebar-{path.strip('/').split('/')[0]}")


# ---- home -----------------------------------------------------------------------------------


def test_the_home_page_fits_two_phone_screens_before_land_with_search_first(phone, screenshot):
    pictures = ensure_pictures()
    for n in range(8):
        listing = factories.make_listing(title=f"新桥 单层厂房 {n}", featured=True)
        listing.images.create(image=pictures[n % len(pictures)], position=0)
    for _n in range(4):
        factories.make_parcel(bidding_closes_at=timezone.now() + timedelta(days=9))
    phone.goto("/")
    assert box(phone.get_by_role("searchbox").first)["y"] < 300
    assert phone.locator("#featured-listings .card").count() == 8
    land = phone.locator("#open-land")
    assert land.is_visible()
    assert box(land)["y"] <= 2 * 844
    screenshot(phone, "phone-home")
