"""Times are shown in Asia/Shanghai and operators by name: admin, workbench, e-mail, export."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from leads import services
from tests import factories
from tests.leads.conftest import make_agent_user, make_manager

pytestmark = pytest.mark.django_db

# 02:30 UTC is 10:30 in Shanghai.
MOMENT = dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
def worked_inquiry():
    user, agent = make_agent_user(name="王顾问")
    user.first_name = "王伟"
    user.save()
    listing = factories.make_listing(agent=agent)
    with time_machine.travel(MOMENT, tick=False):
        inquiry = services.submit_inquiry(
            subject=listing, name="张先生", mobile="13800138000", email="p@example.com"
        )
        services.change_status(inquiry, "contacted", actor=user)
        services.add_note(inquiry, "已电话联系", actor=user)
    return user, agent, inquiry


def test_the_admin_timeline_is_in_local_time_with_the_operator_by_name(client, worked_inquiry):
    user, _agent, inquiry = worked_inquiry
    client.force_login(make_manager())
    html = client.get(reverse("admin:leads_inquiry_change", args=[inquiry.pk])).content.decode()
    assert "2026-12-01 10:30" in html
    assert "2026-12-01 02:30" not in html
    assert "王伟" in html
    assert f'<td class="field-operator"><p>{user.username}</p></td>' not in html


def test_the_event_list_names_operators(client, worked_inquiry):
    user, _agent, _inquiry = worked_inquiry
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:leads_inquiryevent_changelist")).content.decode()
    assert "王伟" in html


def test_the_chinese_admin_has_no_english_filter_words(client, worked_inquiry):
    _user, _agent, inquiry = worked_inquiry
    client.force_login(make_manager())
    changelist = client.get(reverse("admin:leads_inquiry_changelist")).content.decode()
    assert "Filter by" not in changelist
    assert "按提交时间筛选" in changelist
    change = client.get(reverse("admin:leads_inquiry_change", args=[inquiry.pk])).content.decode()
    assert "Select an option" not in change


def test_the_workbench_timeline_is_in_local_time(client, worked_inquiry):
    user, _agent, inquiry = worked_inquiry
    client.force_login(user)
    html = client.get(reverse("leads:agent-inquiry", args=[inquiry.pk])).content.decode()
    assert "2026-12-01 10:30" in html
    assert "王伟" in html


def test_the_agents_email_gives_the_local_time(run_worker, worked_inquiry):
    run_worker()
    agent_mail = next(m for m in mail.outbox if m.to != ["p@example.com"])
    assert "2026-12-01 10:30" in agent_mail.body
    assert "2026-12-01 10:30" in agent_mail.alternatives[0][0]


def test_the_export_gives_the_local_time(client, worked_inquiry):
    _user, _agent, inquiry = worked_inquiry
    client.force_login(make_manager())
    response = client.post(
        reverse("admin:leads_inquiry_changelist"),
        {"action": "export_csv", "_selected_action": [inquiry.pk]},
    )
    assert "2026-12-01 10:30" in response.content.decode("utf-8-sig")
