"""A visitor sends an inquiry from a page served to everyone out of the page cache."""

import pytest

from leads.models import Inquiry
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inquiry_sent_from_a_cached_page_arrives(browser, live_server, settings):
    settings.PAGE_CACHE_SECONDS = 600
    listing = factories.make_listing(title="新桥镇独栋厂房 3000㎡")
    url = listing.get_absolute_url()
    pages = []
    for _visitor in range(2):
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        response = page.goto(url)
        pages.append((context, page, response.headers.get("x-page-cache")))
    assert [state for _c, _p, state in pages] == ["miss", "hit"]

    _context, page, _state = pages[1]
    form = page.locator("form.inquiry-form[data-inquiry-ready]")
    form.get_by_label("需求面积（㎡）").fill("3000")
    form.get_by_label("您的称呼").fill("陈先生")
    form.get_by_label("手机号").fill("13800138000")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name="提交需求").click()
    page.wait_for_url("**/inquiry/thanks/**")

    inquiry = Inquiry.objects.get()
    assert inquiry.listing == listing
    assert page.locator("[data-reference]").inner_text() == inquiry.reference
    for context, _page, _state in pages:
        context.close()
