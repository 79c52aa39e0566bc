"""Writes with side effects: submitting, routing, working and closing inquiries."""

import logging
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, Func, JSONField, OuterRef, Prefetch, Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from core.pages import page_version
from leads.models import (
    SUBJECT_BY_MODEL,
    SUBJECT_FIELDS,
    Inquiry,
    InquiryEvent,
    NeedKind,
    Notification,
    RoutingRule,
    next_in_sequence,
)
from leads.tasks import deliver_notification
from listings.models import Agent, LandParcel, Listing, Park

logger = logging.getLogger(__name__)

ROTATE_ALL = "rotate_all"

# Fields an anonymized inquiry keeps empty (PIPL retention limit).
PERSONAL_FIELDS = {
    "name": "—",
    "mobile": "",
    "wechat_id": "",
    "email": "",
    "company": "",
    "message": "",
    "page_url": "",
    "referrer": "",
    "ip_address": None,
}


def eligible_agents():
    return Agent.objects.filter(is_active=True, accepts_leads=True).order_by("pk")


def is_eligible(agent):
    return agent is not None and agent.is_active and agent.accepts_leads


def next_reference(now):
    day = timezone.localtime(now).strftime("%Y%m%d")
    number = next_in_sequence(f"ref_{day}")
    return f"G60-{day}-{number:04d}"


# The active routing rules with their eligible agents, and every eligible agent, as one
# process last read them, under the page version they were read at (core.pages: renewed
# when an agent or a rule is saved or deleted, a rule's agents change, or staff change
# anything in admin). Every submission asks for the version (one cache read) instead of
# reading rules and agents again.
_routing_table = (None, None)


def routing_table():
    """(rules, each with .eligible agents; every eligible agent), current as of the
    page version."""
    global _routing_table
    version = page_version()
    kept_version, table = _routing_table
    if table is not None and kept_version == version:
        return table
    rules = list(
        RoutingRule.objects.filter(is_active=True).prefetch_related(
            Prefetch("agents", queryset=eligible_agents(), to_attr="eligible")
        )
    )
    table = (rules, list(eligible_agents()))
    _routing_table = (version, table)
    return table


def rotate(key, pool):
    """The next agent of pool (ordered by pk) for the named rotation."""
    position = next_in_sequence(key)
    return pool[(position - 1) % len(pool)]


def subject_agents(subject):
    """Agents the attached object names, most specific first."""
    if subject is None:
        return []
    if isinstance(subject, (Listing, LandParcel)):
        return [subject.agent, subject.park.agent if subject.park_id else None]
    if isinstance(subject, Park):
        return [subject.agent]
    if isinstance(subject, Article):
        park = (
            subject.parks.filter(agent__is_active=True, agent__accepts_leads=True)
            .select_related("agent")
            .order_by("position", "name")
            .first()
        )
        return [park.agent] if park else []
    return []


def routing_facts(inquiry, subject):
    """What routing rules can match on: the visitor's need, completed from the object."""
    facts = {
        "kind": inquiry.need_kind or None,
        "deal": inquiry.need_deal or None,
        "area": inquiry.need_area,
        "town": None,
        "park_id": None,
    }
    if isinstance(subject, Listing):
        facts.update(town=subject.town or None, park_id=subject.park_id)
        facts["kind"] = facts["kind"] or subject.kind
        facts["deal"] = facts["deal"] or subject.deal
        if facts["area"] is None and subject.building_area is not None:
            facts["area"] = int(subject.building_area)
    elif isinstance(subject, LandParcel):
        facts.update(town=subject.town or None, park_id=subject.park_id)
        facts["kind"] = facts["kind"] or NeedKind.LAND
        if facts["area"] is None and subject.area is not None:
            facts["area"] = int(subject.area)
    elif isinstance(subject, Park):
        facts.update(town=subject.town or None, park_id=subject.pk)
    return facts


