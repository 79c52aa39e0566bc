"""{% inquiry_form obj %}: the inquiry form with obj (listing, land parcel, park or
article) attached by a signed reference, posting to /inquiry/.

On a page kept whole in the page cache (`request.shared_page`, set by
g60portal/page_cache.py) the form carries a stamp shared by every visitor of the page
and no referrer; static/js/site.js swaps in a personal stamp from /inquiry/token/ and
fills in the referrer. Without JavaScript the shared stamp is sent as it is (see
leads.forms.new_stamp). The form carries no CSRF token: /inquiry/ checks where a POST
comes from instead (core.origin)."""

import hashlib
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language

from leads.forms import UTM_FIELDS, AlertForm, InquiryForm, new_stamp, sign_subject, subject_kind
from leads.prefill import FILTER_SOURCES, initial_for_filters, initial_for_subject
from listings.permissions import agent_for

register = template.Library()


def initial_form(request, obj=None):
    initial = {"stamp": new_stamp(), "subject": sign_subject(obj)}
    if request is not None:
        initial["page_url"] = request.build_absolute_uri()[:500]
        initial["referrer"] = request.META.get("HTTP_REFERER", "")[:500]
        for name in UTM_FIELDS:
            initial[name] = request.GET.get(name, "")[:100]
    if obj is not None:
        initial.update(initial_for_subject(obj))
    elif request is not None:
        initial.update(initial_for_filters(results_source(request), request.GET))
    return InquiryForm(initial=initial)


RESULTS_VIEWS = {"listings:listing-list": "listings", "listings:land-list": "land"}


def results_source(request):
    """Which results page's filters the request carries: the page itself, or the
    /inquiry/?from=listings|land link of one."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in RESULTS_VIEWS:
        return RESULTS_VIEWS[match.view_name]
    source = request.GET.get("from", "")
    return source if source in FILTER_SOURCES else None


@register.inclusion_tag("leads/includes/inquiry_form.html", takes_context=True)
def inquiry_form(context, obj=None, form=None):
    request = context.get("request")
    shared = getattr(request, "shared_page", False)
    if form is None:
        form = initial_form(request, obj)
        if shared:
            form.initial.update(stamp=new_stamp(shared=True), referrer="")
    elif obj is None:
        obj = form.subject_object
    share = share_bar(request, obj)
    return {
        "shared": shared,
        "token_url": reverse("leads:inquiry-token"),
        "form": form,
        "fields_key": fields_key(form) if share is None else "",
        "subject": obj,
        "subject_kind": subject_kind(obj),
        "share_bar": share,
        "request": request,
        # For the share bar's own form (staff only, never on a kept page).
        "csrf_token": context.get("csrf_token"),
        "privacy_url": reverse("privacy"),
        "SITE_HOTLINE": settings.SITE_HOTLINE,
    }


def fields_key(form):
    """What the visible fields of an unbound form show (their prefill, the language),
    as the key they are kept rendered under; "" for a form with a visitor's data."""
    if form.is_bound:
        return ""
    initial = sorted(
        (name, str(value))
        for name, value in form.initial.items()
        if name in form.fields and not form.fields[name].widget.is_hidden
    )
    text = repr((get_language(), form.international, initial))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def share_bar(request, obj):
    """For a logged-in agent on a page they can share: what the share button posts."""
    kind = subject_kind(obj)
    user = getattr(request, "user", None)
    if not kind or user is None or not user.is_staff:
        return None
    if agent_for(user) is None:
        return None
    return {"kind": kind, "id": obj.pk}


@register.simple_tag
def lead_retention_days():
    return settings.LEAD_RETENTION_DAYS


@register.simple_tag
def lead_sla_minutes():
    return settings.LEAD_SLA_MINUTES


@register.inclusion_tag("leads/includes/alert_form.html", takes_context=True)
def alert_form(context, scope, query=None):
    """A saved-search box: e-mail me what is new for this filter or requirement."""
    request = context.get("request")
    if query is None and request is not None:
        params = request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
    form = AlertForm(initial={"scope": scope, "query": (query or "")[:2000]})
    return {"form": form, "csrf_token": context.get("csrf_token"), "request": request}


@register.simple_tag(takes_context=True)
def alert_url(context, scope):
    """The subscribe page for this list's filter (a link: list pages set no cookies)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else {}
    if params:
        params.pop("page", None)
    query = params.urlencode() if params else ""
    return reverse("leads:alert-subscribe") + "?" + urlencode({"scope": scope, "query": query})
