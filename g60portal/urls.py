from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from g60portal import search_views, sitemaps, two_factor, views, wechat

handler404 = "g60portal.views.page_not_found"
handler500 = "g60portal.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("sitemap.xml", sitemaps.sitemap_or_index, name="django.contrib.sitemaps.views.sitemap"),
    path("sitemap-<section>.xml", sitemaps.section, name="sitemap-section"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("wechat/signature/", wechat.signature_view, name="wechat-signature"),
    path("admin/otp/setup/", admin.site.admin_view(two_factor.setup), name="otp-setup"),
    path("admin/otp/verify/", admin.site.admin_view(two_factor.verify), name="otp-verify"),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    path("contact/", views.ContactView.as_view(), name="contact"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("search/", search_views.SearchView.as_view(), name="search"),
    path("", include("listings.urls")),
    path("", include("articles.urls")),
    path("", include("leads.urls")),
    prefix_default_language=False,
)

if settings.MEDIA_STORAGE == "local" and (settings.DEBUG or not settings.PRODUCTION):
    # Uploaded media from var/media outside production; production serves it from
    # object storage or the front web server.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
