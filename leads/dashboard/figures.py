"""Lead figures for managers: the numbers of the last DAYS days."""

from datetime import datetime, time, timedelta

from django.db.models import Aggregate, Count, DurationField, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article
from core.translations import missing_english_q
from leads.models import Inquiry, InquiryEvent, Notification, ShareMade, ShareVisit, SourceKind
from leads.templatetags.delivery_alerts import problem_counts
from listings.models import Agent, LandParcel, Listing, Park

DAYS = 90
SPEED_DAYS = 14
FUNNEL = [
    Inquiry.Status.NEW,
    Inquiry.Status.CONTACTED,
    Inquiry.Status.VISITING,
    Inquiry.Status.NEGOTIATING,
    Inquiry.Status.WON,
]
RANK = {status: index for index, status in enumerate(FUNNEL)}


class Median(Aggregate):
    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


class Percentile(Aggregate):
    """PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY expression): interpolated, as a
    spreadsheet's PERCENTILE does."""

    function = "PERCENTILE_CONT"
    name = "percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def window(now=None, days=DAYS):
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_day = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(start_day, time.min))
    return start_day, today, start


def per_day(now=None):
    start_day, today, start = window(now)
    counts = dict(
        Inquiry.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    days = [start_day + timedelta(days=i) for i in range((today - start_day).days + 1)]
    return [(day, counts.get(day, 0)) for day in days]


def by_source(now=None):
    _s, _t, start = window(now)
    counts = dict(
        Inquiry.objects.filter(created_at__gte=start)
        .values("source_kind")
        .annotate(n=Count("pk"))
        .values_list("source_kind", "n")
    )
    return [(str(kind.label), counts.get(kind.value, 0)) for kind in SourceKind]


def by_agent(now=None):
    _s, _t, start = window(now)
    rows = (
        Inquiry.objects.filter(created_at__gte=start)
        .values("assigned_agent__name")
        .annotate(
            n=Count("pk"),
            won=Count("pk", filter=Q(status=Inquiry.Status.WON)),
            median=Median(
                F("first_contacted_at") - F("created_at"),
                filter=Q(first_contacted_at__isnull=False),
                output_field=DurationField(),
            ),
        )
        .order_by("-n", "assigned_agent__name")
    )
    return [
        {
            "agent": row["assigned_agent__name"] or str(_("未分配")),
            "count": row["n"],
            "won": row["won"],
            "median_minutes": (
                round(row["median"].total_seconds() / 60, 1) if row["median"] is not None else None
            ),
        }
        for row in rows
    ]


def funnel(now=None):
    """How many inquiries of the window reached each stage (spam left out)."""
    _s, _t, start = window(now)
    inquiries = Inquiry.objects.filter(created_at__gte=start).exclude(status=Inquiry.Status.SPAM)
    reached = {pk: RANK.get(status, 0) for pk, status in inquiries.values_list("pk", "status")}
    events = InquiryEvent.objects.filter(
        inquiry__in=inquiries, kind=InquiryEvent.Kind.STATUS
    ).values_list("inquiry_id", "data__to")
    for pk, status in events:
        if pk in reached and status in RANK:
            reached[pk] = max(reached[pk], RANK[status])
    result = []
    for status in FUNNEL:
        label = _("已提交") if status == Inquiry.Status.NEW else str(Inquiry.Status(status).label)
        result.append((label, sum(1 for rank in reached.values() if rank >= RANK[status])))
    return result


def status_counts(now=None):
    _s, _t, start = window(now)
    counts = dict(
        Inquiry.objects.filter(created_at__gte=start)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [(str(status.label), counts.get(status.value, 0)) for status in Inquiry.Status]


def share_figures(now=None, agent=None):
    """Per agent over the window: shares made (links and posters), visits and inquiries
    that came through their links, and their median first-response time. agent narrows
    it to one agent (the workbench)."""
    _s, _t, start = window(now)

    def grouped(queryset, agent_field, **aggregates):
        if agent is not None:
            queryset = queryset.filter(**{agent_field: agent})
        rows = queryset.values(agent_field).annotate(**aggregates).order_by()
        return {row[agent_field]: row for row in rows}

    made = grouped(
        ShareMade.objects.filter(created_at__gte=start),
        "share__agent",
        shares=Count("pk"),
        posters=Count("pk", filter=Q(form=ShareMade.Form.POSTER)),
    )
    visits = grouped(
        ShareVisit.objects.filter(created_at__gte=start), "share__agent", visits=Count("pk")
    )
    through = grouped(
        Inquiry.objects.filter(created_at__gte=start, share__isnull=False),
        "share__agent",
        inquiries=Count("pk"),
        won=Count("pk", filter=Q(status=Inquiry.Status.WON)),
    )
    response = grouped(
        Inquiry.objects.filter(created_at__gte=start, first_contacted_at__isnull=False),
        "assigned_agent",
        median=Median(F("first_contacted_at") - F("created_at"), output_field=DurationField()),
    )
    ids = set(made) | set(visits) | set(through)
    if agent is not None:
        ids = {agent.pk}
    else:
        ids |= set(response)
    ids.discard(None)
    names = dict(Agent.objects.filter(pk__in=ids).values_list("pk", "name"))
    result = []
    for pk in ids:
        median = response.get(pk, {}).get("median")
        result.append(
            {
                "agent": names.get(pk, ""),
                "shares": made.get(pk, {}).get("shares", 0),
                "posters": made.get(pk, {}).get("posters", 0),
                "visits": visits.get(pk, {}).get("visits", 0),
                "inquiries": through.get(pk, {}).get("inquiries", 0),
                "won": through.get(pk, {}).get("won", 0),
                "median_minutes": (
                    round(median.total_seconds() / 60, 1) if median is not None else None
                ),
            }
        )
    result.sort(key=lambda row: (-row["inquiries"], -row["visits"], -row["shares"], row["agent"]))
    return result


def first_notified():
    """When the first delivery about the inquiry to the agency's side (agent, site group
    or managers, not the prospect's own confirmation) was sent."""
    return Subquery(
        Notification.objects.filter(inquiry=OuterRef("pk"), state=Notification.State.SENT)
        .exclude(channel=Notification.Channel.PROSPECT_EMAIL)
        .values("inquiry")
        .annotate(first=Min("sent_at"))
        .values("first")[:1]
    )


def speed_to_lead(now=None):
    """Per day of the last SPEED_DAYS days (local days, oldest first): inquiries, and p50
    and p95 of submit→notified and submit→first contact, as timedeltas (None where no
    inquiry of the day got that far). One query."""
    start_day, today, start = window(now, SPEED_DAYS)
    to_notified = F("notified_at") - F("created_at")
    to_contact = F("first_contacted_at") - F("created_at")
    duration = DurationField()
    rows = (
        Inquiry.objects.filter(created_at__gte=start)
        .annotate(
            day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
            notified_at=first_notified(),
        )
        .values("day")
        .annotate(
            n=Count("pk"),
            notified_p50=Percentile(to_notified, 0.5, output_field=duration),
            notified_p95=Percentile(to_notified, 0.95, output_field=duration),
            contact_p50=Percentile(to_contact, 0.5, output_field=duration),
            contact_p95=Percentile(to_contact, 0.95, output_field=duration),
        )
        .order_by("day")
    )
    found = {row["day"]: row for row in rows}
    empty = dict.fromkeys(["n", "notified_p50", "notified_p95", "contact_p50", "contact_p95"])
    result = []
    for offset in range((today - start_day).days + 1):
        day = start_day + timedelta(days=offset)
        row = {**empty, **found.get(day, {}), "day": day}
        row["n"] = row["n"] or 0
        result.append(row)
    return result


def duration_text(value):
    """A timedelta as a manager reads it: seconds, minutes or hours; "—" for None."""
    if value is None:
        return "—"
    seconds = value.total_seconds()
    if seconds < 120:
        return _("%(n)s 秒") % {"n": round(seconds)}
    if seconds < 7200:
        return _("%(n)s 分钟") % {"n": round(seconds / 60, 1)}
    return _("%(n)s 小时") % {"n": round(seconds / 3600, 1)}


def speed_rows(now=None):
    """speed_to_lead with the durations as text, for the page."""
    keys = ["notified_p50", "notified_p95", "contact_p50", "contact_p95"]
    return [
        {"day": row["day"], "n": row["n"], **{key: duration_text(row[key]) for key in keys}}
        for row in speed_to_lead(now)
    ]


def delivery_counts(user):
    """Notifications waiting now (pending), and the late and failed ones the admin banner
    counts for this user."""
    failed, late = problem_counts(user) or (0, 0)
    pending = Notification.objects.filter(state=Notification.State.PENDING).count()
    return {"pending": pending, "late": late, "failed": failed}


def untranslated_counts():
    """Public parks, listings, land parcels and articles still missing their English
    version (docs/english.md): one count per kind, linked to the admin's filtered list."""
    kinds = [
        (Park, Park.objects.published(), "admin:listings_park_changelist"),
        (Listing, Listing.objects.published(), "admin:listings_listing_changelist"),
        (LandParcel, LandParcel.objects.published(), "admin:listings_landparcel_changelist"),
        (Article, Article.objects.published(), "admin:articles_article_changelist"),
    ]
    rows = []
    for model, public, url_name in kinds:
        counts = public.aggregate(
            public=Count("pk"), missing=Count("pk", filter=missing_english_q(model.english_fields))
        )
        rows.append(
            {
                "label": model._meta.verbose_name_plural,
                "public": counts["public"],
                "missing": counts["missing"],
                "url": f"{reverse(url_name)}?english=missing",
            }
        )
    return rows
