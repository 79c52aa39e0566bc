import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from g60portal import home

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = home.sections()
        return context


class ContactView(TemplateView):
    template_name = "contact.html"
    extra_context = {"crumbs": [(_("联系我们"), "")]}


class PrivacyView(TemplateView):
    template_name = "privacy.html"
    extra_context = {"crumbs": [(_("隐私政策"), "")]}


@never_cache
@require_GET
def healthz(request):
    """Liveness and database state for load balancers and monitoring."""
    started = time.monotonic()
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("healthz: database unavailable: %s", exc)
        connection.close_if_unusable_or_obsolete()
        return JsonResponse(
            {"status": "error", "database": "unavailable"},
            status=503,
        )
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    return JsonResponse({"status": "ok", "database": "ok", "database_ms": elapsed_ms})


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /inquiry/",
        "Disallow: /en/inquiry/",
        "Disallow: /search/",
        "Disallow: /en/search/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Render without the request context: whatever failed may fail again.
    template = loader.get_template("500.html")
    return HttpResponse(
        template.render(
            {
                "SITE_NAME": settings.SITE_NAME,
                "SITE_HOTLINE": settings.SITE_HOTLINE,
                "SITE_ICP": settings.SITE_ICP,
            }
        ),
        status=500,
    )
