"""{% inquiry_form obj %}: the inquiry form with obj (listing, land parcel, park or
article) attached by a signed reference, posting to /inquiry/.

On a page kept whole in the page cache (`request.shared_page`, set by
g60portal/page_cache.py) the per-visitor fields (CSRF token, submission stamp, referrer)
are left empty and static/js/site.js fills them from /inquiry/token/."""

from django import template
from django.conf import settings
from django.urls import reverse

from leads.forms import UTM_FIELDS, InquiryForm, new_stamp, sign_subject, subject_kind

register = template.Library()


def initial_form(request, obj=None):
    initial = {"stamp": new_stamp(), "subject": sign_subject(obj)}
    if request is not None:
        initial["page_url"] = request.build_absolute_uri()[:500]
        initial["referrer"] = request.META.get("HTTP_REFERER", "")[:500]
        for name in UTM_FIELDS:
            initial[name] = request.GET.get(name, "")[:100]
    return InquiryForm(initial=initial)


@register.inclusion_tag("leads/includes/inquiry_form.html", takes_context=True)
def inquiry_form(context, obj=None, form=None):
    request = context.get("request")
    shared = getattr(request, "shared_page", False)
    if form is None:
        form = initial_form(request, obj)
        if shared:
            form.initial.update(stamp="", referrer="")
    elif obj is None:
        obj = form.subject_object
    return {
        "shared": shared,
        "token_url": reverse("leads:inquiry-token"),
        "form": form,
        "subject": obj,
        "subject_kind": subject_kind(obj),
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "privacy_url": reverse("privacy"),
        "SITE_HOTLINE": settings.SITE_HOTLINE,
    }


@register.simple_tag
def lead_retention_days():
    return settings.LEAD_RETENTION_DAYS


@register.simple_tag
def lead_sla_minutes():
    return settings.LEAD_SLA_MINUTES
