from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import Inquiry, InquiryEvent
from tests import factories
from tests.leads.conftest import make_agent_user, make_manager

pytestmark = pytest.mark.django_db

QUEUE = reverse("leads:agent-queue")


def inquiry_for(agent, **kwargs):
    n = factories.seq()
    listing = factories.make_listing(agent=agent)
    kwargs.setdefault("name", f"客户{n}")
    kwargs.setdefault("mobile", f"134{n:08d}")
    return services.submit_inquiry(subject=listing, **kwargs)


@pytest.fixture
def two_agents():
    user_a, agent_a = make_agent_user(name="王顾问")
    user_b, agent_b = make_agent_user(name="李顾问")
    return user_a, agent_a, user_b, agent_b


def status_url(inquiry):
    return reverse("leads:agent-status", args=[inquiry.pk])


def note_url(inquiry):
    return reverse("leads:agent-note", args=[inquiry.pk])


def detail_url(inquiry):
    return reverse("leads:agent-inquiry", args=[inquiry.pk])


def test_anonymous_visitors_are_sent_to_the_staff_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_an_agent_are_refused(client):
    editor = factories.make_user(is_staff=True)
    client.force_login(editor)
    assert client.get(QUEUE).status_code == 403


def test_an_agent_sees_only_their_queue(client, two_agents):
    user_a, agent_a, _user_b, agent_b = two_agents
    mine = inquiry_for(agent_a, wechat_id="zhang_wx")
    theirs = inquiry_for(agent_b)
    client.force_login(user_a)
    response = client.get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert mine.reference in html
    assert theirs.reference not in html
    assert f'href="tel:{mine.mobile}"' in html
    assert 'data-copy="zhang_wx"' in html
    assert response["Cache-Control"].startswith("max-age=0")
    assert client.get(detail_url(theirs)).status_code == 404


def test_a_manager_sees_everyones_queue_with_the_agent(client, two_agents):
    _ua, agent_a, _ub, agent_b = two_agents
    first, second = inquiry_for(agent_a), inquiry_for(agent_b)
    client.force_login(make_manager())
    html = client.get(QUEUE).content.decode()
    assert first.reference in html and second.reference in html
    assert "王顾问" in html and "李顾问" in html


def test_the_queue_puts_the_soonest_sla_first_then_follow_ups(client, two_agents):
    user_a, agent_a, *_ = two_agents
    start = timezone.now() - timedelta(hours=3)
    with time_machine.travel(start, tick=False):
        in_progress = inquiry_for(agent_a)
        services.change_status(in_progress, Inquiry.Status.CONTACTED)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        older_new = inquiry_for(agent_a)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        newer_new = inquiry_for(agent_a)
    closed = inquiry_for(agent_a)
    services.change_status(closed, Inquiry.Status.WON)
    client.force_login(user_a)
    html = client.get(QUEUE).content.decode()
    positions = [html.index(i.reference) for i in (older_new, newer_new, in_progress)]
    assert positions == sorted(positions)
    assert closed.reference not in html
    assert "已超时" in html
    assert closed.reference in client.get(QUEUE, {"show": "closed"}).content.decode()


def test_the_queue_shows_the_sla_time_left(client, two_agents, settings):
    settings.LEAD_SLA_MINUTES = 30
    user_a, agent_a, *_ = two_agents
    now = timezone.now()
    with time_machine.travel(now - timedelta(minutes=10), tick=False):
        inquiry_for(agent_a)
    client.force_login(user_a)
    with time_machine.travel(now, tick=False):
        html = client.get(QUEUE).content.decode()
    assert "剩余20分钟" in html


def test_an_agent_works_an_inquiry_and_the_timeline_names_them(client, two_agents):
    user_a, agent_a, *_ = two_agents
    inquiry = inquiry_for(agent_a)
    client.force_login(user_a)
    response = client.post(status_url(inquiry), {"status": "contacted", "back": "queue"})
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}#inquiry-{inquiry.pk}"
    response = client.post(note_url(inquiry), {"text": "客户下周二来看厂房"}, follow=True)
    html = response.content.decode()
    assert "跟进记录已保存" in html
    assert "客户下周二来看厂房" in html
    assert "王顾问" in html  # the operator by name, not login name
    assert user_a.username not in html
    inquiry.refresh_from_db()
    assert inquiry.status == "contacted"
    assert inquiry.first_contacted_at is not None
    events = inquiry.events.filter(actor=user_a)
    assert sorted(events.values_list("kind", flat=True)) == ["note", "status"]


