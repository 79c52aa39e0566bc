import ipaddress
import logging

from django.conf import settings
from django.core import signing
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from leads.forms import USED_STAMP_MESSAGE, InquiryForm, normalize_mobile, read_stamp
from leads.models import SUBJECT_FIELDS, SUBJECT_KINDS, Inquiry
from leads.services import submit_inquiry
from leads.sharing import share_from_request
from leads.templatetags.leads_tags import initial_form

logger = logging.getLogger(__name__)

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
        if raw.isascii() and raw.isdigit() and len(raw) < 12:
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
        try:
            return self.submit(request)
        except DatabaseError as exc:
            # The database is away (a restart, a fail-over): nothing was saved. Say so
            # plainly, with 503 and a time to come back, instead of a server error.
            logger.warning("inquiry not saved, the database is unavailable: %s", exc)
            response = render(request, "leads/unavailable.html", status=503)
            response["Retry-After"] = "10"
            return response

    def submit(self, request):
        stamp = read_stamp(request.POST.get("stamp"))
        if stamp is not None:
            existing = Inquiry.objects.filter(submission_token=stamp[0]).first()
            mobile = normalize_mobile(request.POST.get("mobile", ""))[:30]
            if existing is not None and existing.mobile == mobile:
                # A double click or a resubmitted page: the same inquiry, once. Anyone
                # else with this stamp is refused by the form (a stamp is single-use).
                return redirect(thanks_url(existing), permanent=False)
        form = InquiryForm(request.POST, ip=client_ip(request))
        if form.is_valid():
            inquiry = submit_inquiry(
                **form.inquiry_data(),
                language=request.LANGUAGE_CODE,
                share=share_from_request(request),
            )
            if inquiry.mobile == form.cleaned_data["mobile"]:
                response = redirect(thanks_url(inquiry))
                response.status_code = 303
                return response
            # Another post with this stamp was saved a moment before this one.
            form.add_error("stamp", USED_STAMP_MESSAGE)
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


def inquiry_from_token(token):
    try:
        pk = signing.loads(token, salt=THANKS_SALT)
    except signing.BadSignature:
        raise Http404 from None
    inquiry = (
        Inquiry.objects.select_related("assigned_agent", *SUBJECT_FIELDS).filter(pk=pk).first()
    )
    if inquiry is None:
        raise Http404
    return inquiry


@never_cache
def thanks(request, token):
    inquiry = inquiry_from_token(token)
    return render(
        request,
        "leads/thanks.html",
        {
            "inquiry": inquiry,
            "agent": inquiry.assigned_agent,
            "token": token,
            "sla_minutes": settings.LEAD_SLA_MINUTES,
            "crumbs": [(_("提交需求"), reverse("leads:inquiry")), (_("提交成功"), "")],
        },
    )


def vcard_text(value):
    """A vCard 3.0 text value: backslash, comma, semicolon and line breaks escaped."""
    value = str(value).replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n")


@never_cache
def agent_vcard(request, token):
    """The assigned agent's contact card, offered on the thank-you page."""
    agent = inquiry_from_token(token).assigned_agent
    if agent is None:
        raise Http404
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{vcard_text(agent.name)}",
        f"N:{vcard_text(agent.name)};;;;",
        f"ORG:{vcard_text(settings.SITE_NAME)}",
        f"TITLE:{vcard_text(_('招商顾问'))}",
    ]
    if agent.mobile:
        lines.append(f"TEL;TYPE=CELL:{agent.tel}")
    if agent.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{vcard_text(agent.email)}")
    if agent.wechat_id:
        lines.append(f"NOTE:{vcard_text(_('微信号'))}: {vcard_text(agent.wechat_id)}")
    lines.append("END:VCARD")
    response = HttpResponse("\r\n".join(lines) + "\r\n", content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="agent.vcf"'
    return response