def route_inquiry(inquiry, subject=None, duplicate=None, share_agent=None):
    """(agent, routing reason, rule) in the order DESIGN.md gives; a visitor who came
    through an agent's share link goes to that agent first. duplicate is an Earlier."""
    if is_eligible(share_agent):
        return share_agent, Inquiry.RoutingReason.SHARED_LINK, None
    if duplicate is not None and duplicate.assigned_agent_id is not None:
        # The eligible agents are the routing table's pool: no need to read the agent.
        _rules, pool = routing_table()
        agent = next((a for a in pool if a.pk == duplicate.assigned_agent_id), None)
        if agent is not None:
            return agent, Inquiry.RoutingReason.DUPLICATE, None
    for agent in subject_agents(subject):
        if is_eligible(agent):
            return agent, Inquiry.RoutingReason.OBJECT, None
    facts = routing_facts(inquiry, subject)
    rules, pool = routing_table()
    for rule in rules:
        if rule.eligible and rule.matches(facts):
            return rotate(f"rotate_rule_{rule.pk}", rule.eligible), Inquiry.RoutingReason.RULE, rule
    if pool:
        return rotate(ROTATE_ALL, pool), Inquiry.RoutingReason.ROTATION, None
    return None, Inquiry.RoutingReason.UNASSIGNED, None


class Earlier(NamedTuple):
    """The open inquiry a new one repeats: what linking and routing need of it."""

    pk: int
    duplicate_of_id: int | None
    reference: str
    assigned_agent_id: int | None


def find_duplicate(mobile, now):
    """The newest open inquiry from the same mobile within LEAD_DUPLICATE_DAYS, as an
    Earlier (a few columns: this runs on every submission), or None."""
    if not mobile or settings.LEAD_DUPLICATE_DAYS <= 0:
        return None
    since = now - timedelta(days=settings.LEAD_DUPLICATE_DAYS)
    row = (
        Inquiry.objects.open()
        .filter(mobile=mobile, created_at__gte=since)
        .order_by("-created_at", "-pk")
        .values_list("pk", "duplicate_of_id", "reference", "assigned_agent_id")
        .first()
    )
    return Earlier(*row) if row else None