def test_each_status_button_moves_the_inquiry(client, two_agents):
    user_a, agent_a, *_ = two_agents
    inquiry = inquiry_for(agent_a)
    client.force_login(user_a)
    for status in ["contacted", "visiting", "negotiating", "won"]:
        client.post(status_url(inquiry), {"status": status})
        inquiry.refresh_from_db()
        assert inquiry.status == status
    assert inquiry.events.filter(kind="status").count() == 4


def test_forged_ids_change_nothing(client, two_agents):
    user_a, _agent_a, _user_b, agent_b = two_agents
    theirs = inquiry_for(agent_b)
    before = InquiryEvent.objects.count()
    client.force_login(user_a)
    assert client.post(status_url(theirs), {"status": "spam"}).status_code == 404
    assert client.post(note_url(theirs), {"text": "hijack"}).status_code == 404
    assert (
        client.post(reverse("leads:agent-status", args=[999999]), {"status": "won"}).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == "new"
    assert InquiryEvent.objects.count() == before


def test_staff_without_an_agent_cannot_post(client, two_agents):
    _ua, agent_a, *_ = two_agents
    inquiry = inquiry_for(agent_a)
    client.force_login(factories.make_user(is_staff=True))
    assert client.post(status_url(inquiry), {"status": "spam"}).status_code == 403
    assert client.post(note_url(inquiry), {"text": "x"}).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == "new"


def test_actions_need_post_and_a_known_status(client, two_agents):
    user_a, agent_a, *_ = two_agents
    inquiry = inquiry_for(agent_a)
    client.force_login(user_a)
    assert client.get(status_url(inquiry)).status_code == 405
    client.post(status_url(inquiry), {"status": "new"})
    client.post(status_url(inquiry), {"status": "bogus"})
    client.post(note_url(inquiry), {"text": "   "})
    inquiry.refresh_from_db()
    assert inquiry.status == "new"
    assert not inquiry.events.filter(kind__in=["status", "note"]).exists()


def test_a_manager_may_work_anyones_inquiry(client, two_agents):
    _ua, agent_a, *_ = two_agents
    inquiry = inquiry_for(agent_a)
    manager = make_manager()
    manager.first_name, manager.last_name = "主管", "赵"
    manager.save()
    client.force_login(manager)
    client.post(status_url(inquiry), {"status": "spam"})
    inquiry.refresh_from_db()
    assert inquiry.status == "spam"
    assert "赵" in client.get(detail_url(inquiry)).content.decode()


def test_the_workbench_speaks_english_under_en(client, two_agents):
    user_a, agent_a, *_ = two_agents
    inquiry_for(agent_a)
    client.force_login(user_a)
    response = client.get("/en/agent/")
    assert response.status_code == 200
    assert "Agent workbench" in response.content.decode()


def test_the_queue_keeps_to_a_query_budget(client, two_agents, django_assert_max_num_queries):
    user_a, agent_a, *_ = two_agents
    for _ in range(8):
        inquiry_for(agent_a)
    client.force_login(user_a)
    with django_assert_max_num_queries(12):
        assert client.get(QUEUE).status_code == 200


def test_an_inquiry_page_lists_the_spaces_that_fit_its_need(client, two_agents):
    user_a, agent_a, _user_b, _agent_b = two_agents
    inquiry = inquiry_for(agent_a, need_area=1000)
    fitting = factories.make_listing(
        title="九亭标准厂房一楼", kind=inquiry.need_kind, deal=inquiry.need_deal, building_area=1000
    )
    client.force_login(user_a)
    html = client.get(detail_url(inquiry)).content.decode()
    assert "匹配的房源和土地" in html
    assert fitting.title in html
    assert fitting.get_absolute_url() in html
