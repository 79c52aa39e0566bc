"""A phone-sized visitor opens the site in Chinese and in English."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phone_visitor_sees_the_chinese_home_page_and_switches_to_english(phone, screenshot):
    phone.goto("/")
    assert "G60" in phone.title()
    nav = phone.get_by_role("navigation", name="主导航")
    for label in ["首页", "厂房", "仓库", "土地", "园区", "资讯", "联系我们"]:
        assert nav.get_by_role("link", name=label, exact=True).is_visible()
    # Styles are served: the header is laid out by site.css, not the browser default.
    assert phone.locator(".site-header").evaluate("e => getComputedStyle(e).position") == "sticky"
    screenshot(phone, "smoke-home-zh")

    phone.get_by_role("link", name="English").click()
    phone.wait_for_url("**/en/")
    assert phone.locator("html").get_attribute("lang") == "en"
    nav = phone.get_by_role("navigation", name="Main")
    for label in ["Home", "Factories", "Warehouses", "Land", "Parks", "News", "Contact us"]:
        assert nav.get_by_role("link", name=label, exact=True).is_visible()
    screenshot(phone, "smoke-home-en")

    phone.get_by_role("link", name="简体中文").click()
    phone.wait_for_url(lambda url: not url.rstrip("/").endswith("/en"))
    assert phone.locator("html").get_attribute("lang") == "zh-Hans"


def test_the_english_contact_page_links_back_to_chinese(phone, screenshot):
    phone.goto("/en/contact/")
    assert "Contact us" in phone.title()
    phone.get_by_role("link", name="简体中文").click()
    phone.wait_for_url("**/contact/")
    assert phone.get_by_role("heading", name="联系我们").is_visible()
    screenshot(phone, "smoke-contact-zh")
