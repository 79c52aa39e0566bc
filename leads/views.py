import ipaddress

from django.conf import settings
from django.core import signing
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from leads.forms import InquiryForm, new_stamp, normalize_mobile, read_stamp
from leads.models import SUBJECT_FIELDS, SUBJECT_KINDS, Inquiry
from leads.services import submit_inquiry
from leads.templatetags.leads_tags import initial_form

THANKS_SALT = "leads.thanks"


def client_ip(request):
    """The visitor's address; behind LEAD_TRUSTED_PROXIES proxies, the one they saw."""
    candidate = request.META.get("REMOTE_ADDR", "")
    hops = settings.LEAD_TRUSTED_PROXIES
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def thanks_url(inquiry):
    token = signing.dumps(inquiry.pk, salt=THANKS_SALT)
    return reverse("leads:thanks", kwargs={"token": token})


def attached_from_query(request):
    """?listing=12 and friends (?land=, ?park=, ?article=) attach a published object to
    the general form."""
    for kind in SUBJECT_KINDS:
        raw = request.GET.get(kind.key, "")
        if raw.isdigit() and len(raw) < 12:
            obj = kind.model.objects.published().filter(pk=int(raw)).first()
            if obj is not None:
                return obj
    return None


@method_decorator(never_cache, name="dispatch")
class InquiryView(View):
    """GET: the general inquiry form. POST: the target of every inquiry form."""

    template_name = "leads/inquiry.html"

    def get(self, request):
        subject = attached_from_query(request)
        form = initial_form(request, subject)
        return self.render(request, form, subject)

    def post(self, request):
        stamp = read_stamp(request.POST.get("stamp"))
        mobile = normalize_mobile(request.POST.get("mobile", ""))[:30]
        taken = False
        if stamp is not None:
            existing = Inquiry.objects.filter(submission_token=stamp[0]).first()
            if existing is not None:
                if existing.mobile == mobile:
                    # A double click or a resubmitted page: the same inquiry, once.
                    return redirect(thanks_url(existing), permanent=False)
                taken = True  # a page served from some cache to someone else
        form = InquiryForm(request.POST, ip=client_ip(request))
        if form.is_valid():
            data = form.inquiry_data()
            if taken:
                data["submission_token"] = None
            inquiry = submit_inquiry(**data, language=request.LANGUAGE_CODE)
            response = redirect(thanks_url(inquiry))
            response.status_code = 303
            return response
        if "stamp" in form.errors or stamp is None:
            # Give the page a fresh stamp so the next try can pass.
            form.data = form.data.copy()
            form.data["stamp"] = initial_form(request, None).initial["stamp"]
        return self.render(request, form, form.subject_object, status=200)

    def render(self, request, form, subject, status=200):
        crumbs = [(_("提交需求"), "")]
        return render(
            request,
            self.template_name,
            {"form": form, "subject": subject, "crumbs": crumbs},
            status=status,
        )


@never_cache
def inquiry_token(request):
    """The per-visitor parts of an inquiry form on a page served to everyone from the
    page cache: a CSRF token (its cookie comes with this response) and a fresh stamp."""
    return JsonResponse({"csrf": get_token(request), "stamp": new_stamp()})


@never_cache
def thanks(request, token):
    try:
        pk = signing.loads(token, salt=THANKS_SALT)
    except signing.BadSignature:
        raise Http404 from None
    inquiry = (
        Inquiry.objects.select_related("assigned_agent", *SUBJECT_FIELDS).filter(pk=pk).first()
    )
    if inquiry is None:
        raise Http404
    return render(
        request,
        "leads/thanks.html",
        {
            "inquiry": inquiry,
            "agent": inquiry.assigned_agent,
            "sla_minutes": settings.LEAD_SLA_MINUTES,
            "crumbs": [(_("提交需求"), reverse("leads:inquiry")), (_("提交成功"), "")],
        },
    )
