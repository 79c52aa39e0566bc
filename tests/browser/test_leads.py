"""A prospect on a phone sends an inquiry from a listing; the agent gets it and acts."""

import re
from contextlib import contextmanager

import pytest
from django.core import mail
from django.core.management import call_command

from leads import services
from leads.models import Inquiry
from tests import factories
from tests.browser.pages import DESKTOP, open_page
from tests.leads.conftest import make_agent_user, make_manager

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def admin_page(browser, live_server, user):
    """A desktop page logged in to the admin as user; fails the test on CSP violations."""
    with open_page(browser, live_server, **DESKTOP) as page:
        page.goto("/admin/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", "pw-for-tests-only")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        yield page


def test_a_phone_visitor_sends_an_inquiry_and_the_agent_works_it(
    phone, browser, live_server, screenshot
):
    agent_user, agent = make_agent_user(name="李顾问", email="li@example.com", mobile="13911112222")
    other_user, _other = make_agent_user(name="王顾问")
    listing = factories.make_listing(agent=agent, title="新桥镇独栋厂房 3000㎡")

    phone.goto(listing.get_absolute_url())
    form = phone.locator("form.inquiry-form")
    form.scroll_into_view_if_needed()
    assert phone.get_by_role("heading", name="咨询此房源").is_visible()
    form.get_by_label("需求面积（㎡）").fill("3000")
    form.get_by_label("用途/行业").fill("新能源汽车零部件")
    form.get_by_label("您的称呼").fill("陈先生")
    form.get_by_label("手机号").fill("+86 138 0013 8000")
    form.get_by_label("公司").fill("上海某某科技有限公司")
    form.locator("input[name=consent]").check()
    screenshot(phone, "leads-form-filled")
    form.get_by_role("button", name="提交需求").click()
    phone.wait_for_url("**/inquiry/thanks/**")

    inquiry = Inquiry.objects.get()
    reference = phone.locator("[data-reference]").inner_text()
    assert reference == inquiry.reference
    assert re.fullmatch(r"G60-\d{8}-\d{4}", reference)
    assert phone.get_by_text("李顾问", exact=True).is_visible()
    screenshot(phone, "leads-thanks")
    assert inquiry.listing == listing and inquiry.mobile == "13800138000"

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    assert [m.to for m in mail.outbox] == [["li@example.com"]]
    assert reference in mail.outbox[0].subject

    with admin_page(browser, live_server, other_user) as page:
        page.goto("/admin/leads/inquiry/")
        assert reference not in page.content()

    with admin_page(browser, live_server, agent_user) as page:
        page.goto("/admin/leads/inquiry/")
        page.get_by_role("link", name=reference).click()
        page.select_option("#id_status", "contacted")
        page.fill("#id_note", "已电话联系，约周二看厂")
        screenshot(page, "leads-admin-change")
        page.get_by_role("button", name=re.compile("保存|Save")).first.click()
        page.wait_for_url("**/admin/leads/inquiry/")

    inquiry.refresh_from_db()
    assert inquiry.status == "contacted"
    assert inquiry.first_contacted_at is not None
    assert inquiry.events.filter(kind="note", actor=agent_user).exists()


def test_a_rejected_form_keeps_what_the_visitor_typed(phone):
    factories.make_agent()
    phone.goto("/inquiry/")
    form = phone.locator("form.inquiry-form")
    form.get_by_label("您的称呼").fill("赵女士")
    form.get_by_label("手机号").fill("12345")
    form.get_by_label("留言").fill("想找带行车的厂房")
    form.locator("input[name=consent]").check()
    form.get_by_role("button", name="提交需求").click()
    phone.wait_for_load_state()
    assert phone.get_by_text("请输入11位中国大陆手机号").is_visible()
    form = phone.locator("form.inquiry-form")
    assert form.get_by_label("您的称呼").input_value() == "赵女士"
    assert form.get_by_label("留言").input_value() == "想找带行车的厂房"
    form.get_by_label("手机号").fill("139 0000 1111")
    form.get_by_role("button", name="提交需求").click()
    phone.wait_for_url("**/inquiry/thanks/**")
    assert Inquiry.objects.get().name == "赵女士"


def test_a_manager_sees_the_dashboard_charts(browser, live_server, screenshot):
    manager = make_manager()
    agent = factories.make_agent(name="周顾问")
    for n in range(3):
        services.submit_inquiry(name=f"客户{n}", mobile=f"1370000000{n}")
    with admin_page(browser, live_server, manager) as page:
        page.goto("/admin/leads/inquiry/dashboard/")
        images = page.locator(".leads-dashboard img")
        assert images.count() == 5
        for i in range(images.count()):
            width = images.nth(i).evaluate("img => img.complete && img.naturalWidth")
            assert width and width > 0
        assert page.get_by_role("cell", name=agent.name).first.is_visible()
        screenshot(page, "leads-dashboard")
