"""Agents' share links: a signed ?ref= names the agent's Share of a page; a visitor who
arrives through it keeps a signed cookie for LEAD_SHARE_COOKIE_DAYS, and their inquiry
goes to that agent first.

The reference is read by a middleware that answers with a redirect to the same URL
without ?ref=, so the page itself never varies with it (anonymous pages may be cached)."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from leads.models import SUBJECT_BY_MODEL, Share, ShareMade, ShareVisit

REF_PARAM = "ref"
REF_SALT = "leads.share.ref"
COOKIE_NAME = "g60_share"
COOKIE_SALT = "leads.share.visit"


def ref_signer():
    return signing.Signer(salt=REF_SALT, sep=".")


def share_reference(share):
    """The same value each time, so a link (and a poster's QR code) stays the same."""
    return ref_signer().sign(str(share.pk))


def share_from_reference(value, *, now=None):
    """The Share a ?ref= value names, or None when it is forged, gone, or expired: not
    shared again for LEAD_SHARE_LINK_DAYS."""
    if not value or len(value) > 100:
        return None
    try:
        pk = ref_signer().unsign(value)
    except signing.BadSignature:
        return None
    if not pk.isdigit() or len(pk) > 18:
        return None
    since = (now or timezone.now()) - timedelta(days=settings.LEAD_SHARE_LINK_DAYS)
    return Share.objects.select_related("agent").filter(pk=int(pk), last_made_at__gte=since).first()


def share_url(request, share):
    """The absolute link an agent sends: the page with their signed reference."""
    query = urlencode({REF_PARAM: share_reference(share)})
    return request.build_absolute_uri(f"{share.path}?{query}")


def record_share(agent, obj, *, form=ShareMade.Form.LINK, now=None):
    """The agent shares obj (a published listing, parcel, park or article) as a link or
    a poster: their one Share of it, made_count advanced, the act logged."""
    now = now or timezone.now()
    kind = SUBJECT_BY_MODEL[type(obj)]
    share, created = Share.objects.get_or_create(
        agent=agent,
        kind=kind.key,
        object_id=obj.pk,
        defaults={"path": obj.get_absolute_url(), "made_count": 1, "created_at": now},
    )
    if not created:
        Share.objects.filter(pk=share.pk).update(
            made_count=F("made_count") + 1, last_made_at=now, path=obj.get_absolute_url()
        )
        share.refresh_from_db()
    ShareMade.objects.create(share=share, form=form, created_at=now)
    return share


def share_visit_from_request(request):
    """The ShareVisit the visitor's cookie names, or None when absent, forged or expired."""
    try:
        pk = request.get_signed_cookie(
            COOKIE_NAME,
            salt=COOKIE_SALT,
            max_age=timedelta(days=settings.LEAD_SHARE_COOKIE_DAYS),
        )
    except (KeyError, signing.BadSignature):
        return None
    if not pk.isdigit() or len(pk) > 18:
        return None
    return ShareVisit.objects.select_related("share__agent").filter(pk=int(pk)).first()


def share_from_request(request):
    """The Share the visitor came through, for submit_inquiry(share=...)."""
    visit = share_visit_from_request(request)
    return visit.share if visit is not None else None


def agent_from_share_reference(request):
    """The agent whose link brought this visitor, or None."""
    share = share_from_request(request)
    return share.agent if share is not None else None


class ShareReferenceMiddleware:
    """?ref=<signed> on a GET: count the visit, keep it in a signed cookie, and redirect
    to the same URL without the reference. A forged or expired one is just dropped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REF_PARAM not in request.GET or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        rest = request.GET.copy()
        value = rest.pop(REF_PARAM)[-1]
        target = request.path
        if rest:
            target = f"{target}?{rest.urlencode()}"
        response = HttpResponseRedirect(target)
        add_never_cache_headers(response)
        share = share_from_reference(value)
        if share is not None:
            visit = ShareVisit.objects.create(share=share)
            response.set_signed_cookie(
                COOKIE_NAME,
                str(visit.pk),
                salt=COOKIE_SALT,
                max_age=settings.LEAD_SHARE_COOKIE_DAYS * 86400,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
