"""At least once and never silent: leases, possible duplicates, reports of failures,
someone always told."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends import smtp
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads import notifications, services, tasks
from leads.models import Inquiry, Notification
from listings.models import Agent
from tests import factories
from tests.leads.conftest import form_data, make_agent_user, make_manager
from tests.leads.test_notifications import FakeBot


def submit(**kwargs):
    n = factories.seq()
    kwargs.setdefault("name", f"客户{n}")
    kwargs.setdefault("mobile", f"137{n:08d}")
    return services.submit_inquiry(**kwargs)


class WorkerKilled(BaseException):
    """Stands for kill -9 in the middle of a send: nothing after it runs."""


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_committed_before_anything_is_sent(monkeypatch):
    factories.make_agent()
    inquiry = submit()
    notification = inquiry.notifications.get()
    seen = {}

    def send(n):
        # What another worker (another connection) sees while this one sends.
        def look():
            try:
                seen["row"] = Notification.objects.values("attempts", "lease_until").get(pk=n.pk)
            finally:
                connection.close()

        thread = threading.Thread(target=look)
        thread.start()
        thread.join()

    monkeypatch.setattr(notifications, "send", send)
    assert notifications.deliver(notification.pk) == "sent"
    assert seen["row"]["attempts"] == 1 and seen["row"]["lease_until"] > timezone.now()
    notification.refresh_from_db()
    assert notification.state == "sent" and notification.lease_until is None


@pytest.mark.django_db
def test_a_delivery_cut_short_is_sent_again_after_its_lease_and_flagged(
    run_worker, settings, monkeypatch
):
    settings.LEAD_NOTIFY_LEASE_SECONDS = 30
    agent = factories.make_agent(email="agent@example.com")
    inquiry = submit()
    notification = inquiry.notifications.get()
    real_send_email = notifications.send_email

    def send_then_die(*args):
        real_send_email(*args)  # the message left ...
        raise WorkerKilled  # ... and the worker died before it could say so

    monkeypatch.setattr(notifications, "send_email", send_then_die)
    start = timezone.now()
    with pytest.raises(WorkerKilled):
        notifications.deliver(notification.pk)
    monkeypatch.setattr(notifications, "send_email", real_send_email)

    # Within the lease nobody touches it, not even the sweep.
    with time_machine.travel(start + timedelta(seconds=20)):
        assert services.sweep_notifications() == 0
        assert notifications.deliver(notification.pk) == "skipped"
    # The periodic sweep after the lease ran out queues it again; a worker sends it.
    with time_machine.travel(start + timedelta(seconds=45)):
        tasks.sweep_notifications.enqueue()
        run_worker()
    notification.refresh_from_db()
    assert notification.state == "sent" and notification.attempts == 2
    assert notification.possible_duplicate
    assert len(mail.outbox) == 2  # at least once: here twice ...
    ids = {m.extra_headers["Message-ID"] for m in mail.outbox}
    assert ids == {notification.message_id}  # ... with one Message-ID
    assert [m.to for m in mail.outbox] == [[agent.email]] * 2
    events = inquiry.events.filter(kind__in=["notify_ok", "notify_fail"]).order_by("pk")
    assert [(e.kind, e.data.get("possible_duplicate")) for e in events] == [
        ("notify_fail", True),
        ("notify_ok", True),
    ]
    assert "可能重复" in events[1].message


@pytest.mark.django_db
def test_a_due_delivery_whose_task_went_missing_is_queued_again(run_worker):
    factories.make_agent()
    inquiry = submit()

    DBTaskResult.objects.all().delete()  # e.g. the task failed on a database error
    assert services.sweep_notifications() == 0  # too fresh: a task may still come
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert services.sweep_notifications() == 1
        assert services.sweep_notifications() == 0  # its task is queued: once is enough
        run_worker()
    assert inquiry.notifications.get().state == "sent"


@pytest.mark.django_db
def test_a_failed_email_is_reported_on_the_site_bot(run_worker, settings):
    settings.LEAD_NOTIFY_MAX_ATTEMPTS = 1
    settings.LEAD_NOTIFY_RETRY_HOURS = 0
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},  # nobody listens
        }
    }
    with FakeBot([]) as bot:
        settings.SITE_WEBHOOK_URL = bot.url
        settings.SITE_WEBHOOK_KIND = "wecom"
        agent = factories.make_agent(email="agent@example.com")
        inquiry = submit()
        run_worker()
    states = {(n.channel, n.purpose): n.state for n in inquiry.notifications.all()}
    assert states == {
        ("agent_email", "new"): "failed",
        ("site_hook", "new"): "sent",
        ("site_hook", "undelivered"): "sent",
    }
    reports = [body["markdown"]["content"] for _p, body in bot.requests]
    assert any("通知未能送达" in text and "顾问邮件" in text for text in reports)
    assert inquiry.assigned_agent == agent


def test_an_agent_who_accepts_leads_needs_an_email_or_a_webhook():
    agent = Agent(name="甲", mobile="13900000000", accepts_leads=True)
    with pytest.raises(ValidationError) as error:
        agent.full_clean()
    assert "accepts_leads" in error.value.message_dict
    Agent(name="乙", mobile="13900000001", accepts_leads=False).full_clean()
    Agent(name="丙", mobile="13900000002", email="c@example.com").full_clean()
    Agent(
        name="丁",
        mobile="13900000003",
        webhook_kind="wecom",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
    ).full_clean()


@pytest.mark.django_db
def test_the_admin_refuses_an_agent_who_accepts_leads_without_a_channel(client):
    client.force_login(factories.make_user(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/listings/agent/add/",
        {"name": "无渠道", "mobile": "13900000009", "is_active": "on", "accepts_leads": "on"},
    )
    assert response.status_code == 200
    assert "接收咨询的顾问需要邮箱或群机器人" in response.content.decode()
    assert not Agent.objects.filter(name="无渠道").exists()


@pytest.mark.django_db
def test_an_agent_without_a_channel_still_gets_the_inquiry_through_managers(run_worker, settings):
    settings.MANAGERS_EMAILS = ["boss@example.com"]
    agent = factories.make_agent(email="")  # made before the check, or by a script
    inquiry = submit()
    assert inquiry.assigned_agent == agent
    run_worker()
    notification = inquiry.notifications.get()
    assert (notification.channel, notification.agent) == ("mgr_email", agent)
    assert notification.state == "sent"
    assert "请转告顾问" in mail.outbox[0].subject
    assert agent.name in mail.outbox[0].body


SCENARIOS = {
    "nobody accepts leads": {},
    "an agent by e-mail": {"agent": {"email": "a@example.com"}},
    "an agent by bot only": {
        "agent": {"email": "", "webhook_kind": "wecom", "webhook_url": "http://127.0.0.1:9/x"}
    },
    "an agent without a channel": {"agent": {"email": ""}},
    "a prospect with e-mail, nobody accepts": {"inquiry": {"email": "p@example.com"}},
    "a repeat to an agent without a channel": {"agent": {"email": ""}, "repeat": True},
}


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_inquiry_ever_ends_without_a_notification(scenario, settings):
    settings.SITE_WEBHOOK_URL = ""
    given = SCENARIOS[scenario]
    if "agent" in given:
        factories.make_agent(**given["agent"])
    inquiry = submit(mobile="13755550000", **given.get("inquiry", {}))
    if given.get("repeat"):
        inquiry = submit(mobile="13755550000")
        assert inquiry.duplicate_of_id
    assert inquiry.notifications.exists()
    # and every reassignment or escalation tells someone too
    services.escalate(inquiry)
    assert inquiry.notifications.filter(purpose="escalated").exists()
    assert not Inquiry.objects.filter(notifications__isnull=True).exists()


@pytest.mark.django_db
def test_the_admin_banner_counts_failed_and_late_deliveries_for_managers_and_the_agent(
    client, settings
):
    user, agent = make_agent_user(email="a@example.com")
    _other_user, other = make_agent_user(email="b@example.com")
    manager = make_manager()
    listing = factories.make_listing(agent=agent)
    inquiry = submit(subject=listing)
    Notification.objects.filter(inquiry=inquiry).update(state="failed")
    late = submit(subject=listing)
    with time_machine.travel(
        timezone.now() + timedelta(minutes=settings.LEAD_NOTIFY_LATE_MINUTES + 1)
    ):
        client.force_login(manager)
        page = client.get("/admin/").content.decode()
        assert "1条最终未能送达，1条超过预期仍未送达" in page
        client.force_login(user)
        page = client.get("/admin/").content.decode()
        assert "1条最终未能送达，1条超过预期仍未送达" in page
        client.force_login(_other_user)
        page = client.get("/admin/").content.decode()
        assert "咨询通知有问题" not in page
        services.change_status(late, Inquiry.Status.LOST)  # closed: no longer a worry
        client.force_login(manager)
        assert "1条最终未能送达，0条超过预期仍未送达" in client.get("/admin/").content.decode()
    assert other.pk != agent.pk


@pytest.mark.django_db
def test_a_visitor_is_told_to_retry_when_the_database_is_away(client, agent, monkeypatch):

    def database_gone(**fields):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("leads.views.submit_inquiry", database_gone)
    response = client.post("/inquiry/", form_data())
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert "暂时无法提交，请稍后再试" in response.content.decode()
    assert not Inquiry.objects.exists()


@pytest.mark.django_db
def test_task_rows_left_running_by_a_killed_worker_are_closed_after_a_while():

    factories.make_agent()
    submit()
    row = DBTaskResult.objects.get()
    row.claim("killed-worker")  # taken, and then the worker died
    assert services.close_abandoned_tasks() == 0  # it may still be working
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert services.close_abandoned_tasks() == 1
    row.refresh_from_db()
    assert row.status == "FAILED" and "stopped before it finished" in row.traceback


def backlog(count):
    """count inquiries, each with one agent e-mail waiting."""
    factories.make_agent(email="agent@example.com")
    return [submit().notifications.get() for _ in range(count)]


@pytest.mark.django_db
def test_a_batch_stops_trying_a_mail_server_it_cannot_reach(settings, unused_tcp_port, monkeypatch):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": unused_tcp_port, "timeout": 3},
        }
    }
    rows = backlog(3)
    opened = []
    real_open = smtp.EmailBackend.open
    monkeypatch.setattr(smtp.EmailBackend, "open", lambda self: opened.append(1) or real_open(self))
    assert notifications.deliver(rows[0].pk, batch=10) == "pending"
    assert len(opened) == 1  # not once per message, each waiting for its own timeout
    for row in rows:
        row.refresh_from_db()
        assert (row.state, row.attempts, row.lease_until) == ("pending", 1, None)
        assert "Connection refused" in row.last_error and row.next_attempt_at is not None


@pytest.mark.django_db
def test_a_batch_hands_back_what_its_lease_leaves_no_time_for(monkeypatch, run_worker):
    rows = backlog(3)
    DBTaskResult.objects.all().delete()
    real_send = notifications.send
    with time_machine.travel(timezone.now(), tick=False) as clock:

        def slow_send(notification):
            real_send(notification)
            clock.shift(20)  # of the 30 s lease; less than the 15 s reserve is left

        monkeypatch.setattr(notifications, "send", slow_send)
        assert notifications.deliver(rows[0].pk, batch=10) == "sent"
    monkeypatch.setattr(notifications, "send", real_send)
    assert len(mail.outbox) == 1
    states = [
        Notification.objects.values_list("state", "attempts", "lease_until").get(pk=r.pk)
        for r in rows
    ]
    assert states == [("sent", 1, None), ("pending", 0, None), ("pending", 0, None)]
    assert DBTaskResult.objects.count() == 2  # each handed back with a task
    run_worker()
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("state", "attempts")) == {("sent", 1)}
