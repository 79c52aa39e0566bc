import ipaddress

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from leads.forms import (
    InquiryForm,
    RequirementForm,
    normalize_mobile,
    read_stamp,
    sign_matches,
    sign_subject,
)
from leads.matching import Requirement, match
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


@method_decorator(never_cache, name="dispatch")
class MatchView(View):
    """GET /match/: a requirement form (bookmarkable) and the spaces or land that fit,
    best first, with the fit per constraint; below them the inquiry form carrying the
    requirement and the best matches (never cached: the form has a one-time stamp)."""

    template_name = "leads/match.html"
    limit = 20
    attached = 5  # matches sent along with an inquiry

    def get(self, request):
        form = RequirementForm(request.GET)
        requirement = Requirement.from_cleaned(form.requirement_data())
        searched = not requirement.is_empty()
        results = match(requirement, limit=self.limit) if searched else None
        best = results.best(self.attached) if results else []
        for each in [*results.full, *results.near] if results else []:
            each.pick = sign_subject(each.obj)
        inquiry_form = initial_form(request, None)
        if searched:
            inquiry_form.initial.update(
                need_kind=requirement.kind,
                need_deal="" if requirement.is_land else requirement.deal,
                need_area=requirement.need_area(),
                need_budget=requirement.need_budget_text(),
                expected_tax=requirement.tax,
                requirement=requirement.querystring()[:1000],
                matches=sign_matches([m.obj for m in best]),
            )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "requirement": requirement,
                "searched": searched,
                "results": results,
                "show_near": bool(results and results.show_near and results.near),
                "nothing": bool(searched and not best),
                "ignored": form.ignored(),
                "inquiry_form": inquiry_form,
                "crumbs": [(_("智能匹配"), "")],
            },
        )
