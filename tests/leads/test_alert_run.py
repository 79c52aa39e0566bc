"""The daily alert run in batches: every digest over one SMTP connection, a refused
address costs only its own digest, and the queries do not grow with the subscriptions."""

import email
import email.policy
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from leads import alerts
from leads.models import Subscription, SubscriptionItem
from tests import factories

pytestmark = pytest.mark.django_db

START = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0))


class Inbox:
    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.sessions = 0
        self.messages = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos[0], message))
        return "250 OK"


@pytest.fixture
def smtp(settings, unused_tcp_port):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": unused_tcp_port, "timeout": 5},
        }
    }

    def serve(inbox):
        controller = Controller(inbox, hostname="127.0.0.1", port=unused_tcp_port)
        controller.start()
        return controller

    return serve


def subscribe_many(count, query="kind=factory"):
    return Subscription.objects.bulk_create(
        [
            Subscription(
                email=f"s{n}@example.com",
                scope="listings",
                query=query,
                token=f"token-{query}-{n}",
                confirmed_at=START - timedelta(days=1),
            )
            for n in range(count)
        ]
    )


def test_one_connection_for_every_digest_and_a_refused_address_costs_only_its_own(smtp):
    with time_machine.travel(START, tick=False):
        factories.make_listing(title="新厂房", published_at=START - timedelta(hours=1))
        subscribe_many(12)
        inbox = Inbox(refuse={"s3@example.com"})
        controller = smtp(inbox)
        try:
            result = alerts.send_digests()
        finally:
            controller.stop()
    assert result == {"sent": 11, "failed": 1}
    assert len(inbox.messages) == 11
    assert inbox.sessions == 2  # one, and one again after the refusal
    recipient, message = inbox.messages[0]
    assert "新厂房" in message.get_body(("plain",)).get_content()
    assert (
        message["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/alerts/unsubscribe/")
    )
    refused = Subscription.objects.get(email="s3@example.com")
    assert refused.last_sent_at is None and not refused.items.exists()
    assert SubscriptionItem.objects.count() == 11
    # The next run: only the refused one is due, and it now gets its digest.
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        inbox = Inbox()
        controller = smtp(inbox)
        try:
            assert alerts.send_digests() == {"sent": 1, "failed": 0}
        finally:
            controller.stop()
    assert [to for to, _m in inbox.messages] == ["s3@example.com"]


def test_no_connection_when_nothing_is_new(smtp):
    subscribe_many(3)
    inbox = Inbox()
    controller = smtp(inbox)
    try:
        assert alerts.send_digests() == {"sent": 0, "failed": 0}
    finally:
        controller.stop()
    assert inbox.sessions == 0


@pytest.mark.parametrize("count", [10, 1200])
def test_the_run_asks_a_fixed_number_of_queries(count, django_assert_max_num_queries, monkeypatch):
    """Per chunk of CHUNK subscriptions: read them, what they were sent, record what goes
    out; per distinct search: its candidates. Not per subscription."""
    monkeypatch.setattr(alerts, "CHUNK", 500)
    with time_machine.travel(START, tick=False):
        factories.make_listing(title="厂房", published_at=START - timedelta(hours=1))
        factories.make_listing(
            title="仓库", kind="warehouse", published_at=START - timedelta(hours=1)
        )
        subscribe_many(count // 2, "kind=factory")
        subscribe_many(count - count // 2, "kind=warehouse")
        chunks = -(-count // 500) + 1  # the last read finds nothing
        with django_assert_max_num_queries(2 * 2 + chunks * 6):
            result = alerts.send_digests()
    assert result == {"sent": count, "failed": 0}
    assert SubscriptionItem.objects.count() == count
    # Never twice: the next day's run finds nothing new.
    with time_machine.travel(START + timedelta(days=1, hours=1), tick=False):
        assert alerts.send_digests() == {"sent": 0, "failed": 0}
