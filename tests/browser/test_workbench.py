"""An agent on a phone works an inquiry on the workbench, makes a share link and a
poster; a visitor through that link sends an inquiry that lands with the agent."""

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from leads import services
from leads.models import Inquiry
from tests import factories
from tests.browser.pages import PHONE, open_page
from tests.leads.conftest import make_agent_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_works_the_queue_and_a_shared_link_brings_a_lead_back(
    phone, browser, live_server, screenshot
):
    agent_user, agent = make_agent_user(name="李顾问", mobile="13911112222")
    own_listing = factories.make_listing(agent=agent, title="新桥镇独栋厂房")
    waiting = services.submit_inquiry(
        subject=own_listing, name="陈先生", mobile="13800138000", wechat_id="chen_wx"
    )
    owner = factories.make_agent(name="房源顾问")
    shared_listing = factories.make_listing(agent=owner, title="车墩镇标准厂房 5000㎡")

    # The agent logs in on their phone and lands on the workbench.
    phone.goto("/admin/login/?next=/agent/")
    phone.fill("#id_username", agent_user.username)
    phone.fill("#id_password", "pw-for-tests-only")
    phone.click("input[type=submit]")
    phone.wait_for_url("**/agent/")
    card = phone.locator(f"#inquiry-{waiting.pk}")
    assert (
        card.get_by_role("link", name="拨打 13800138000").get_attribute("href") == "tel:13800138000"
    )
    assert card.get_by_role("button", name="复制微信 chen_wx").is_visible()
    screenshot(phone, "workbench-queue")

    card.get_by_role("button", name="已联系").click()
    phone.wait_for_url(f"**/agent/#inquiry-{waiting.pk}")
    assert phone.get_by_text("已标记为已联系").is_visible()
    phone.locator(f"#inquiry-{waiting.pk}").get_by_role("link", name="陈先生").click()
    phone.wait_for_url(f"**/agent/inquiries/{waiting.pk}/")
    phone.get_by_label("跟进记录").fill("已电话联系，约周二看厂")
    phone.get_by_role("button", name="保存记录").click()
    phone.wait_for_url(f"**/agent/inquiries/{waiting.pk}/")
    timeline = phone.locator(".wb-timeline")
    assert "已电话联系，约周二看厂" in timeline.inner_text()
    assert "李顾问" in timeline.inner_text()
    phone.get_by_role("button", name="看房").click()
    phone.wait_for_url(f"**/agent/inquiries/{waiting.pk}/")
    screenshot(phone, "workbench-inquiry")
    waiting.refresh_from_db()
    assert waiting.status == "visiting"
    assert waiting.first_contacted_at is not None

    # A share link and a poster from a public listing page.
    phone.goto(shared_listing.get_absolute_url())
    phone.get_by_role("button", name="生成我的分享链接和海报").click()
    phone.wait_for_url("**/agent/shares/**")
    link = phone.locator("[data-share-url]").input_value()
    assert "?ref=" in link
    poster = phone.get_by_role("link", name="下载分享海报").get_attribute("href")
    response = phone.request.get(poster)
    assert response.status == 200
    assert Image.open(io.BytesIO(response.body())).size == (1080, 1920)
    screenshot(phone, "workbench-share")

    # A visitor in WeChat opens the link and sends an inquiry.
    with open_page(browser, live_server, **PHONE) as visitor:
        parts = urlsplit(link)
        visitor.goto(f"{parts.path}?{parts.query}")
        assert "ref=" not in visitor.url  # the reference went into a cookie
        form = visitor.locator("form.inquiry-form")
        form.scroll_into_view_if_needed()
        form.get_by_label("您的称呼").fill("周女士")
        form.get_by_label("手机号").fill("13700137000")
        form.locator("input[name=consent]").check()
        form.get_by_role("button", name="提交需求").click()
        visitor.wait_for_url("**/inquiry/thanks/**")
        assert visitor.get_by_text("李顾问").first.is_visible()

    lead = Inquiry.objects.get(mobile="13700137000")
    assert lead.assigned_agent == agent
    assert lead.routing_reason == "shared_link"
    assert lead.listing == shared_listing
