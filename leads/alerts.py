"""Saved searches and alerts: a visitor subscribes a /listings/ filter, a /land/ filter or
a /match/ requirement by e-mail; after confirming (double opt-in) they get at most one
digest per ALERT_DIGEST_HOURS with what is new, never the same listing twice, each
message with a one-click unsubscribe (a link and the List-Unsubscribe headers).

`send_digests` is the periodic job (settings.PERIODIC_TASKS via leads.tasks)."""

import logging
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import connection, transaction
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from leads.forms import rate_limits_hit
from leads.matching import Requirement, match
from leads.models import Subscription, SubscriptionItem
from leads.tasks import send_alert_confirmation as send_alert_confirmation_task
from listings.forms import LandFilterForm, ListingFilterForm
from listings.models import LandParcel, Listing

logger = logging.getLogger(__name__)


__all__ = [
    "Subscription",
    "TooManyConfirmations",
    "TooManySubscriptions",
    "confirm",
    "manage_token",
    "read_manage_token",
    "send_digests",
    "subscribe",
]

MANAGE_SALT = "leads.alerts.manage"
DAY = 24 * 3600
RESEND_WINDOW = 600  # the same pending subscription is mailed again at most once in this


class TooManySubscriptions(Exception):
    pass


class TooManyConfirmations(Exception):
    """The address was sent ALERT_CONFIRMATIONS_PER_EMAIL confirmation mails today."""


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def clean_query(scope, query):
    """The subscription's query as the page's own form reads it: bad values dropped."""
    data = QueryDict(query[:2000])
    if scope == Subscription.Scope.MATCH:
        return Requirement.from_query(data).querystring()[:1000]
    form_class = ListingFilterForm if scope == Subscription.Scope.LISTINGS else LandFilterForm
    form = form_class(data)
    pairs = [(name, v) for name in form.filters for v in data.getlist(name)[:5]]
    if form.cleaned_data.get("sort"):
        pairs.append(("sort", form.cleaned_data["sort"]))
    return urlencode(pairs)[:1000]


def lock_address(email):
    """Serialise subscribe() calls for one address until the transaction ends, so two
    submissions at once find each other's row instead of both making one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"alerts:{email}"])


def subscribe(*, email, scope, query, language="zh-hans", now=None):
    """Record a subscription (or find the same one again) and mail its confirmation link.
    Raises TooManySubscriptions past ALERT_MAX_PER_EMAIL live ones for the address, and
    TooManyConfirmations past ALERT_CONFIRMATIONS_PER_EMAIL confirmation mails to the
    address in a day (counted in leads_ratecount, so every host shares the count). The
    same pending subscription is not mailed again within RESEND_WINDOW seconds."""
    now = now or timezone.now()
    email = email.strip().lower()
    query = clean_query(scope, query)
    with transaction.atomic():
        lock_address(email)
        existing = Subscription.objects.filter(
            email=email, scope=scope, query=query, unsubscribed_at__isnull=True
        ).first()
        if existing is not None:
            if existing.is_active:
                return existing
            if rate_limits_hit([("alerts-resend", existing.pk, 1)], window=RESEND_WINDOW):
                return existing  # its mail has just gone out: a double submit
            if rate_limits_hit(
                [("alerts-mail", email, settings.ALERT_CONFIRMATIONS_PER_EMAIL)], DAY
            ):
                raise TooManyConfirmations(email)
            subscription = existing
        else:
            live = Subscription.objects.filter(email=email, unsubscribed_at__isnull=True)
            if live.count() >= settings.ALERT_MAX_PER_EMAIL:
                raise TooManySubscriptions(email)
            if rate_limits_hit(
                [("alerts-mail", email, settings.ALERT_CONFIRMATIONS_PER_EMAIL)], DAY
            ):
                raise TooManyConfirmations(email)
            subscription = Subscription.objects.create(
                email=email,
                scope=scope,
                query=query,
                language=language,
                token=secrets.token_urlsafe(32),
                created_at=now,
            )
            rate_limits_hit([("alerts-resend", subscription.pk, 1)], window=RESEND_WINDOW)
        pk = subscription.pk
        transaction.on_commit(lambda: send_alert_confirmation_task.enqueue(pk))
    return subscription


def confirm(token, now=None):
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None or subscription.unsubscribed_at is not None:
        return None
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now or timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


def unsubscribe(token, now=None):
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is not None and subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now or timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
    return subscription


def manage_token(subscription):
    """The signed, expiring token of the page listing every subscription of the
    subscription's address (no login: whoever has the mail has the link)."""
    return signing.dumps(subscription.pk, salt=MANAGE_SALT)


