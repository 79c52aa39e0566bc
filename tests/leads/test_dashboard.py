"""The inquiry dashboard for managers (leads/dashboard/): its charts, and speed to lead:
submit→notified and submit→first contact, p50/p95 per local (Asia/Shanghai) day, and the
deliveries waiting, late or failed right now."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from leads import services
from leads.dashboard import figures
from leads.models import Inquiry, Notification
from tests import factories
from tests.leads.conftest import inquiry_for, make_agent_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:leads_inquiry_changelist")


def test_the_dashboard_is_for_managers_only(client, manager, two_agents):
    user_a, agent_a, _ub, agent_b = two_agents
    for inquiry in [inquiry_for(agent_a), inquiry_for(agent_b), inquiry_for(agent_b)]:
        services.change_status(inquiry, Inquiry.Status.CONTACTED)
    client.force_login(manager)
    url = reverse("admin:leads_inquiry_dashboard")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert agent_b.name in html
    for chart in ["per-day", "by-source", "by-agent", "response", "funnel"]:
        chart_url = reverse("admin:leads_inquiry_chart", args=[chart])
        assert chart_url in html
        svg = client.get(chart_url)
        assert svg.status_code == 200
        assert svg["Content-Type"].startswith("image/svg+xml")
        body = svg.content.decode()
        assert body.lstrip().startswith(("<?xml", "<svg"))
        assert "<script" not in body
    funnel = dict(response.context["funnel"])
    assert funnel["已提交"] == 3 and funnel["已联系"] == 3 and funnel["已成交"] == 0
    assert dict(response.context["by_source"])["房源"] == 3

    client.force_login(user_a)
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:leads_inquiry_chart", args=["funnel"])).status_code == 403
    assert reverse("admin:leads_inquiry_dashboard") not in client.get(CHANGELIST).content.decode()


SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)


def submitted(agent, at, *, notified_after=None, contacted_after=None, email=""):
    """An inquiry submitted at `at`, its agent e-mail sent `notified_after` later and first
    answered `contacted_after` later."""
    n = factories.seq()
    with time_machine.travel(at, tick=False):
        inquiry = services.submit_inquiry(
            subject=factories.make_listing(agent=agent),
            name=f"客户{n}",
            mobile=f"134{n:08d}",
            email=email,
        )
    if notified_after is not None:
        inquiry.notifications.filter(channel=Notification.Channel.AGENT_EMAIL).update(
            state=Notification.State.SENT, sent_at=at + notified_after
        )
    if contacted_after is not None:
        with time_machine.travel(at + contacted_after, tick=False):
            services.change_status(inquiry, Inquiry.Status.CONTACTED)
    return inquiry


def seconds(n):
    return timedelta(seconds=n)


@pytest.fixture
def agent():
    return factories.make_agent()


def test_percentiles_per_shanghai_day_are_interpolated(agent):
    # 21 Nov (Shanghai): four inquiries, the last at 23:50, which is still the 21st in
    # Shanghai but 15:50 UTC; notified after 10, 20, 40 and 80 s.
    day = datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)
    submitted(agent, day, notified_after=seconds(10), contacted_after=timedelta(minutes=6))
    submitted(agent, day, notified_after=seconds(20), contacted_after=timedelta(minutes=2))
    submitted(agent, day, notified_after=seconds(40), contacted_after=timedelta(minutes=4))
    late_evening = datetime(2026, 11, 21, 23, 50, tzinfo=SHANGHAI)
    submitted(agent, late_evening, notified_after=seconds(80))
    # 22 Nov 00:10 Shanghai (still 21 Nov in UTC): one inquiry, never notified.
    submitted(agent, datetime(2026, 11, 22, 0, 10, tzinfo=SHANGHAI))
    # 15 days ago: outside the 14 days shown.
    submitted(agent, NOW - timedelta(days=15), notified_after=seconds(999))

    with time_machine.travel(NOW, tick=False):
        rows = figures.speed_to_lead()

    assert len(rows) == 14
    assert rows[0]["day"].isoformat() == "2026-11-09"
    assert rows[-1]["day"].isoformat() == "2026-11-22"
    by_day = {row["day"].isoformat(): row for row in rows}
    first = by_day["2026-11-21"]
    assert first["n"] == 4
    # PERCENTILE_CONT over 10, 20, 40, 80 s: p50 = (20 + 40) / 2; p95 at rank
    # 0.95 × 3 = 2.85, so 40 + 0.85 × (80 − 40) = 74.
    assert first["notified_p50"] == seconds(30)
    assert first["notified_p95"] == seconds(74)
    # First contact after 2, 4, 6 minutes (the fourth never answered): p50 = 4 min;
    # p95 at rank 0.95 × 2 = 1.9, so 4 + 0.9 × 2 = 5.8 min.
    assert first["contact_p50"] == timedelta(minutes=4)
    assert first["contact_p95"] == timedelta(minutes=5.8)
    second = by_day["2026-11-22"]
    assert second["n"] == 1
    assert second["notified_p50"] is None and second["contact_p95"] is None
    quiet = by_day["2026-11-15"]
    assert quiet["n"] == 0 and quiet["notified_p50"] is None


def test_the_prospects_own_confirmation_is_not_being_notified(agent):
    at = datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)
    inquiry = submitted(agent, at, notified_after=seconds(50), email="boss@example.com")
    confirmation = inquiry.notifications.filter(channel=Notification.Channel.PROSPECT_EMAIL)
    assert confirmation.update(state=Notification.State.SENT, sent_at=at + seconds(5)) == 1
    with time_machine.travel(NOW, tick=False):
        rows = {row["day"].isoformat(): row for row in figures.speed_to_lead()}
    assert rows["2026-11-21"]["notified_p50"] == seconds(50)


def test_speed_to_lead_is_one_query(agent, django_assert_num_queries):
    for n in range(5):
        submitted(agent, NOW - timedelta(days=n, hours=1), notified_after=seconds(n + 1))
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(1):
        rows = figures.speed_to_lead()
    assert sum(row["n"] for row in rows) == 5


def test_the_dashboard_shows_speed_and_delivery_counts(
    client, manager, agent, django_assert_max_num_queries
):
    at = datetime(2026, 11, 21, 9, 0, tzinfo=SHANGHAI)
    submitted(agent, at, notified_after=seconds(12), contacted_after=timedelta(minutes=30))
    failed = submitted(agent, at)
    failed.notifications.update(state=Notification.State.FAILED)
    submitted(agent, NOW - timedelta(minutes=30))  # pending for 30 min: late
    submitted(agent, NOW - timedelta(minutes=1))  # pending, not late yet
    pending = Notification.objects.filter(state=Notification.State.PENDING).count()
    assert pending >= 2

    client.force_login(manager)
    url = reverse("admin:leads_inquiry_dashboard")
    # Session and user, the figures per day, source, agent and stage, speed to lead (one),
    # the delivery counts and the share figures per agent (five): a fixed number, no N+1.
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(25):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["deliveries"] == {
        "pending": pending,
        "late": Notification.objects.filter(
            state=Notification.State.PENDING, inquiry__created_at__lt=NOW - timedelta(minutes=5)
        ).count(),
        "failed": failed.notifications.count(),
    }
    html = response.content.decode()
    assert "提交→通知 中位数" in html
    assert "12 秒" in html
    assert "30.0 分钟" in html
    assert "2026-11-21" in html


def test_an_agent_cannot_see_the_dashboard(client):
    user, _agent = make_agent_user()
    client.force_login(user)
    assert client.get(reverse("admin:leads_inquiry_dashboard")).status_code == 403