def submit_inquiry(*, subject=None, submission_token=None, now=None, share=None, **fields):
    """Save a prospect's inquiry, route it and schedule its notifications.

    fields are Inquiry field values (name, mobile, need_kind, ...). Submitting the same
    submission_token twice returns the first inquiry instead of creating a second one.
    share is the agent's Share link the visitor came through (leads.sharing), if any.
    """
    now = now or timezone.now()
    inquiry = Inquiry(**fields, submission_token=submission_token, consent_at=now, created_at=now)
    inquiry.share = share
    if subject is not None:
        kind = SUBJECT_BY_MODEL[type(subject)]
        setattr(inquiry, kind.field, subject)
        inquiry.source_kind = kind.source
        if isinstance(subject, Listing):
            inquiry.need_kind = inquiry.need_kind or subject.kind
            inquiry.need_deal = inquiry.need_deal or subject.deal
        elif isinstance(subject, LandParcel):
            inquiry.need_kind = inquiry.need_kind or NeedKind.LAND
    # Field values were checked by the form; relations and uniqueness by the database.
    inquiry.full_clean(
        exclude=[
            "reference",
            *SUBJECT_FIELDS,
            "assigned_agent",
            "duplicate_of",
            "routing_rule",
            "share",
        ],
        validate_unique=False,
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            duplicate = find_duplicate(inquiry.mobile, now)
            if duplicate is not None:
                inquiry.duplicate_of_id = duplicate.duplicate_of_id or duplicate.pk
            inquiry.reference = next_reference(now)
            share_agent = share.agent if share is not None else None
            agent, reason, rule = route_inquiry(inquiry, subject, duplicate, share_agent)
            inquiry.assigned_agent = agent
            inquiry.assigned_at = now if agent else None
            inquiry.routing_reason = reason
            inquiry.routing_rule = rule
            inquiry.save(force_insert=True)

            events = [
                InquiryEvent(
                    inquiry=inquiry,
                    kind=InquiryEvent.Kind.CREATED,
                    created_at=now,
                    data={
                        "source": inquiry.source_kind,
                        "duplicate_of": duplicate.reference if duplicate else None,
                    },
                ),
                InquiryEvent(
                    inquiry=inquiry,
                    kind=InquiryEvent.Kind.ASSIGNED,
                    agent=agent,
                    created_at=now,
                    message=inquiry.get_routing_reason_display(),
                    data={"reason": reason, "rule": rule.name if rule else None},
                ),
            ]
            InquiryEvent.objects.bulk_create(events)
            if agent is None:
                purpose = Notification.Purpose.UNASSIGNED
            elif duplicate is not None:
                purpose = Notification.Purpose.REPEAT
            else:
                purpose = Notification.Purpose.NEW
            schedule_notifications(inquiry, purpose, agent=agent, prospect=True)
    except IntegrityError:
        if submission_token:
            existing = Inquiry.objects.filter(submission_token=submission_token).first()
            if existing is not None:
                return existing
        raise
    return inquiry


def schedule_notifications(inquiry, purpose, *, agent=None, prospect=False, tag="1"):
    """Create the deliveries for one occasion and queue them in the same transaction
    (the task queue is a table of the same database: a saved inquiry always has its
    deliveries queued). tag tells occasions of the same purpose apart (e.g. each
    reassignment). Every occasion gets at least one delivery: an agent without e-mail
    and webhook is reported to managers instead."""
    P, C = Notification.Purpose, Notification.Channel
    rows = []

    def add(channel, recipient="", to_agent=None):
        rows.append(
            Notification(
                key=f"{inquiry.pk}:{channel}:{purpose}:{tag}",
                inquiry=inquiry,
                channel=channel,
                purpose=purpose,
                agent=to_agent,
                recipient=recipient,
            )
        )

    if agent is not None and purpose in (P.NEW, P.REPEAT, P.REASSIGNED):
        if agent.email:
            add(C.AGENT_EMAIL, agent.email, agent)
        if agent.webhook_url:
            add(C.AGENT_WEBHOOK, agent.get_webhook_kind_display(), agent)
        if not rows:
            # Nobody can tell this agent: managers pass it on.
            add(C.MANAGERS_EMAIL, to_agent=agent)
    if purpose in (P.UNASSIGNED, P.ESCALATED):
        add(C.MANAGERS_EMAIL)
    if settings.SITE_WEBHOOK_URL and purpose in (P.NEW, P.REPEAT, P.UNASSIGNED, P.ESCALATED):
        add(C.SITE_WEBHOOK)
    if prospect and inquiry.email:
        rows.append(
            Notification(
                key=f"{inquiry.pk}:{C.PROSPECT_EMAIL}:{P.CONFIRMATION}",
                inquiry=inquiry,
                channel=C.PROSPECT_EMAIL,
                purpose=P.CONFIRMATION,
                recipient=inquiry.email,
            )
        )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    enqueue_notifications([row.pk for row in created])
    return created


def report_undelivered(notification, *, now=None):
    """A delivery failed for good: tell managers through another channel than the one
    that failed (managers' e-mail for a bot; the site bot, else managers' e-mail, for an
    e-mail). A failed report is not reported again: the admin banner shows it."""
    P, C = Notification.Purpose, Notification.Channel
    if notification.purpose == P.UNDELIVERED:
        return None
    if notification.channel in (C.AGENT_WEBHOOK, C.SITE_WEBHOOK):
        channel = C.MANAGERS_EMAIL
    elif settings.SITE_WEBHOOK_URL:
        channel = C.SITE_WEBHOOK
    elif notification.channel != C.MANAGERS_EMAIL:
        channel = C.MANAGERS_EMAIL
    else:
        return None
    alert = Notification.objects.create(
        key=f"{notification.inquiry_id}:{channel}:{P.UNDELIVERED}:{notification.pk}",
        inquiry_id=notification.inquiry_id,
        channel=channel,
        purpose=P.UNDELIVERED,
        agent=notification.agent,
        about=notification,
        created_at=now or timezone.now(),
    )
    enqueue_notifications([alert.pk])
    return alert


def enqueue_notifications(ids, run_after=None):
    task = deliver_notification.using(run_after=run_after) if run_after else deliver_notification
    for pk in ids:
        task.enqueue(pk)


def change_status(inquiry, status, *, actor=None, now=None):
    """Move an inquiry along the pipeline; the first real answer stamps first_contacted_at."""
    if status == inquiry.status:
        return False
    now = now or timezone.now()
    old = inquiry.status
    inquiry.status = status
    update = ["status", "updated_at"]
    # Marking spam is not an answer to a prospect: it would flatter response times.
    if (
        old == Inquiry.Status.NEW
        and inquiry.first_contacted_at is None
        and status != Inquiry.Status.SPAM
    ):
        inquiry.first_contacted_at = now
        update.append("first_contacted_at")
    with transaction.atomic():
        inquiry.save(update_fields=update)
        InquiryEvent.objects.create(
            inquiry=inquiry,
            kind=InquiryEvent.Kind.STATUS,
            actor=actor,
            created_at=now,
            message=f"{Inquiry.Status(old).label} → {Inquiry.Status(status).label}",
            data={"from": old, "to": status},
        )
    return True


def add_note(inquiry, text, *, actor=None, now=None):
    text = (text or "").replace("\x00", "").strip()
    if not text:
        return None
    return InquiryEvent.objects.create(
        inquiry=inquiry,
        kind=InquiryEvent.Kind.NOTE,
        actor=actor,
        message=text[:5000],
        created_at=now or timezone.now(),
    )


def reassign(inquiry, agent, *, actor=None, reason=Inquiry.RoutingReason.MANUAL, now=None):
    """Give the inquiry to another agent and tell them."""
    now = now or timezone.now()
    previous = inquiry.assigned_agent
    with transaction.atomic():
        inquiry.assigned_agent = agent
        inquiry.assigned_at = now
        inquiry.routing_reason = reason
        update = ["assigned_agent", "assigned_at", "routing_reason", "updated_at"]
        if reason == Inquiry.RoutingReason.SLA:
            inquiry.reassign_count += 1
            update.append("reassign_count")
        inquiry.save(update_fields=update)
        event = InquiryEvent.objects.create(
            inquiry=inquiry,
            kind=InquiryEvent.Kind.REASSIGNED,
            actor=actor,
            agent=agent,
            created_at=now,
            message=f"{previous or '—'} → {agent or '—'}",
            data={
                "from": previous.pk if previous else None,
                "to": agent.pk if agent else None,
                "reason": reason,
            },
        )
        if agent is not None:
            schedule_notifications(
                inquiry, Notification.Purpose.REASSIGNED, agent=agent, tag=str(event.pk)
            )
    return event


def escalate(inquiry, *, actor=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        inquiry.escalated_at = now
        inquiry.save(update_fields=["escalated_at", "updated_at"])
        event = InquiryEvent.objects.create(
            inquiry=inquiry,
            kind=InquiryEvent.Kind.ESCALATED,
            actor=actor,
            agent=inquiry.assigned_agent,
            created_at=now,
            data={"reassign_count": inquiry.reassign_count},
        )
        schedule_notifications(inquiry, Notification.Purpose.ESCALATED, tag=str(event.pk))
    return event


def next_agent_for(inquiry, *, advance=True):
    """Who takes an overdue inquiry over: the rule's pool if it came through a rule and
    someone else is in it, else everyone accepting leads; never the current agent."""
    pools = []
    if inquiry.routing_rule_id:
        rule_pool = list(eligible_agents().filter(routing_rules=inquiry.routing_rule_id))
        pools.append((f"rotate_rule_{inquiry.routing_rule_id}", rule_pool))
    pools.append((ROTATE_ALL, list(eligible_agents())))
    for key, pool in pools:
        candidates = [a for a in pool if a.pk != inquiry.assigned_agent_id]
        if candidates:
            return rotate(key, candidates) if advance else candidates[0]
    return None


def escalate_overdue_inquiries(*, now=None, dry_run=False, limit=500):
    """Reassign inquiries still new past the SLA, or escalate them to managers.

    Returns a list of (inquiry, action, agent) with action "reassign" or "escalate"."""
    now = now or timezone.now()
    done = []
    ids = list(Inquiry.objects.overdue(now).order_by("created_at").values_list("pk", flat=True))
    for pk in ids[:limit]:
        with transaction.atomic():
            inquiry = (
                Inquiry.objects.overdue(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("assigned_agent")
                .filter(pk=pk)
                .first()
            )
            if inquiry is None:
                continue
            agent = None
            if inquiry.reassign_count < settings.LEAD_MAX_REASSIGN:
                agent = next_agent_for(inquiry, advance=not dry_run)
            if agent is not None:
                done.append((inquiry, "reassign", agent))
                if not dry_run:
                    reassign(inquiry, agent, reason=Inquiry.RoutingReason.SLA, now=now)
            else:
                done.append((inquiry, "escalate", None))
                if not dry_run:
                    escalate(inquiry, now=now)
            if dry_run:
                transaction.set_rollback(True)
    return done


def sweep_notifications(*, now=None, limit=1000):
    """Queue again the deliveries nobody is working on: a lease that ran out (a worker
    killed or cut off from the database mid-send), or a delivery due for longer than a
    lease with no task waiting for it and no lease (its task was taken but failed on a
    database error before it could claim the delivery). Deliveries that have a task
    waiting are left alone; a second task would only be skipped."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.LEAD_NOTIFY_LEASE_SECONDS)
    queued = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path="leads.tasks.deliver_notification",
        args_kwargs__args__0=Func(OuterRef("pk"), function="to_jsonb", output_field=JSONField()),
    )
    stalled = (
        Notification.objects.filter(state=Notification.State.PENDING)
        .filter(
            Q(lease_until__lt=now)
            | Q(lease_until__isnull=True, next_attempt_at__lt=now - grace)
            | Q(lease_until__isnull=True, next_attempt_at__isnull=True, created_at__lt=now - grace)
        )
        .exclude(Exists(queued))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(stalled)
    if ids:
        enqueue_notifications(ids)
    return len(ids)


def close_abandoned_tasks(*, now=None, older_than=timedelta(minutes=15)):
    """Mark failed the leads task rows still "running" long after any of them could
    take (a worker killed mid-task leaves its row so for good). The delivery such a task
    carried is retried through its lease, not through this row."""
    now = now or timezone.now()
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING,
        task_path__startswith="leads.tasks.",
        started_at__lt=now - older_than,
    ).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="builtins.ProcessLookupError",
        traceback="The worker running this task stopped before it finished.",
    )


def anonymize_closed_inquiries(*, older_than_days, now=None, dry_run=False):
    """Strip personal data from closed inquiries older than the given age (PIPL)."""
    now = now or timezone.now()
    qs = Inquiry.objects.closed().filter(
        created_at__lt=now - timedelta(days=older_than_days), anonymized_at__isnull=True
    )
    ids = list(qs.values_list("pk", flat=True))
    if dry_run or not ids:
        return len(ids)
    with transaction.atomic():
        Inquiry.objects.filter(pk__in=ids).update(
            **PERSONAL_FIELDS, anonymized_at=now, updated_at=now
        )
        InquiryEvent.objects.filter(inquiry__in=ids, kind=InquiryEvent.Kind.NOTE).update(message="")
        Notification.objects.filter(
            inquiry__in=ids, channel=Notification.Channel.PROSPECT_EMAIL
        ).update(recipient="", last_error="")
        InquiryEvent.objects.bulk_create(
            InquiryEvent(inquiry_id=pk, kind=InquiryEvent.Kind.ANONYMIZED, created_at=now)
            for pk in ids
        )
    return len(ids)


def record_export(*, actor, rows, fmt, now=None):
    return InquiryEvent.objects.create(
        kind=InquiryEvent.Kind.EXPORT,
        actor=actor,
        created_at=now or timezone.now(),
        message=f"{fmt} × {rows}",
        data={"rows": rows, "format": fmt},
    )