def read_manage_token(token):
    """(address, None) for a good token; (None, "expired") or (None, "bad") otherwise."""
    try:
        pk = signing.loads(token, salt=MANAGE_SALT, max_age=settings.ALERT_MANAGE_LINK_DAYS * DAY)
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "bad"
    if not isinstance(pk, int):
        return None, "bad"
    email = Subscription.objects.filter(pk=pk).values_list("email", flat=True).first()
    return (email, None) if email else (None, "bad")


def subscriptions_of(email):
    return Subscription.objects.filter(email=email).order_by("-created_at", "-pk")


def stop(email, ids=None, now=None):
    """Unsubscribe the address's live subscriptions among `ids` (all of them when None);
    ids of another address's subscriptions are ignored. Returns how many stopped."""
    live = subscriptions_of(email).filter(unsubscribed_at__isnull=True)
    if ids is not None:
        live = live.filter(pk__in=ids)
    return live.update(unsubscribed_at=now or timezone.now())


def links(subscription):
    return {
        "confirm_url": absolute(reverse("leads:alert-confirm", args=[subscription.token])),
        "unsubscribe_url": absolute(reverse("leads:alert-unsubscribe", args=[subscription.token])),
        "manage_url": absolute(reverse("leads:alert-manage", args=[manage_token(subscription)])),
        "search_url": absolute(subscription.search_path()),
    }


