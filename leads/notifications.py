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
import contextvars
import functools
import hashlib
import hmac
import json
import logging
import operator
import re
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.tasks import TaskResultStatus
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

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
# A batch sends the next delivery only while this much of its lease is left (longer than
# the 10 s e-mail and webhook timeouts); the rest is handed back untried.
SEND_RESERVE_SECONDS = WEBHOOK_TIMEOUT + 5
DELIVER_TASK_PATH = "leads.tasks.deliver_notification"


def deliver(notification_id, now=None, batch=1):
    """Try one delivery and, with batch > 1, up to batch - 1 other due deliveries that
    nobody holds, over one mail connection. Returns the state of notification_id
    afterwards ('sent', 'pending', 'failed', or 'skipped' when another worker holds it,
    it is not due or it is already done)."""
    claimed = claim(notification_id, now or timezone.now(), batch)
    if not claimed:
        return "skipped"
    outcomes = send_all(claimed)
    record(claimed[0], functools.partial(record_outcomes, outcomes, now))
    own = next((n for n in claimed if n.pk == notification_id), None)
    return own.state if own is not None else "skipped"


EMAIL_CHANNELS = (
    Notification.Channel.AGENT_EMAIL,
    Notification.Channel.PROSPECT_EMAIL,
    Notification.Channel.MANAGERS_EMAIL,
)


def due(now):
    """Deliveries any worker may take now: pending, held by nobody, their time come."""
    return Q(state=Notification.State.PENDING, lease_until__isnull=True) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLOCK_SKEW)
    )


def claim(notification_id, now, batch=1):
    """Take the delivery notification_id (when it may be taken) and up to batch - 1
    other due ones, oldest first, for one attempt each, in one transaction committed
    before anything is sent. Rows another worker holds are skipped, not waited for.
    The waiting tasks of the other deliveries are closed: this attempt is theirs."""
    with transaction.atomic():
        wanted = Q(pk=notification_id, state=Notification.State.PENDING)
        if batch > 1:
            # E-mails gain from sharing a connection; a bot message goes on its own.
            wanted |= due(now) & Q(channel__in=EMAIL_CHANNELS)
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "agent",
                "about",
                "inquiry__assigned_agent",
                *(f"inquiry__{field}" for field in SUBJECT_FIELDS),
                "inquiry__duplicate_of",
            )
            .filter(wanted)
            .order_by(
                Case(When(pk=notification_id, then=Value(0)), default=Value(1)),
                "created_at",
                "pk",
            )[:batch]
        )
        claimed = [n for n in rows if n.pk != notification_id or may_take(n, now)]
        if not claimed:
            return []
        lease_until = now + timedelta(seconds=settings.LEAD_NOTIFY_LEASE_SECONDS)
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(
            attempts=F("attempts") + 1, lease_until=lease_until
        )
        for notification in claimed:
            interrupted = notification.lease_until is not None
            notification.attempts += 1
            notification.lease_until = lease_until
            if interrupted:
                flag_interrupted(notification, now)
        others = [n.pk for n in claimed if n.pk != notification_id]
        if others:
            close_waiting_tasks(others, now, notification_id)
    return claimed


def may_take(notification, now):
    if notification.lease_until is not None and notification.lease_until > now:
        return False  # another worker is sending it right now
    # Not due: the task for its next attempt is queued.
    return notification.next_attempt_at is None or notification.next_attempt_at <= now + CLOCK_SKEW


def flag_interrupted(notification, now):
    """The last attempt took the lease and never reported back: it may have sent."""
    notification.possible_duplicate = True
    notification.save(update_fields=["possible_duplicate"])
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


def close_waiting_tasks(notification_ids, now, batched_with):
    """Mark done the queued delivery tasks of deliveries this batch took, so that no
    worker takes them only to find nothing to do. Should this batch be cut short, the
    leases hand those deliveries to the sweep, which queues them again."""
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=DELIVER_TASK_PATH,
        args_kwargs__args__0__in=notification_ids,
    ).update(
        status=TaskResultStatus.SUCCESSFUL,
        started_at=now,
        finished_at=now,
        return_value=f"sent with the batch of notification {batched_with}",
    )


