import ipaddress
import logging

from django.conf import settings
from django.core import signing
from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.origin import same_origin_post
from leads import alerts
from leads.forms import (
    USED_STAMP_MESSAGE,
    AlertForm,
    InquiryForm,
    RequirementForm,
    new_stamp,
    rate_limits_hit,
    sign_matches,
    sign_subject,
)
from leads.matching import Requirement, match
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


def see_other(url):
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


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
@method_decorator(same_origin_post, name="dispatch")
class InquiryView(View):
    """GET: the general inquiry form. POST: the target of every inquiry form.

    The POST needs no CSRF token (pages kept in the page cache are the same for every
    visitor, and visitors without JavaScript cannot fetch one); it must come from a page
    of this site instead (core.origin: Sec-Fetch-Site, Origin or Referer)."""

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
        form = InquiryForm(request.POST, ip=client_ip(request))
        if form.is_valid():
            inquiry = submit_inquiry(
                **form.inquiry_data(),
                language=request.LANGUAGE_CODE,
                share=share_from_request(request),
            )
            if inquiry.mobile == form.cleaned_data["mobile"]:
                return see_other(thanks_url(inquiry))
            # Another post with this stamp was saved a moment before this one.
            form.add_error("stamp", USED_STAMP_MESSAGE)
        elif form.resubmitted is not None:
            # A double click or a resubmitted page: the same inquiry, once. Anyone else
            # with this stamp is refused by the form (a stamp is single-use).
            return redirect(thanks_url(Inquiry(pk=form.resubmitted)), permanent=False)
        if "stamp" in form.errors:
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
    """A personal stamp for an inquiry form on a page served to everyone from the page
    cache (its own stamp is shared by every visitor of that page: see leads.forms)."""
    return JsonResponse({"stamp": new_stamp()})


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
                matched=sign_matches([m.obj for m in best]),
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


# ---- saved searches (leads.alerts) ---------------------------------------------------


@never_cache
def alert_subscribe(request):
    """GET: the subscribe form for ?scope=&query= (linked from /listings/ and /land/,
    whose pages stay free of cookies). POST: subscribe and mail the confirmation."""
    if request.method != "POST":
        scope = request.GET.get("scope", "")
        if scope not in alerts.Subscription.Scope.values:
            scope = alerts.Subscription.Scope.LISTINGS
        initial = {"scope": scope, "query": request.GET.get("query", "")[:2000]}
        context = {"form": AlertForm(initial=initial), "crumbs": [(_("订阅提醒"), "")]}
        return render(request, "leads/alert.html", {**context, "state": "form"})
    form = AlertForm(request.POST)
    context = {"form": form, "crumbs": [(_("订阅提醒"), "")]}
    if not form.is_valid():
        return render(request, "leads/alert.html", {**context, "state": "invalid"}, status=400)
    ip = client_ip(request) or "unknown"
    if rate_limits_hit([("alerts-ip", ip, settings.ALERT_RATE_LIMIT_IP)]):
        return render(request, "leads/alert.html", {**context, "state": "limited"}, status=429)
    try:
        alerts.subscribe(
            email=form.cleaned_data["email"],
            scope=form.cleaned_data["scope"],
            query=form.cleaned_data["query"],
            language=request.LANGUAGE_CODE,
        )
    except alerts.TooManySubscriptions:
        return render(request, "leads/alert.html", {**context, "state": "too_many"}, status=429)
    except alerts.TooManyConfirmations:
        return render(
            request, "leads/alert.html", {**context, "state": "too_many_mails"}, status=429
        )
    return render(request, "leads/alert.html", {**context, "state": "pending"})


@never_cache
def alert_confirm(request, token):
    subscription = alerts.confirm(token[:64])
    state = "confirmed" if subscription else "bad_link"
    context = {"state": state, "subscription": subscription, "crumbs": [(_("订阅提醒"), "")]}
    if subscription:
        context["manage_url"] = reverse(
            "leads:alert-manage", args=[alerts.manage_token(subscription)]
        )
    response = render(request, "leads/alert.html", context, status=200 if subscription else 404)
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # RFC 8058 one-click: mail providers POST here without a session
@never_cache
def alert_unsubscribe(request, token):
    """GET: a page with one button (link scanners must not unsubscribe anyone).
    POST: unsubscribe, from that button or a mail client's List-Unsubscribe-Post."""
    crumbs = [(_("订阅提醒"), "")]
    subscription = alerts.Subscription.objects.filter(token=token[:64]).first()
    if subscription is None:
        return render(
            request, "leads/alert.html", {"state": "bad_link", "crumbs": crumbs}, status=404
        )
    if request.method == "POST":
        alerts.unsubscribe(subscription.token)
        state = "unsubscribed"
    else:
        state = "unsubscribed" if subscription.unsubscribed_at else "unsubscribe"
    manage_url = reverse("leads:alert-manage", args=[alerts.manage_token(subscription)])
    response = render(
        request,
        "leads/alert.html",
        {"state": state, "subscription": subscription, "crumbs": crumbs, "manage_url": manage_url},
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


def posted_ids(values):
    """The subscription ids a manage form posted; anything else is ignored."""
    return [int(v) for v in values[:200] if v.isascii() and v.isdigit() and len(v) < 12]


@never_cache
def alert_manage(request, token):
    """Every subscription of one address, from the signed link in each alert mail (no
    login): GET lists them; POST stops the ticked ones, or all with `all`."""
    crumbs = [(_("订阅提醒"), "")]
    email, problem = alerts.read_manage_token(token[:300])
    if email is None:
        status = 410 if problem == "expired" else 404
        context = {"state": "expired" if problem == "expired" else "bad_link", "crumbs": crumbs}
        return render(request, "leads/alert.html", context, status=status)
    stopped = None
    if request.method == "POST":
        ids = None if "all" in request.POST else posted_ids(request.POST.getlist("stop"))
        stopped = alerts.stop(email, ids) if ids != [] else 0
    context = {
        "state": "manage",
        "email": email,
        "subscriptions": alerts.subscriptions_of(email)[:200],
        "stopped": stopped,
        "crumbs": crumbs,
    }
    response = render(request, "leads/alert.html", context)
    response["Referrer-Policy"] = "no-referrer"
    return response
