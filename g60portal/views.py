import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from g60portal import home

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The sections are rendered once per page version and language (home.html keeps
        # them): their queries run only when the kept copy is old or missing.
        context["sections"] = SimpleLazyObject(home.sections)
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


FAVICON = settings.BASE_DIR / "static" / "img" / "favicon.ico"


@cache_control(public=True, max_age=86400)
@require_GET
def favicon(request):
    """/favicon.ico, which browsers and WeChat ask for whatever the page says."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")


@cache_control(public=True, max_age=3600)
@require_GET
def web_manifest(request):
    """The web app manifest: name, colours and icons for "add to home screen"."""
    chinese = (get_language() or "").startswith("zh")
    manifest = {
        "name": settings.SITE_NAME if chinese else settings.SITE_NAME_EN,
        "short_name": "G60",
        "lang": "zh-Hans" if chinese else get_language(),
        "start_url": reverse("home"),
        "scope": "/",
        "display": "minimal-ui",
        "theme_color": "#0b5cad",
        "background_color": "#f5f7fa",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


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
