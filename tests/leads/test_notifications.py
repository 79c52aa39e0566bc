import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from leads import notifications, services
from leads.models import Inquiry, InquiryEvent, Notification
from tests import factories

pytestmark = pytest.mark.django_db


def submit(**kwargs):
    n = factories.seq()
    kwargs.setdefault("name", f"客户{n}")
    kwargs.setdefault("mobile", f"135{n:08d}")
    return services.submit_inquiry(**kwargs)


class FakeBot:
    """A group-bot endpoint on 127.0.0.1 that answers with the given statuses in turn."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                bot.requests.append((self.path, json.loads(self.rfile.read(length))))
                status, body = bot.answers.pop(0) if bot.answers else (200, {"errcode": 0})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/robot/send?access_token=abc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_the_worker_sends_the_agent_an_email_with_a_link_to_admin(run_worker, listing, agent):
    inquiry = submit(subject=listing, company="<b>Evil</b> & Co", message="<script>x()</script>")
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [agent.email]
    assert inquiry.reference in message.subject
    assert f"/admin/leads/inquiry/{inquiry.pk}/change/" in message.body
    html = message.alternatives[0].content
    assert "&lt;script&gt;x()&lt;/script&gt;" in html
    assert "<script>x()" not in html
    assert "<b>Evil</b> & Co" in message.body  # plain text stays plain
    notification = inquiry.notifications.get()
    assert notification.state == "sent" and notification.attempts == 1
    assert inquiry.events.filter(kind="notify_ok").count() == 1


def test_the_prospect_gets_a_confirmation_in_their_language(run_worker, agent):
    submit(email="prospect@example.com", language="en")
    run_worker()
    confirmation = next(m for m in mail.outbox if m.to == ["prospect@example.com"])
    assert agent.name in confirmation.body


def test_a_repeat_tells_the_agent_it_is_a_repeat(run_worker, agent):
    first = submit(mobile="13700001111")
    submit(mobile="13700001111")
    run_worker()
    repeat_mail = [m for m in mail.outbox if "重复咨询" in m.subject]
    assert len(repeat_mail) == 1
    assert first.reference in repeat_mail[0].body


def test_managers_are_told_about_an_unassigned_inquiry(run_worker, settings):
    settings.MANAGERS_EMAILS = ["boss@example.com"]
    submit()
    run_worker()
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    assert "无人接收" in mail.outbox[0].subject


def test_without_any_manager_address_the_failure_is_final_and_visible(run_worker, settings):
    settings.MANAGERS_EMAILS = []
    inquiry = submit()
    run_worker()
    notification = inquiry.notifications.get()
    assert notification.state == "failed"
    assert "MANAGERS_EMAILS" in notification.last_error


def test_a_webhook_that_fails_is_retried_with_back_off_until_it_answers(run_worker, settings):
    settings.LEAD_NOTIFY_BACKOFF_SECONDS = 60
    with FakeBot(
        [(500, {}), (200, {"errcode": 310000, "errmsg": "keywords not in content"})]
    ) as bot:
        agent = factories.make_agent(email="", webhook_kind="wecom", webhook_url=bot.url)
        inquiry = submit(name="<@all> [点我](http://evil.example)", mobile="13811112222")
        assert inquiry.assigned_agent == agent
        start = timezone.now()
        run_worker()
        notification = inquiry.notifications.get()
        assert notification.state == "pending" and notification.attempts == 1
        assert notification.next_attempt_at == pytest.approx(
            start + timedelta(seconds=60), abs=timedelta(seconds=5)
        )
        run_worker()  # not due yet: nothing happens
        assert len(bot.requests) == 1
        with time_machine.travel(start + timedelta(seconds=61)):
            run_worker()
        notification.refresh_from_db()
        assert notification.attempts == 2 and notification.state == "pending"
        assert "310000" in notification.last_error
        with time_machine.travel(start + timedelta(seconds=61 + 121)):
            run_worker()
        with time_machine.travel(start + timedelta(days=1)):
            run_worker()
    notification.refresh_from_db()
    assert notification.state == "sent" and notification.attempts == 3
    assert len(bot.requests) == 3
    path, body = bot.requests[-1]
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert inquiry.reference in content
    assert "138****2222" in content and "13811112222" not in content
    assert "[点我]" not in content and "http://evil" not in content and "<@all>" not in content
    failed = inquiry.events.filter(kind=InquiryEvent.Kind.NOTIFICATION_FAILED)
    assert failed.count() == 2
    assert inquiry.events.filter(kind=InquiryEvent.Kind.NOTIFICATION_SENT).count() == 1


def test_after_the_fast_attempts_it_retries_slowly_for_a_day_then_tells_managers(
    run_worker, settings
):
    settings.LEAD_NOTIFY_MAX_ATTEMPTS = 2
    settings.LEAD_NOTIFY_BACKOFF_SECONDS = 60
    settings.LEAD_NOTIFY_SLOW_RETRY_SECONDS = 3600
    settings.LEAD_NOTIFY_RETRY_HOURS = 3
    settings.MANAGERS_EMAILS = ["boss@example.com"]
    with FakeBot([(502, {})] * 10) as bot:
        factories.make_agent(email="", webhook_kind="wecom", webhook_url=bot.url)
        inquiry = submit()
        start = timezone.now()
        run_worker()  # attempt 1
        with time_machine.travel(start + timedelta(seconds=61)):
            run_worker()  # attempt 2: the last fast one
        notification = inquiry.notifications.get()
        assert notification.state == "pending"  # not given up: slow retries follow
        assert notification.next_attempt_at == pytest.approx(
            start + timedelta(seconds=61, minutes=60), abs=timedelta(seconds=5)
        )
        for hours in (1.1, 2.2, 3.3, 5):
            with time_machine.travel(start + timedelta(hours=hours)):
                run_worker()
    notification.refresh_from_db()
    assert notification.state == "failed" and notification.attempts == 5  # 2 fast + 3 slow
    assert len(bot.requests) == 5
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()  # never lost
    # The bot failed: managers hear of it by e-mail.
    alert = inquiry.notifications.get(purpose="undelivered")
    assert alert.channel == "mgr_email" and alert.state == "sent" and alert.about == notification
    assert [m.to for m in mail.outbox] == [["boss@example.com"]]
    assert "通知未送达" in mail.outbox[0].subject
    assert "HTTP 502" in mail.outbox[0].body and "5" in mail.outbox[0].body


def test_dingtalk_messages_are_signed_in_the_query(run_worker):
    with FakeBot([]) as bot:
        factories.make_agent(
            email="", webhook_kind="dingtalk", webhook_url=bot.url, webhook_secret="SECxyz"
        )
        inquiry = submit()
        run_worker()
    path, body = bot.requests[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SECxyz", f"{timestamp}\nSECxyz".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    assert query["access_token"] == ["abc"]
    assert body["msgtype"] == "markdown"
    assert inquiry.reference in body["markdown"]["title"]


def test_feishu_messages_carry_the_signature_in_the_body(run_worker):
    with FakeBot([(200, {"code": 0, "msg": "success"})]) as bot:
        factories.make_agent(
            email="", webhook_kind="feishu", webhook_url=bot.url, webhook_secret="fs-secret"
        )
        inquiry = submit(company="A|B *bold*")
        run_worker()
    _path, body = bot.requests[0]
    expected = base64.b64encode(
        hmac.new(f"{body['timestamp']}\nfs-secret".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "post"
    post = body["content"]["post"]["zh_cn"]
    assert inquiry.reference in post["title"]
    texts = [part["text"] for line in post["content"] for part in line]
    assert any("A｜B ＊bold＊" in t for t in texts)
    assert inquiry.notifications.get().state == "sent"


def test_a_feishu_error_code_counts_as_a_failure(run_worker):
    with FakeBot([(200, {"code": 19021, "msg": "sign match fail"})]) as bot:
        factories.make_agent(email="", webhook_kind="feishu", webhook_url=bot.url)
        inquiry = submit()
        run_worker()
    notification = inquiry.notifications.get()
    assert notification.state == "pending"
    assert "19021" in notification.last_error


def test_the_site_webhook_gets_every_new_inquiry(run_worker, settings, agent):
    with FakeBot([]) as bot:
        settings.SITE_WEBHOOK_URL = bot.url
        settings.SITE_WEBHOOK_KIND = "wecom"
        submit()
        run_worker()
    assert len(bot.requests) == 1


def test_a_delivery_is_never_sent_twice(run_worker, agent):
    inquiry = submit()
    notification = inquiry.notifications.get()
    run_worker()
    services.enqueue_notifications([notification.pk])  # e.g. the stalled-task sweep
    run_worker()
    assert notifications.deliver(notification.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_neutralize_defuses_markup_and_control_characters():
    assert notifications.neutralize("a\r\nb\x00c") == "a b c"
    assert (
        notifications.neutralize("[x](javascript:1) **y** <at>")
        == "［x］（javascript:1） ＊＊y＊＊ ＜at＞"
    )
    assert notifications.neutralize("x" * 300).endswith("…")
    assert Notification.Channel.AGENT_EMAIL == "agent_email"
