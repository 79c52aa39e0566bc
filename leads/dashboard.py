"""Lead figures for managers: the numbers, and the same numbers drawn by pygal.

Charts are served as SVG documents of their own and shown with <img>: pygal writes
<style> elements, which the site's CSP does not allow inline in a page."""

import re
from datetime import datetime, time, timedelta

import pygal
from django.db.models import Aggregate, Count, DurationField, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from pygal.style import Style

from leads.models import Inquiry, InquiryEvent, SourceKind

DAYS = 90
FUNNEL = [
    Inquiry.Status.NEW,
    Inquiry.Status.CONTACTED,
    Inquiry.Status.VISITING,
    Inquiry.Status.NEGOTIATING,
    Inquiry.Status.WON,
]
RANK = {status: index for index, status in enumerate(FUNNEL)}

CHART_STYLE = Style(
    font_family='-apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif',
    background="#ffffff",
    plot_background="#ffffff",
    colors=("#0b5cad", "#e8590c", "#2b8a3e", "#7048e8", "#c92a2a", "#1098ad", "#5c940d"),
    title_font_size=18,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
)
SCRIPT_RE = re.compile(r"<script\b.*?</script>", re.S)


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


# ---- charts ----------------------------------------------------------------------


def _chart(kind, title, **config):
    chart = kind(
        style=CHART_STYLE,
        js=[],
        disable_xml_declaration=False,
        title=title,
        width=800,
        height=420,
        show_legend=False,
        no_data_text=_("暂无数据"),
        **config,
    )
    return chart


def _render(chart):
    svg = chart.render(is_unicode=True)
    # No script is wanted in an image; pygal's tooltips would need one.
    return SCRIPT_RE.sub("", svg)


def chart_per_day(now=None):
    data = per_day(now)
    chart = _chart(
        pygal.Bar,
        _("近90天每日咨询"),
        x_label_rotation=45,
        show_minor_x_labels=False,
        x_labels_major_every=7,
    )
    chart.x_labels = [day.strftime("%m-%d") for day, _n in data]
    chart.add(_("咨询数"), [n for _d, n in data])
    return _render(chart)


def chart_by_source(now=None):
    chart = _chart(pygal.HorizontalBar, _("按来源"))
    data = by_source(now)[::-1]  # pygal draws the first label at the bottom
    chart.x_labels = [label for label, _n in data]
    chart.add(_("咨询数"), [n for _l, n in data])
    return _render(chart)


def chart_by_agent(now=None):
    chart = _chart(pygal.HorizontalBar, _("按顾问"))
    data = by_agent(now)[::-1]
    chart.x_labels = [row["agent"] for row in data]
    chart.add(_("咨询数"), [row["count"] for row in data])
    return _render(chart)


def chart_response(now=None):
    chart = _chart(pygal.HorizontalBar, _("首次联系用时中位数（分钟）"))
    data = [row for row in by_agent(now) if row["median_minutes"] is not None][::-1]
    chart.x_labels = [row["agent"] for row in data]
    chart.add(_("分钟"), [row["median_minutes"] for row in data])
    return _render(chart)


def chart_funnel(now=None):
    chart = _chart(pygal.HorizontalBar, _("状态漏斗"))
    data = funnel(now)[::-1]
    chart.x_labels = [label for label, _n in data]
    chart.add(_("咨询数"), [n for _l, n in data])
    return _render(chart)


CHARTS = {
    "per-day": chart_per_day,
    "by-source": chart_by_source,
    "by-agent": chart_by_agent,
    "response": chart_response,
    "funnel": chart_funnel,
}
