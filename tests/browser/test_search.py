"""A visitor on a phone searches the site from the header box."""

import pytest
from django.utils import timezone

from listings.models import Listing
from tests import factories


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_searches_from_the_header_and_narrows_by_kind(phone, screenshot):
    park = factories.make_park(name="G60科创云廊", slug="cloud", town="新桥镇")
    factories.make_listing(
        title="新桥镇独栋单层厂房，可环评",
        town="新桥镇",
        park=park,
        standalone=True,
        single_storey=True,
        eia_approvable=True,
        description="位于G60科创走廊，带10吨行车，大车可进。",
    )
    factories.make_listing(title="九亭仓库", town="九亭镇", kind=Listing.Kind.WAREHOUSE)
    factories.make_article(
        title="新桥镇独栋厂房供应情况",
        body="<p>新桥镇近期推出一批独栋厂房。</p>",
        published_at=timezone.now() - timezone.timedelta(days=2),
    )

    phone.goto("/")
    box = phone.get_by_role("searchbox", name="搜索全站")
    box.fill("新桥 独栋厂房")
    box.press("Enter")
    phone.wait_for_url("**/search/?q=*")

    results = phone.locator(".search-result")
    assert results.count() == 2
    assert phone.locator(".search-result mark").first.inner_text() in ("新桥", "独栋", "厂房")
    # The query stays in the header box.
    assert phone.get_by_role("searchbox", name="搜索全站").input_value() == "新桥 独栋厂房"
    screenshot(phone, "search-results-phone")

    phone.get_by_role("link", name="房源 1").click()
    phone.wait_for_url("**kind=listing*")
    assert phone.locator(".search-result").count() == 1
    phone.locator(".search-result__title a").click()
    phone.wait_for_url("**/listings/*/")
    assert "新桥镇独栋单层厂房" in phone.locator("h1").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_fruitless_search_offers_parks_and_the_inquiry_form(phone, screenshot):
    factories.make_park(name="松江出口加工区", slug="export")
    phone.goto("/search/?q=%F0%9F%98%80%20%26%20!")
    assert phone.locator(".search-suggestions").is_visible()
    phone.get_by_role("link", name="松江出口加工区").is_visible()
    assert phone.locator("form[action='/inquiry/']").count() == 1
    screenshot(phone, "search-empty-phone")
