"""On a phone: a requirement → ranked results with the fit → one inquiry with the
matches, routed to the agent of the space the prospect picked."""

from decimal import Decimal

import pytest
from django.utils import timezone

from leads.models import Inquiry
from listings.models import Listing
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_prospect_matches_a_requirement_and_sends_it(phone, live_server, screenshot, settings):
    settings.LEAD_MIN_FILL_SECONDS = 0
    agent = factories.make_agent(name="赵顾问")
    common = {"kind": Listing.Kind.FACTORY, "town": "新桥镇", "power_kva": 630, "agent": agent}
    now = timezone.now()
    fits = factories.make_listing(
        title="新桥高厂房", floor_height=Decimal("9"), published_at=now, **common
    )
    near = factories.make_listing(
        title="新桥略矮厂房", floor_height=Decimal("7.5"), published_at=now, **common
    )
    factories.make_listing(
        title="新桥矮厂房", floor_height=Decimal("5"), published_at=now, **common
    )

    phone.goto("/match/")
    phone.select_option("#id_kind", "factory")
    phone.select_option("#id_deal", "rent")
    phone.fill("#id_area_min", "800")
    phone.locator("details.filters__more summary").first.click()
    phone.fill("#id_height_min", "8")
    screenshot(phone, "match-form")
    phone.get_by_role("button", name="开始匹配").click()
    phone.wait_for_url("**/match/?*height_min=8*")

    assert phone.get_by_role("heading", name="完全符合（1）").is_visible()
    assert phone.get_by_role("heading", name="接近符合").is_visible()
    assert phone.get_by_text("层高 9 m ≥ 8 m ✓").is_visible()
    assert phone.get_by_text("层高 7.5 m，差 0.5 m").is_visible()
    assert phone.get_by_text("新桥矮厂房").count() == 0
    screenshot(phone, "match-results")

    phone.locator("article.match-card", has_text="新桥高厂房").get_by_label("咨询这一处").check()
    form = phone.locator("form.inquiry-form")
    form.scroll_into_view_if_needed()
    assert form.get_by_label("需求面积（㎡）").input_value() == "800"
    form.get_by_label("您的称呼").fill("钱女士")
    form.get_by_label("手机号").fill("139 0013 9000")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name="提交需求").click()
    phone.wait_for_url("**/inquiry/thanks/**")
    assert phone.get_by_text("赵顾问").first.is_visible()

    inquiry = Inquiry.objects.get()
    assert inquiry.listing == fits
    assert inquiry.assigned_agent == agent
    assert "height_min=8" in inquiry.requirement
    assert fits.code in inquiry.message and near.code in inquiry.message
