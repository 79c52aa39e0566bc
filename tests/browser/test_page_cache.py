"""A visitor sends an inquiry from a page served to everyone out of the page cache, with
or without JavaScript; a copy of the form on another site cannot."""

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
    fill_inquiry(form)
    form.get_by_role("button", name="提交需求").click()
    page.wait_for_url("**/inquiry/thanks/**")

    inquiry = Inquiry.objects.get()
    assert inquiry.listing == listing
    assert page.locator("[data-reference]").inner_text() == inquiry.reference
    for context, _page, _state in pages:
        context.close()


def fill_inquiry(form):
    form.get_by_label("需求面积（㎡）").fill("3000")
    form.get_by_label("您的称呼").fill("陈先生")
    form.get_by_label("手机号").fill("13800138000")
    form.locator("input[name=consent]").check()


def test_a_visitor_without_javascript_sends_an_inquiry_from_a_cached_page(
    browser, live_server, settings
):
    settings.PAGE_CACHE_SECONDS = 600
    settings.LEAD_MIN_FILL_SECONDS = 0
    listing = factories.make_listing(title="新桥镇独栋厂房 3000㎡")
    url = listing.get_absolute_url()
    contexts = [
        browser.new_context(base_url=live_server.url, java_script_enabled=False)
        for _visitor in range(2)
    ]
    try:
        states = []
        for context in contexts:
            page = context.new_page()
            page.set_default_timeout(10_000)
            states.append(page.goto(url).headers.get("x-page-cache"))
        assert states == ["miss", "hit"]
        assert contexts[1].cookies() == []

        form = page.locator("form.inquiry-form")
        fill_inquiry(form)
        form.get_by_role("button", name="提交需求").click()
        page.wait_for_url("**/inquiry/thanks/**")

        inquiry = Inquiry.objects.get()
        assert inquiry.listing == listing
        assert page.locator("[data-reference]").inner_text() == inquiry.reference
    finally:
        for context in contexts:
            context.close()


def test_a_form_on_another_site_cannot_post_an_inquiry(browser, live_server, settings):
    settings.PAGE_CACHE_SECONDS = 600
    listing = factories.make_listing(title="新桥镇独栋厂房 3000㎡")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        # The attacker copies the cached page's form, stamp included, onto their own site.
        page.goto(live_server.url + listing.get_absolute_url())
        form_html = page.locator("form.inquiry-form").evaluate("form => form.outerHTML")
        form_html = form_html.replace('action="/inquiry/"', f'action="{live_server.url}/inquiry/"')
        page.route(
            "http://attacker.test/**",
            lambda route: route.fulfill(
                content_type="text/html; charset=utf-8",
                body=f"<!doctype html><meta charset=utf-8><body>{form_html}</body>",
            ),
        )
        page.goto("http://attacker.test/offer.html")
        form = page.locator("form.inquiry-form")
        fill_inquiry(form)
        with page.expect_response(f"{live_server.url}/inquiry/") as posted:
            form.get_by_role("button", name="提交需求").click()
        assert posted.value.status == 403
        assert Inquiry.objects.count() == 0
    finally:
        context.close()
