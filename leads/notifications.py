"""Delivering one Notification: e-mail or a WeCom / DingTalk / Feishu group bot.

At least once, never silently dropped:
1. claim: a short transaction takes the row (skipping one another worker holds), counts
   the attempt and sets a lease (LEAD_NOTIFY_LEASE_SECONDS); it commits before anything
   is sent;
2. send, outside any transaction;
3. record: sent, or failed with the next try (fast back-off, then slowly for
   LEAD_NOTIFY_RETRY_HOURS), in a second transaction that clears the lease. While the
   database is away the worker keeps trying to record until its lease runs out.
A lease that runs out (worker killed, database lost for longer than the lease) lets the
sweep hand the delivery to another attempt, which the timeline flags as a possible
duplicate; e-mails carry one Message-ID per notification on every attempt. A delivery
that fails for good is reported to managers through another channel."""

import base64
import contextlib
import functools
import hashlib
import hmac
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leads import services
from leads.models import SUBJECT_FIELDS, InquiryEvent, Notification
from listings.permissions import MANAGERS_GROUP

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10  # seconds; a slow bot must not hold the worker
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# Markdown and mention syntax of the three platforms, swapped for full-width twins so
# that a visitor cannot add links, images, formatting or @-mentions to a bot message.
MARKDOWN_TWINS = str.maketrans(
    {
        "<": "＜",
        ">": "＞",
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "!": "！",
        "@": "＠",
        "&": "＆",
        "\\": "＼",
    }
)


class DeliveryError(Exception):
    """The channel refused or could not be reached; worth another try."""


class PermanentDeliveryError(DeliveryError):
    """Nothing to retry: e.g. no recipient configured."""


def neutralize(text, limit=200):
    """Visitor text made inert for a one-line bot message."""
    text = CONTROL_RE.sub(" ", str(text or "")).strip()
    text = text.translate(MARKDOWN_TWINS).replace("://", "：//")
    return text[:limit] + ("…" if len(text) > limit else "")


def backoff(attempts):
    """Wait before the attempt after the given number of failed ones: doubling from
    LEAD_NOTIFY_BACKOFF_SECONDS for the fast attempts, then LEAD_NOTIFY_SLOW_RETRY_SECONDS."""
    if attempts < settings.LEAD_NOTIFY_MAX_ATTEMPTS:
        return timedelta(seconds=settings.LEAD_NOTIFY_BACKOFF_SECONDS * 2 ** (attempts - 1))
    return timedelta(seconds=settings.LEAD_NOTIFY_SLOW_RETRY_SECONDS)


def attempts_allowed():
    """The fast attempts plus one every LEAD_NOTIFY_SLOW_RETRY_SECONDS for
    LEAD_NOTIFY_RETRY_HOURS (counted in attempts, so "retry now" in admin, which sets
    attempts back to 0, gives a delivery a whole new day)."""
    slow = settings.LEAD_NOTIFY_RETRY_HOURS * 3600 // settings.LEAD_NOTIFY_SLOW_RETRY_SECONDS
    return settings.LEAD_NOTIFY_MAX_ATTEMPTS + slow


def absolute(url):
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


# ---- the one entry point the task calls ------------------------------------------

DATABASE_ERRORS = (OperationalError, InterfaceError)
CLOCK_SKEW = timedelta(seconds=5)  # workers on other hosts may run a little early


def deliver(notification_id, now=None):
    """Try one delivery; returns its state afterwards ('sent', 'pending', 'failed',
    or 'skipped' when another worker holds it, it is not due or it is already done)."""
    notification = claim(notification_id, now or timezone.now())
    if notification is None:
        return "skipped"
    try:
        send(notification)
    except DeliveryError as exc:
        return record(notification, functools.partial(record_failure, notification, exc, now))
    return record(notification, functools.partial(record_success, notification, now))


