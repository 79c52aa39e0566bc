"""A visitor on a phone: the menu, the contact bar, results first (issue 12)."""

import pytest

from tests.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {**PHONE, "viewport": {"width": 360, "height": 740}}


@pytest.fixture
def narrow_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, **NARROW)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def box(locator):
    return locator.bounding_box()


def test_the_chinese_menu_fits_a_360_px_screen(narrow_phone, screenshot):
    narrow_phone.goto("/")
    nav = narrow_phone.get_by_role("navigation", name="主导航")
    last = nav.get_by_role("link", name="联系我们", exact=True)
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
