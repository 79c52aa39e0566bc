"""The dashboard's figures drawn by pygal.

Charts are served as SVG documents of their own and shown with <img>: pygal writes
<style> elements, which the site's CSP does not allow inline in a page."""

import re

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from leads.dashboard import figures

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
    data = figures.per_day(now)
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
    data = figures.by_source(now)[::-1]  # pygal draws the first label at the bottom
    chart.x_labels = [label for label, _n in data]
    chart.add(_("咨询数"), [n for _l, n in data])
    return _render(chart)


def chart_by_agent(now=None):
    chart = _chart(pygal.HorizontalBar, _("按顾问"))
    data = figures.by_agent(now)[::-1]
    chart.x_labels = [row["agent"] for row in data]
    chart.add(_("咨询数"), [row["count"] for row in data])
    return _render(chart)


def chart_response(now=None):
    chart = _chart(pygal.HorizontalBar, _("首次联系用时中位数（分钟）"))
    data = [row for row in figures.by_agent(now) if row["median_minutes"] is not None][::-1]
    chart.x_labels = [row["agent"] for row in data]
    chart.add(_("分钟"), [row["median_minutes"] for row in data])
    return _render(chart)


def chart_funnel(now=None):
    chart = _chart(pygal.HorizontalBar, _("状态漏斗"))
    data = figures.funnel(now)[::-1]
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
