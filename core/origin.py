"""Cross-origin protection for forms posted from pages that are the same for everyone.

A page kept whole in the page cache cannot carry a per-visitor CSRF token, and a visitor
without JavaScript cannot fetch one. The forms such pages carry (the inquiry form) are
protected instead by what the browser says about where a POST comes from, the way
Go's net/http CrossOriginProtection and the Fetch Metadata proposal do it:

1. `Sec-Fetch-Site` (every current browser on HTTPS and localhost): only `same-origin`
   (a page of this site) or `none` (the visitor's own action, e.g. a bookmark) pass.
2. Otherwise `Origin` (sent with every POST by every current browser): it must be this
   site's own origin or one of CSRF_TRUSTED_ORIGINS; `null` never passes.
3. Otherwise `Referer`: its origin must match the same way.
4. None of the three: refused. A browser posting across sites always says something;
   a client that says nothing is refused rather than trusted.

A cross-site POST is answered by the CSRF failure view (403), as Django's token check
would answer it. Requests of Django's test client made without `enforce_csrf_checks`
are let through, as Django's CsrfViewMiddleware lets them through.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import get_callable

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SAME_ORIGIN_FETCH_SITES = frozenset({"same-origin", "none"})


def own_origin(request):
    """scheme://host[:port] of this site as the request addressed it, or None."""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return None


def is_trusted_origin(request, origin):
    origin = origin.lower()
    if origin == "null":
        return False
    trusted = {o.lower() for o in settings.CSRF_TRUSTED_ORIGINS}
    own = own_origin(request)
    return origin in trusted or (own is not None and origin == own.lower())


def cross_origin_reason(request):
    """None when an unsafe request comes from a page of this site; else why not."""
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    origin = request.headers.get("Origin", "").strip()
    if fetch_site:
        if fetch_site in SAME_ORIGIN_FETCH_SITES:
            return None
        if origin and is_trusted_origin(request, origin):
            return None
        return f"Sec-Fetch-Site is {fetch_site!r}"
    if origin:
        return None if is_trusted_origin(request, origin) else f"Origin {origin!r} is not ours"
    referer = request.headers.get("Referer", "").strip()
    if referer:
        try:
            parts = urlsplit(referer)
        except ValueError:  # e.g. "http://[not-an-address"
            return "Referer is not a URL"
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme and parts.netloc and is_trusted_origin(request, origin):
            return None
        return "Referer is not a page of this site"
    return "no Sec-Fetch-Site, Origin or Referer header"


def same_origin_post(view):
    """Decorate a view whose POST needs no CSRF token but must come from this site."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        enforce = not getattr(request, "_dont_enforce_csrf_checks", False)
        if enforce and request.method not in SAFE_METHODS:
            reason = cross_origin_reason(request)
            if reason is not None:
                return get_callable(settings.CSRF_FAILURE_VIEW)(request, reason=reason)
        return view(request, *args, **kwargs)

    # The per-visitor token check of CsrfViewMiddleware is replaced by the one above.
    checked.csrf_exempt = True
    return checked