def claim(notification_id, now):
    """Take the delivery for one attempt (committed before sending), or None."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "agent",
                "about",
                "inquiry__assigned_agent",
                *(f"inquiry__{field}" for field in SUBJECT_FIELDS),
                "inquiry__duplicate_of",
            )
            .filter(pk=notification_id, state=Notification.State.PENDING)
            .first()
        )
        if notification is None:
            return None
        if notification.lease_until is not None and notification.lease_until > now:
            return None  # another worker is sending it right now
        if (
            notification.next_attempt_at is not None
            and notification.next_attempt_at > now + CLOCK_SKEW
        ):
            return None  # not due: the task for its next attempt is queued
        interrupted = notification.lease_until is not None
        notification.attempts += 1
        notification.lease_until = now + timedelta(seconds=settings.LEAD_NOTIFY_LEASE_SECONDS)
        if interrupted:
            # The last attempt took the lease and never reported back: it may have sent.
            notification.possible_duplicate = True
            InquiryEvent.objects.create(
                inquiry=notification.inquiry,
                kind=InquiryEvent.Kind.NOTIFICATION_FAILED,
                agent=notification.agent,
                created_at=now,
                message=_(
                    "%(notification)s · 第%(attempt)s次发送中断（进程停止或数据库断开），"
                    "可能已送达；本次重发可能重复"
                )
                % {"notification": notification, "attempt": notification.attempts - 1},
                data={
                    "notification": notification.pk,
                    "channel": notification.channel,
                    "attempt": notification.attempts - 1,
                    "interrupted": True,
                    "possible_duplicate": True,
                    "final": False,
                },
            )
        notification.save(update_fields=["attempts", "lease_until", "possible_duplicate"])
    return notification


def record(notification, write):
    """Run write (a transaction recording the attempt's outcome); while the database is
    away keep trying until the lease runs out, after which the sweep takes over."""
    wait = 0.5
    while True:
        try:
            return write()
        except DATABASE_ERRORS:
            if timezone.now() + timedelta(seconds=wait) >= notification.lease_until:
                raise
            logger.warning(
                "notification %s: database unavailable, recording the attempt again in %s s",
                notification.pk,
                wait,
            )
            with contextlib.suppress(*DATABASE_ERRORS):
                connection.close()
            time.sleep(wait)
            wait = min(wait * 2, 5)


def this_attempt(notification):
    """The row as long as this attempt still holds it (a lease that ran out may have been
    taken over by another attempt, which then records its own outcome)."""
    return Notification.objects.filter(
        pk=notification.pk, state=Notification.State.PENDING, attempts=notification.attempts
    )


def record_success(notification, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        held = this_attempt(notification).update(
            state=Notification.State.SENT,
            sent_at=now,
            next_attempt_at=None,
            lease_until=None,
            last_error="",
        )
        duplicate = notification.possible_duplicate or not held
        label = str(notification)
        InquiryEvent.objects.create(
            inquiry=notification.inquiry,
            kind=InquiryEvent.Kind.NOTIFICATION_SENT,
            agent=notification.agent,
            created_at=now,
            message=f"{label} · {_('可能重复')}" if duplicate else label,
            data={
                "notification": notification.pk,
                "channel": notification.channel,
                "attempt": notification.attempts,
                "possible_duplicate": duplicate,
            },
        )
    if held:
        notification.state = Notification.State.SENT
    return Notification.State.SENT


def record_failure(notification, exc, now=None):
    now = now or timezone.now()
    error = str(exc)[:1000] or exc.__class__.__name__
    final = isinstance(exc, PermanentDeliveryError) or notification.attempts >= attempts_allowed()
    next_attempt_at = None if final else now + backoff(notification.attempts)
    state = Notification.State.FAILED if final else Notification.State.PENDING
    with transaction.atomic():
        held = this_attempt(notification).update(
            state=state, next_attempt_at=next_attempt_at, lease_until=None, last_error=error
        )
        InquiryEvent.objects.create(
            inquiry=notification.inquiry,
            kind=InquiryEvent.Kind.NOTIFICATION_FAILED,
            agent=notification.agent,
            created_at=now,
            message=f"{notification} · {error}",
            data={
                "notification": notification.pk,
                "channel": notification.channel,
                "attempt": notification.attempts,
                "final": final and bool(held),
            },
        )
        if held:
            notification.state = state
            notification.last_error = error
            notification.next_attempt_at = next_attempt_at
            if final:
                services.report_undelivered(notification, now=now)
            else:
                services.enqueue_notifications([notification.pk], run_after=next_attempt_at)
    logger.warning(
        "notification %s attempt %s failed%s: %s",
        notification.pk,
        notification.attempts,
        " for good" if final else "",
        error,
    )
    return state


def send(notification):
    C = Notification.Channel
    channel = notification.channel
    if channel == C.AGENT_EMAIL:
        # Agents read the site's language, whatever language the prospect wrote in.
        with translation.override(settings.LANGUAGE_CODE):
            send_email("agent", [notification.recipient], message_context(notification))
    elif channel == C.PROSPECT_EMAIL:
        inquiry = notification.inquiry
        if not inquiry.email:
            raise PermanentDeliveryError("no e-mail address")
        with translation.override(inquiry.language or settings.LANGUAGE_CODE):
            send_email("prospect", [inquiry.email], message_context(notification))
    elif channel == C.MANAGERS_EMAIL:
        recipients = manager_emails()
        if not recipients:
            raise PermanentDeliveryError(
                "no manager e-mail: set MANAGERS_EMAILS or give managers an e-mail address"
            )
        send_email("managers", recipients, message_context(notification))
    elif channel == C.AGENT_WEBHOOK:
        agent = notification.agent
        if agent is None or not agent.webhook_url:
            raise PermanentDeliveryError("the agent has no webhook any more")
        post_webhook(
            agent.webhook_kind or kind_from_url(agent.webhook_url),
            agent.webhook_url,
            agent.webhook_secret,
            bot_message(notification),
        )
    elif channel == C.SITE_WEBHOOK:
        url = settings.SITE_WEBHOOK_URL
        if not url:
            raise PermanentDeliveryError("SITE_WEBHOOK_URL is not set any more")
        post_webhook(
            settings.SITE_WEBHOOK_KIND or kind_from_url(url),
            url,
            settings.SITE_WEBHOOK_SECRET,
            bot_message(notification),
        )
    else:  # pragma: no cover - choices are closed
        raise PermanentDeliveryError(f"unknown channel {channel}")


# ---- e-mail ----------------------------------------------------------------------


def manager_emails():
    emails = list(settings.MANAGERS_EMAILS)
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    users = users.filter(groups__name=MANAGERS_GROUP) | users.filter(is_superuser=True)
    for email in users.values_list("email", flat=True).distinct():
        if email not in emails:
            emails.append(email)
    return emails


def message_context(notification):
    inquiry = notification.inquiry
    subject = inquiry.subject
    return {
        "notification": notification,
        "purpose": notification.purpose,
        "failed": notification.about,
        "inquiry": inquiry,
        "agent": notification.agent or inquiry.assigned_agent,
        "subject": subject,
        "subject_url": absolute(subject.get_absolute_url()) if subject else "",
        "admin_url": absolute(inquiry.get_admin_url()),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_hotline": settings.SITE_HOTLINE,
        "sla_minutes": settings.LEAD_SLA_MINUTES,
    }


def send_email(template, recipients, context, headers=None):
    """Render the template triple and send it; a notification's e-mail keeps that
    notification's Message-ID on every attempt."""
    headers = dict(headers or {})
    if context.get("notification") is not None:
        headers["Message-ID"] = context["notification"].message_id
    subject = render_to_string(f"leads/email/{template}_subject.txt", context)
    subject = " ".join(subject.split())[:200]
    text = render_to_string(f"leads/email/{template}.txt", context)
    html = render_to_string(f"leads/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        recipients,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:  # smtplib, socket and backend errors alike
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc


# ---- group bots ------------------------------------------------------------------


def kind_from_url(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    if host.endswith("qyapi.weixin.qq.com"):
        return "wecom"
    if host.endswith("dingtalk.com"):
        return "dingtalk"
    if host.endswith(("feishu.cn", "larksuite.com")):
        return "feishu"
    return "wecom"


def bot_message(notification):
    """(title, lines, link) with every visitor-supplied value neutralized."""
    inquiry = notification.inquiry
    P = Notification.Purpose
    titles = {
        P.NEW: _("新咨询"),
        P.REPEAT: _("重复咨询"),
        P.REASSIGNED: _("咨询改派"),
        P.UNASSIGNED: _("新咨询（无人接收）"),
        P.ESCALATED: _("咨询超时未跟进"),
        P.UNDELIVERED: _("通知未能送达"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        title = f"{titles.get(notification.purpose, _('咨询'))} {inquiry.reference}"
        need = " · ".join(
            part
            for part in [
                inquiry.get_need_kind_display() if inquiry.need_kind else "",
                inquiry.get_need_deal_display() if inquiry.need_deal else "",
                f"{inquiry.need_area}㎡" if inquiry.need_area else "",
                neutralize(inquiry.need_budget, 50),
            ]
            if part
        )
        lines = [
            # The prospect wrote from the English pages: say so first.
            *([_("【英文咨询】访客在英文页面提交，请用英文联系。")] if inquiry.in_english else []),
            f"{_('需求')}：{need or '—'}",
            f"{_('用途/行业')}：{neutralize(inquiry.industry, 100) or '—'}",
        ]
        if inquiry.expected_tax is not None:
            lines.append(f"{_('预计年纳税（万元）')}：{inquiry.expected_tax}")
        lines.append(f"{_('公司')}：{neutralize(inquiry.company, 100) or '—'}")
        lines.append(f"{_('联系人')}：{neutralize(inquiry.name, 50)} {inquiry.masked_mobile}")
        subject = inquiry.subject
        if subject is not None:
            lines.append(
                f"{_('来源')}：{inquiry.get_source_kind_display()} {neutralize(subject, 100)}"
            )
        agent = notification.agent or inquiry.assigned_agent
        lines.append(f"{_('招商顾问')}：{neutralize(agent, 50) if agent else _('未分配')}")
        if inquiry.duplicate_of_id:
            lines.append(f"{_('重复于')}：{inquiry.duplicate_of.reference}")
        failed = notification.about
        if failed is not None:
            lines.append(
                f"{_('未送达')}：{failed} · {neutralize(failed.last_error, 100)} "
                f"（{_('已尝试%(n)s次') % {'n': failed.attempts}}）"
            )
        return title, lines, (_("在后台查看"), absolute(inquiry.get_admin_url()))


def webhook_payload(kind, message):
    title, lines, (link_text, link) = message
    if kind == "dingtalk":
        text = f"### {title}\n\n" + "\n\n".join(f"- {line}" for line in lines)
        return {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": f"{text}\n\n[{link_text}]({link})"},
        }
    if kind == "feishu":
        content = [[{"tag": "text", "text": line}] for line in lines]
        content.append([{"tag": "a", "text": link_text, "href": link}])
        return {
            "msg_type": "post",
            "content": {"post": {"zh_cn": {"title": title, "content": content}}},
        }
    text = f"**{title}**\n" + "\n".join(f"> {line}" for line in lines)
    return {"msgtype": "markdown", "markdown": {"content": f"{text}\n[{link_text}]({link})"}}


def dingtalk_signed_url(url, secret, timestamp_ms=None):
    timestamp = str(timestamp_ms or int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def feishu_sign(secret, timestamp):
    # Feishu signs with the string as the key and an empty message.
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def post_webhook(kind, url, secret, message):
    payload = webhook_payload(kind, message)
    if secret and kind == "dingtalk":
        url = dingtalk_signed_url(url, secret)
    elif secret and kind == "feishu":
        timestamp = str(int(time.time()))
        payload = {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **payload}
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise PermanentDeliveryError("the webhook address must start with http:// or https://")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            body = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    # WeCom and DingTalk answer errcode, Feishu code (older bots StatusCode); 0 is ok.
    for field in ("errcode", "code", "StatusCode"):
        if answer.get(field) not in (None, 0):
            raise DeliveryError(
                f"{field} {answer.get(field)}: {answer.get('errmsg') or answer.get('msg')}"
            )
