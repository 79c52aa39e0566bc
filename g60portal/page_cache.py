"""Whole public pages for anonymous visitors, kept in the shared cache.

A GET from a visitor without a session cookie is answered from the cache when the page is
there, keyed by the URL (path and query) and the language, and kept with the page version
of `core.pages` (renewed whenever anything a public page shows is saved or deleted, on any
host): one round trip to the cache (MGET of the version and the page) answers a hit, and
a page kept under an older version is a miss. A response is kept only when it is a plain public page: status 200, no cookie set,
not marked private or no-cache by its view. Logged-in staff carry a session cookie and
always get fresh pages; so does anything under /admin/.

The per-visitor parts of a kept page are not in it: the inquiry form's CSRF token and
form stamp are fetched by site.js from /inquiry/token/ (see `leads.views.inquiry_token`),
and the CSP nonce is renewed on each hit.

Kept pages also say `Cache-Control: public, s-maxage=…, stale-while-revalidate=…` so that
nginx (deploy/nginx/g60portal.conf) or a CDN may keep them briefly too.
"""

import hashlib
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control

from core.pages import PAGE_VERSION_KEY, bump_page_version, page_version

# Paths that are never kept: staff, per-visitor and machine endpoints. /match/ is never
# cached (its inquiry form carries a stamp and signed matches): not even looked up.
SKIP_PREFIXES = (
    "/admin/",
    "/agent/",
    "/inquiry/",
    "/alerts/",
    "/match/",
    "/static/",
    "/media/",
    "/healthz",
    "/wechat/",
)
NONCE = re.compile(r"'nonce-([A-Za-z0-9+/=_-]+)'")
CSP_HEADER = "Content-Security-Policy"
KEPT_TYPES = ("text/html", "application/xml", "application/rss+xml", "text/plain")
MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie storage
# Cache-Control values a view sets when its page must not be shared.
PRIVATE_MARKS = ("private", "no-cache", "no-store", "max-age=0")


def shared_language(request):
    """The language of the page when the response to this request may be served to any
    visitor, else None."""
    if request.method != "GET" or not settings.PAGE_CACHE_SECONDS:
        return None
    # A session (logged-in staff) or a message waiting to be shown: a page of one's own.
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return None
    path = request.path_info
    language = translation.get_language_from_path(path)
    if language:
        path = path.removeprefix(f"/{language}")
    if path.startswith(SKIP_PREFIXES):
        return None
    return language or settings.LANGUAGE_CODE


def page_key(request, language):
    digest = hashlib.sha256(request.get_full_path().encode("utf-8")).hexdigest()[:32]
    return f"page:{language}:{digest}"


def is_keepable(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith(KEPT_TYPES):
        return False
    control = response.get("Cache-Control", "").lower()
    return not any(mark in control for mark in PRIVATE_MARKS)


def with_fresh_nonce(content, headers):
    """The same page with a new CSP nonce, so that no two visitors share one."""
    policy = headers.get(CSP_HEADER, "")
    match = NONCE.search(policy)
    if not match:
        return content, headers
    old, new = match.group(1), secrets.token_urlsafe(16)
    headers = {**headers, CSP_HEADER: policy.replace(old, new)}
    return content.replace(f'nonce="{old}"'.encode(), f'nonce="{new}"'.encode()), headers


class PageCacheMiddleware:
    """Serve and keep whole public pages; renew them all after a staff change in admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = shared_language(request)
        if language is None:
            response = self.get_response(request)
            # Admin bulk actions update rows without save(): renew pages after any staff
            # change made there.
            admin_change = request.method == "POST" and request.path.startswith("/admin/")
            if admin_change and response.status_code < 400:
                bump_page_version()
            return response
        # The inquiry form leaves its per-visitor fields for site.js to fetch.
        request.shared_page = True
        key = page_key(request, language)
        found = cache.get_many([PAGE_VERSION_KEY, key])
        version = found.get(PAGE_VERSION_KEY) or page_version()
        kept = found.get(key)
        if kept is not None and kept[0] == version:
            _version, status, headers, content = kept
            content, headers = with_fresh_nonce(content, headers)
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            if "Content-Length" in response:
                response["Content-Length"] = str(len(content))
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if is_keepable(response):
            patch_cache_control(
                response,
                public=True,
                s_maxage=settings.PAGE_CACHE_PUBLIC_SECONDS,
                stale_while_revalidate=settings.PAGE_CACHE_STALE_SECONDS,
            )
            headers = dict(response.items())
            kept = (version, response.status_code, headers, response.content)
            cache.set(key, kept, settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response
