"""WeChat share cards: the JS-SDK configuration a page inside WeChat asks for.

With WECHAT_APP_ID and WECHAT_APP_SECRET set (an official account whose JS interface
domain is this site), a page opened in WeChat loads the JS-SDK and asks
`/wechat/signature/?url=<the page's address>` for its `wx.config`; the share card then
takes the page's og:title, og:description and og:image. Without them nothing is loaded
and WeChat shows the page's title and its own default picture.

The signature needs a jsapi_ticket: an access_token is fetched from WECHAT_API_BASE
(`/cgi-bin/token`), then the ticket (`/cgi-bin/ticket/getticket`). The ticket is kept in
the shared cache until ten minutes before WeChat says it expires (7,200 s), so a busy site
asks WeChat about twelve times a day; a failure is remembered for a minute, so an outage
of WeChat's API costs each page one cache read, not one call to WeChat.

The endpoint is a small JSON view, not part of the page, so that whole pages stay in the
page cache (g60portal/page_cache.py): a signature depends on the exact address and time.
"""

import hashlib
import json
import logging
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leads.views import client_ip

logger = logging.getLogger(__name__)

TICKET_MARGIN_SECONDS = 600  # the ticket is dropped this long before WeChat expires it
FAILURE_SECONDS = 60  # after a failed fetch, WeChat is not asked again for this long
MAX_URL_LENGTH = 2000
FAILED = "failed"


class WeChatError(Exception):
    """WeChat's API could not be reached or refused the request."""


def enabled():
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def signature(jsapi_ticket, noncestr, timestamp, url):
    """WeChat's JS-SDK signature: SHA-1 of the four fields sorted by name, as key=value
    joined by & (the page URL as it is, without its #fragment)."""
    fields = {
        "jsapi_ticket": jsapi_ticket,
        "noncestr": noncestr,
        "timestamp": str(timestamp),
        "url": url,
    }
    plain = "&".join(f"{name}={fields[name]}" for name in sorted(fields))
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's choice


def _call(path, params):
    url = f"{settings.WECHAT_API_BASE.rstrip('/')}{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=settings.WECHAT_API_TIMEOUT) as response:  # noqa: S310
            data = json.loads(response.read())
    except (OSError, ValueError) as error:  # URLError, HTTPError, timeouts, bad JSON
        raise WeChatError(f"{path}: {error}") from error
    if not isinstance(data, dict) or data.get("errcode"):
        errcode = data.get("errcode") if isinstance(data, dict) else None
        errmsg = data.get("errmsg") if isinstance(data, dict) else data
        raise WeChatError(f"{path}: errcode {errcode} {errmsg}")
    return data


def _ticket_key():
    return f"wechat:jsapi_ticket:{settings.WECHAT_APP_ID}"


def jsapi_ticket():
    """The current jsapi_ticket, from the cache or fetched from WeChat; WeChatError when
    WeChat cannot give one (and for FAILURE_SECONDS after that)."""
    key = _ticket_key()
    cached = cache.get(key)
    if cached == FAILED:
        raise WeChatError("WeChat's API failed a moment ago")
    if cached:
        return cached
    try:
        token = _call(
            "/cgi-bin/token",
            {
                "grant_type": "client_credential",
                "appid": settings.WECHAT_APP_ID,
                "secret": settings.WECHAT_APP_SECRET,
            },
        ).get("access_token")
        if not token:
            raise WeChatError("/cgi-bin/token: no access_token")
        answer = _call("/cgi-bin/ticket/getticket", {"access_token": token, "type": "jsapi"})
        ticket = answer.get("ticket")
        if not ticket or not isinstance(ticket, str):
            raise WeChatError("/cgi-bin/ticket/getticket: no ticket")
        try:
            lifetime = int(answer.get("expires_in", 7200))
        except (TypeError, ValueError):
            lifetime = 7200
    except WeChatError:
        logger.warning("WeChat JS-SDK ticket not available", exc_info=True)
        cache.set(key, FAILED, FAILURE_SECONDS)
        raise
    cache.set(key, ticket, max(60, lifetime - TICKET_MARGIN_SECONDS))
    return ticket


def share_config(url, now=None):
    """What `wx.config` needs for the page at `url`."""
    timestamp = int(now if now is not None else time.time())
    noncestr = secrets.token_urlsafe(12)
    return {
        "appId": settings.WECHAT_APP_ID,
        "timestamp": timestamp,
        "nonceStr": noncestr,
        "signature": signature(jsapi_ticket(), noncestr, timestamp, url),
    }


def _own_page_url(request, url):
    """The page address without its fragment when it is one of this site's pages."""
    url = url.split("#", 1)[0]
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    hosts = {request.get_host(), urllib.parse.urlsplit(settings.SITE_URL).netloc}
    if not url.startswith(("http://", "https://")):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=hosts):
        return None
    return url


def _rate_limited(request):
    window = int(time.time() // 60)
    key = f"wechat:rate:{client_ip(request) or 'unknown'}:{window}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        count = 1
    return count > settings.WECHAT_SIGNATURE_RATE_LIMIT


@never_cache
@require_GET
def signature_view(request):
    """GET /wechat/signature/?url=…: {appId, timestamp, nonceStr, signature} as JSON.

    404 when WeChat sharing is off, 400 for an address that is not this site's page,
    429 past WECHAT_SIGNATURE_RATE_LIMIT a minute from one address, 503 when WeChat's API
    cannot give a ticket."""
    if not enabled():
        return JsonResponse({"error": "wechat sharing is off"}, status=404)
    url = _own_page_url(request, request.GET.get("url", ""))
    if url is None:
        return JsonResponse({"error": "url must be a page of this site"}, status=400)
    if _rate_limited(request):
        return JsonResponse({"error": "too many requests"}, status=429)
    try:
        return JsonResponse(share_config(url))
    except WeChatError:
        return JsonResponse({"error": "wechat is not available"}, status=503)
