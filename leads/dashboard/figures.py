"""Lead figures for managers: the numbers of the last DAYS days."""

from datetime import datetime, time, timedelta

from django.db.models import Aggregate, Count, DurationField, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import Inquiry, InquiryEvent, ShareMade, ShareVisit, SourceKind
from listings.models import Agent

DAYS = 90
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