# The e-mail connection of the batch being sent (send_email uses it when there is one).
MAIL_CONNECTION = contextvars.ContextVar("mail_connection", default=None)


class NotSent(Exception):
    """The batch's lease ran short before this delivery's turn: handed back untried."""


def send_all(notifications):
    """Send each claimed delivery, e-mails first; [(notification, None, a DeliveryError
    or NotSent)]. E-mails share one connection to the mail server, opened for the first
    and closed at the end. What could not be sent well within the lease is handed back."""
    outcomes = []
    # With a short lease (tests use 4 s), keep half of it in reserve instead.
    reserve = timedelta(seconds=min(SEND_RESERVE_SECONDS, settings.LEAD_NOTIFY_LEASE_SECONDS / 2))
    ordered = sorted(notifications, key=lambda n: n.channel not in EMAIL_CHANNELS)
    with contextlib.closing(LazyMailConnection()) as batch:
        token = MAIL_CONNECTION.set(batch)
        try:
            for notification in ordered:
                # The first is always tried: that alone is what an unbatched attempt does.
                if outcomes and timezone.now() + reserve >= notification.lease_until:
                    outcomes.append((notification, NotSent()))
                    continue
                try:
                    send(notification)
                except DeliveryError as exc:
                    outcomes.append((notification, exc))
                else:
                    outcomes.append((notification, None))
        finally:
            MAIL_CONNECTION.reset(token)
    return outcomes


class LazyMailConnection:
    """mailers.default, opened when the batch's first e-mail is sent. After a message
    the server refused, the next one opens a fresh connection; after the server could
    not be reached (or dropped us), the rest of the batch fails at once instead of
    waiting for the timeout again each (each is retried later, as usual)."""

    def __init__(self):
        self.connection = None
        self.unreachable = None

    def send(self, message):
        if self.unreachable is not None:
            raise self.unreachable
        try:
            if self.connection is None:
                self.connection = mailers.default
                self.connection.open()
            self.connection.send_messages([message])
        except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            self.close()
            self.unreachable = exc
            raise
        except Exception:
            self.close()
            raise

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None


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


def record_outcomes(outcomes, now=None):
    """Record a batch: the sent ones with one update and one insert of their events,
    each failure on its own (rare, and each has its own next attempt)."""
    now = now or timezone.now()
    if len(outcomes) == 1 and not isinstance(outcomes[0][1], NotSent):
        notification, exc = outcomes[0]
        if exc is None:
            return record_success(notification, now)
        return record_failure(notification, exc, now)
    sent = [n for n, exc in outcomes if exc is None]
    with transaction.atomic():
        untried = [n for n, exc in outcomes if isinstance(exc, NotSent)]
        if untried:
            hand_back(untried)
        if sent:
            this = functools.reduce(operator.or_, (Q(pk=n.pk, attempts=n.attempts) for n in sent))
            held = set(
                Notification.objects.select_for_update()
                .filter(this, state=Notification.State.PENDING)
                .values_list("pk", flat=True)
            )
            Notification.objects.filter(pk__in=held).update(
                state=Notification.State.SENT,
                sent_at=now,
                next_attempt_at=None,
                lease_until=None,
                last_error="",
            )
            InquiryEvent.objects.bulk_create(sent_event(n, now, n.pk in held) for n in sent)
            for notification in sent:
                if notification.pk in held:
                    notification.state = Notification.State.SENT
        for notification, exc in outcomes:
            if exc is not None and not isinstance(exc, NotSent):
                record_failure(notification, exc, now)


def hand_back(notifications):
    """Give deliveries claimed but not tried back, due at once, with a task each."""
    this = functools.reduce(operator.or_, (Q(pk=n.pk, attempts=n.attempts) for n in notifications))
    Notification.objects.filter(this, state=Notification.State.PENDING).update(
        attempts=F("attempts") - 1, lease_until=None
    )
    services.enqueue_notifications([n.pk for n in notifications])


def sent_event(notification, now, held):
    duplicate = notification.possible_duplicate or not held
    label = str(notification)
    return InquiryEvent(
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
        sent_event(notification, now, bool(held)).save()
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
    batch = MAIL_CONNECTION.get()
    try:
        if batch is not None:
            batch.send(message)
        else:
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
