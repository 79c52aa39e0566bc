"""The real worker, a real SMTP server and the SLA job, end to end."""

import email
import email.policy
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads import services, tasks
from leads.models import Inquiry, Notification
from tests import factories


class Inbox:
    def __init__(self):
        self.messages = []
        self.sessions = []  # one per SMTP connection that sent something

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, str(message["Subject"])))
        if not any(s is session for s in self.sessions):
            self.sessions.append(session)
        return "250 OK"


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_every_email_arrives_exactly_once_when_smtp_comes_back(settings, unused_tcp_port):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": unused_tcp_port, "timeout": 3},
        }
    }
    settings.LEAD_NOTIFY_BACKOFF_SECONDS = 60
    settings.LEAD_SLA_MINUTES = 24 * 60  # this test is about mail, not the SLA
    agent = factories.make_agent(email="agent@example.com")
    inquiry = services.submit_inquiry(
        name="王女士", mobile="13912340000", email="prospect@example.com"
    )
    assert inquiry.assigned_agent == agent
    start = timezone.now()

    run_worker()  # nobody listening on the port
    states = dict(inquiry.notifications.values_list("channel", "state"))
    assert states == {"agent_email": "pending", "prospect": "pending"}
    assert inquiry.events.filter(kind="notify_fail").count() == 2

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=unused_tcp_port)
    controller.start()
    try:
        run_worker()  # up now, but the retry is not due yet
        assert inbox.messages == []
        with time_machine.travel(start + timedelta(seconds=90)):
            run_worker()
        with time_machine.travel(start + timedelta(hours=2)):
            call_command("escalate_inquiries", stdout=open("/dev/null", "w"))  # noqa: SIM115
            run_worker()
    finally:
        controller.stop()

    recipients = sorted(rcpt for rcpts, _body in inbox.messages for rcpt in rcpts)
    assert recipients == ["agent@example.com", "prospect@example.com"]
    states = dict(inquiry.notifications.values_list("channel", "state"))
    assert states == {"agent_email": "sent", "prospect": "sent"}
    assert all(inquiry.reference in subject for _r, subject in inbox.messages)


@pytest.mark.django_db(transaction=True)
def test_one_task_sends_the_due_backlog_over_one_connection(settings, unused_tcp_port):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": unused_tcp_port, "timeout": 3},
        }
    }
    settings.LEAD_NOTIFY_BATCH = 10
    settings.LEAD_SLA_MINUTES = 24 * 60
    factories.make_agent(email="agent@example.com")
    inquiries = [services.submit_inquiry(name="客户", mobile=f"1391234000{n}") for n in range(6)]
    rows = [inquiry.notifications.get() for inquiry in inquiries]
    now = timezone.now()
    # Held by another worker, and waiting for its next try: neither is taken.
    Notification.objects.filter(pk=rows[4].pk).update(lease_until=now + timedelta(seconds=30))
    Notification.objects.filter(pk=rows[5].pk).update(next_attempt_at=now + timedelta(minutes=5))

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=unused_tcp_port)
    controller.start()
    try:
        assert tasks.deliver_notification.call(rows[0].pk) == "sent"
    finally:
        controller.stop()

    assert len(inbox.messages) == 4 and len(inbox.sessions) == 1
    states = {n.pk: (n.state, n.attempts) for n in Notification.objects.all()}
    assert [states[n.pk] for n in rows] == [("sent", 1)] * 4 + [("pending", 0)] * 2
    # The tasks of the three sent along are closed; those of the other two still wait.
    task_states = {
        r.args_kwargs["args"][0]: r.status
        for r in DBTaskResult.objects.filter(task_path="leads.tasks.deliver_notification")
    }
    assert [task_states[n.pk] for n in rows[1:]] == ["SUCCESSFUL"] * 3 + ["READY"] * 2
    for inquiry in inquiries[:4]:
        assert inquiry.events.filter(kind="notify_ok").count() == 1


@pytest.mark.django_db
def test_an_overdue_inquiry_is_reassigned_then_escalated(settings, run_worker):
    settings.LEAD_SLA_MINUTES = 30
    settings.LEAD_MAX_REASSIGN = 2
    settings.MANAGERS_EMAILS = ["boss@example.com"]
    a1, a2, a3 = (factories.make_agent() for _ in range(3))
    listing = factories.make_listing(agent=a1)
    inquiry = services.submit_inquiry(name="李总", mobile="13911110000", subject=listing)
    assert inquiry.assigned_agent == a1
    t0 = inquiry.created_at

    with time_machine.travel(t0 + timedelta(minutes=29), tick=False):
        assert services.escalate_overdue_inquiries() == []
    with time_machine.travel(t0 + timedelta(minutes=31), tick=False):
        done = services.escalate_overdue_inquiries()
    inquiry.refresh_from_db()
    assert [(action, agent) for _i, action, agent in done] == [("reassign", inquiry.assigned_agent)]
    second = inquiry.assigned_agent
    assert second in (a2, a3) and inquiry.reassign_count == 1
    assert inquiry.routing_reason == Inquiry.RoutingReason.SLA
    with time_machine.travel(t0 + timedelta(minutes=62), tick=False):
        services.escalate_overdue_inquiries()
    inquiry.refresh_from_db()
    assert inquiry.assigned_agent not in (second,) and inquiry.reassign_count == 2
    with time_machine.travel(t0 + timedelta(minutes=93), tick=False):
        done = services.escalate_overdue_inquiries()
    inquiry.refresh_from_db()
    assert [action for _i, action, _a in done] == ["escalate"]
    assert inquiry.escalated_at is not None
    with time_machine.travel(t0 + timedelta(minutes=200), tick=False):
        assert services.escalate_overdue_inquiries() == []  # once is enough

    kinds = list(inquiry.events.values_list("kind", flat=True))
    assert kinds.count("reassigned") == 2 and kinds.count("escalated") == 1
    purposes = sorted(inquiry.notifications.values_list("purpose", flat=True))
    assert purposes.count("reassigned") == 2 and "escalated" in purposes
    run_worker()

    subjects = [m.subject for m in mail.outbox]
    assert sum("改派给您" in s for s in subjects) == 2
    assert sum("超时未跟进" in s for s in subjects) == 1


@pytest.mark.django_db
def test_a_contacted_inquiry_is_left_alone(settings):
    factories.make_agent(), factories.make_agent()
    inquiry = services.submit_inquiry(name="赵", mobile="13911110001")
    services.change_status(inquiry, Inquiry.Status.CONTACTED)
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert services.escalate_overdue_inquiries() == []


@pytest.mark.django_db
def test_with_a_single_agent_it_escalates_at_once(settings):
    settings.MANAGERS_EMAILS = ["boss@example.com"]
    factories.make_agent()
    inquiry = services.submit_inquiry(name="钱", mobile="13911110002")
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        done = services.escalate_overdue_inquiries()
    assert [action for _i, action, _a in done] == ["escalate"]
    assert inquiry.notifications.filter(channel="mgr_email", purpose="escalated").exists()


@pytest.mark.django_db
def test_the_periodic_task_is_configured_and_runs(settings, run_worker):
    assert ("leads.tasks.escalate_overdue_inquiries", 60) in settings.PERIODIC_TASKS
    factories.make_agent(), factories.make_agent()
    services.submit_inquiry(name="孙", mobile="13911110003")
    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        result = tasks.escalate_overdue_inquiries.enqueue()
        run_worker()
        result.refresh()
    assert result.return_value["reassigned"] == 1
    assert Notification.objects.filter(purpose="reassigned").exists()
