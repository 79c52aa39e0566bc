"""The dashboard page and its chart images, served under the inquiry admin's URLs
(InquiryAdmin.get_urls adds urls(admin_site)) and shown to managers only."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.csp import CSP
from django.utils.translation import gettext
from django.views.decorators.csp import csp_override

from leads.dashboard import charts, figures
from leads.models import Inquiry
from listings.permissions import is_manager


def can_see_dashboard(user):
    return is_manager(user)


def dashboard_view(request, admin_site):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    context = {
        **admin_site.each_context(request),
        "title": gettext("咨询统计看板"),
        "opts": Inquiry._meta,
        "days": figures.DAYS,
        "per_day": figures.per_day(),
        "by_source": figures.by_source(),
        "by_agent": figures.by_agent(),
        "funnel": figures.funnel(),
        "status_counts": figures.status_counts(),
        "share_figures": figures.share_figures(),
        "speed_days": figures.SPEED_DAYS,
        "speed": figures.speed_rows(),
        "deliveries": figures.delivery_counts(request.user),
        "untranslated": figures.untranslated_counts(),
    }
    context["total"] = sum(n for _d, n in context["per_day"])
    return TemplateResponse(request, "admin/leads/inquiry/dashboard.html", context)


@csp_override(
    {
        "default-src": [CSP.NONE],
        "style-src": [CSP.UNSAFE_INLINE],
        "img-src": ["data:"],
    }
)
def chart_view(request, chart):
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    render = charts.CHARTS.get(chart)
    if render is None:
        raise Http404
    response = HttpResponse(render(), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def urls(admin_site):
    return [
        path(
            "dashboard/",
            admin_site.admin_view(dashboard_view),
            {"admin_site": admin_site},
            name="leads_inquiry_dashboard",
        ),
        path(
            "dashboard/<slug:chart>.svg",
            admin_site.admin_view(chart_view),
            name="leads_inquiry_chart",
        ),
    ]