def build_message(subscription, template, context):
    context = {
        "subscription": subscription,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        **links(subscription),
        **context,
    }
    with translation.override(subscription.language):
        subject = " ".join(render_to_string(f"leads/email/{template}_subject.txt", context).split())
        text = render_to_string(f"leads/email/{template}.txt", context)
        html = render_to_string(f"leads/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject[:200],
        text,
        settings.DEFAULT_FROM_EMAIL,
        [subscription.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send_message(subscription, template, context):
    build_message(subscription, template, context).send()


def send_confirmation(subscription_id):
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.confirmed_at or subscription.unsubscribed_at:
        return False
    send_message(subscription, "alert_confirm", {})
    return True


CANDIDATES = 200  # newest results of one search kept for a run


def candidates(scope, query, limit):
    """(kind, newest results of one search, at most CANDIDATES): asked once per search
    in a run, however many subscriptions share it."""
    data = QueryDict(query)
    if scope == Subscription.Scope.MATCH:
        requirement = Requirement.from_query(data)
        results = match(requirement, limit=max(limit * 3, 60))
        kind = "land" if requirement.is_land else "listing"
        return kind, [m.obj for m in [*results.full, *results.near]]
    if scope == Subscription.Scope.LISTINGS:
        kind = "listing"
        queryset = ListingFilterForm(data).filter_queryset(Listing.objects.published())
    else:
        kind = "land"
        queryset = LandFilterForm(data).filter_queryset(LandParcel.objects.published())
    queryset = queryset.order_by("-published_at", "-pk").defer("search_vector")
    return kind, list(queryset[:CANDIDATES])


CHUNK = 500  # due subscriptions read, checked and recorded together


def fresh_for(subscription, memo, limit):
    """(kind, objects published since the subscription was confirmed), newest first;
    memo: {(scope, query): candidates} shared by one run."""
    key = (subscription.scope, subscription.query)
    if key not in memo:
        memo[key] = candidates(subscription.scope, subscription.query, limit)
    kind, objects = memo[key]
    since = subscription.confirmed_at
    return kind, [o for o in objects if o.published_at and o.published_at > since]


def new_items(subscriptions, memo, limit=None):
    """{subscription pk: [(kind, object), …]}: what is new for each of a chunk of
    subscriptions and was not sent to it before, newest first, with one query for
    what was sent."""
    limit = limit or settings.ALERT_ITEMS_PER_DIGEST
    fresh = {s.pk: fresh_for(s, memo, limit) for s in subscriptions}
    object_ids = {o.pk for _kind, objects in fresh.values() for o in objects}
    sent = set()
    if object_ids:
        sent = set(
            SubscriptionItem.objects.filter(
                subscription_id__in=[pk for pk, (_k, objects) in fresh.items() if objects],
                object_id__in=object_ids,
            ).values_list("subscription_id", "kind", "object_id")
        )
    items = {}
    for pk, (kind, objects) in fresh.items():
        new = [(kind, o) for o in objects if (pk, kind, o.pk) not in sent][:limit]
        if new:
            items[pk] = new
    return items


class Outbox:
    """One mail connection for a whole run, opened when the first message is due and
    opened again after a failure (the connection may be what failed)."""

    def __init__(self):
        self.mailer = mailers.default
        self.opened = False

    def send(self, message):
        if not self.opened:
            self.opened = True
            reopen(self.mailer)
        try:
            self.mailer.send_messages([message])
        except Exception:
            self.opened = False
            raise

    def close(self):
        if self.opened:
            close_quietly(self.mailer)


def send_chunk(subscriptions, now, memo, outbox):
    """Mail one chunk's digests over the run's connection, then record what went out
    (items and last_sent_at) in two statements. Returns (sent, failed)."""
    items = new_items(subscriptions, memo)
    done, failed = [], 0
    for subscription in subscriptions:
        if subscription.pk not in items:
            continue
        entries = [(obj, absolute(obj.get_absolute_url())) for _kind, obj in items[subscription.pk]]
        try:
            message = build_message(subscription, "alert_digest", {"entries": entries})
            outbox.send(message)
        except Exception:  # an SMTP or template error for one address
            logger.exception("alert digest for subscription %s failed", subscription.pk)
            failed += 1
            continue
        done.append(subscription.pk)
    if done:
        with transaction.atomic():
            SubscriptionItem.objects.bulk_create(
                [
                    SubscriptionItem(subscription_id=pk, kind=kind, object_id=obj.pk, sent_at=now)
                    for pk in done
                    for kind, obj in items[pk]
                ],
                batch_size=2000,
                ignore_conflicts=True,
            )
            Subscription.objects.filter(pk__in=done).update(last_sent_at=now)
    return len(done), failed


def close_quietly(mailer):
    try:
        mailer.close()
    except Exception:  # the connection is already gone
        logger.debug("closing the mail connection failed", exc_info=True)


def reopen(mailer):
    """Open (again) the run's one connection; when the server cannot be reached, each
    message tries on its own and fails on its own."""
    close_quietly(mailer)
    try:
        mailer.open()
    except Exception:
        logger.warning("the mail server cannot be reached", exc_info=True)


def send_digests(now=None):
    """The periodic job: a digest for every due subscription that has something new.
    Each distinct search is asked once per run; due subscriptions are taken CHUNK at a
    time, their sent items read in one query and recorded in one; every mail goes over
    one connection. One failing address does not stop the others."""
    now = now or timezone.now()
    sent = failed = 0
    memo = {}
    due = Subscription.objects.due(now).order_by("pk")
    outbox = Outbox()
    last = 0
    try:
        while chunk := list(due.filter(pk__gt=last)[:CHUNK]):
            last = chunk[-1].pk
            chunk_sent, chunk_failed = send_chunk(chunk, now, memo, outbox)
            sent += chunk_sent
            failed += chunk_failed
    finally:
        outbox.close()
    return {"sent": sent, "failed": failed}
