"""The agents' phone workbench (/agent/): their queue, one inquiry, status and notes.

Scoped exactly as the admin scopes inquiries (`InquiryQuerySet.visible_to`): an agent
sees only the inquiries assigned to them, managers see everyone's. Every action goes
through leads.services, so it leaves an InquiryEvent naming who did it."""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.qrcode import qr_svg
from leads import services
from leads.dashboard import figures
from leads.matching import match_inquiry
from leads.models import SUBJECT_BY_KEY, SUBJECT_FIELDS, SUBJECT_KINDS, Inquiry, Share
from leads.sharing import record_share, share_url
from listings.permissions import agent_for, display_name, is_manager, scope_to_agent

QUEUE_PAGE_SIZE = 30

# The buttons an agent taps, in the order of the pipeline.
STATUS_BUTTONS = [
    (Inquiry.Status.CONTACTED, _("已联系")),
    (Inquiry.Status.VISITING, _("看房")),
    (Inquiry.Status.NEGOTIATING, _("洽谈")),
    (Inquiry.Status.WON, _("成交")),
    (Inquiry.Status.SPAM, _("无效")),
]


def may_use_workbench(user):
    """Staff linked to an agent, and managers."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return is_manager(user) or agent_for(user) is not None


def workbench_view(view):
    """Staff only: anonymous visitors go to the staff login, other staff get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not may_use_workbench(request.user):
            raise PermissionDenied
        return never_cache(view)(request, *args, **kwargs)

    return wrapper


def visible_inquiries(user):
    return Inquiry.objects.visible_to(user).select_related("assigned_agent", *SUBJECT_FIELDS)


def urgency_order(queryset):
    """New inquiries first, the one whose SLA runs out soonest on top; then the rest of
    the open pipeline, the one left longest without a touch first."""
    return queryset.annotate(
        urgency_group=Case(
            When(status=Inquiry.Status.NEW, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        urgency_time=Case(
            When(status=Inquiry.Status.NEW, then=Coalesce("assigned_at", "created_at")),
            default=F("updated_at"),
        ),
    ).order_by("urgency_group", "urgency_time", "pk")


class Card:
    """One inquiry as the workbench shows it."""

    def __init__(self, inquiry, now, *, show_agent):
        self.inquiry = inquiry
        self.show_agent = show_agent
        self.is_new = inquiry.status == Inquiry.Status.NEW
        self.minutes_left = None
        self.overdue = False
        if self.is_new:
            left = inquiry.sla_due_at - now
            self.minutes_left = int(left.total_seconds() // 60)
            self.overdue = left.total_seconds() < 0
        self.minutes_over = -self.minutes_left if self.overdue else None
        self.need = " · ".join(
            part
            for part in (
                inquiry.get_need_kind_display() if inquiry.need_kind else "",
                inquiry.get_need_deal_display() if inquiry.need_deal else "",
                f"{inquiry.need_area}㎡" if inquiry.need_area else "",
                inquiry.industry,
            )
            if part
        )
        self.subject = inquiry.subject
        self.buttons = [
            {"value": value, "label": label, "current": value == inquiry.status}
            for value, label in STATUS_BUTTONS
        ]


def matches_for(inquiry, count=5):
    """The spaces and land that fit the inquiry's need best, with the fit per constraint
    (leads.matching, the same ranking the admin shows)."""
    return match_inquiry(inquiry, count=count)


@workbench_view
def queue(request):
    show = request.GET.get("show", "")
    qs = visible_inquiries(request.user)
    if show == "closed":
        qs = qs.closed().order_by("-updated_at", "-pk")
    else:
        show = "open"
        qs = urgency_order(qs.open())
    page = Paginator(qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    manager = is_manager(request.user)
    cards = [Card(inquiry, now, show_agent=manager) for inquiry in page.object_list]
    agent = agent_for(request.user)
    own_figures = figures.share_figures(agent=agent)[0] if agent is not None else None
    return render(
        request,
        "leads/agent/queue.html",
        {
            "cards": cards,
            "page_obj": page,
            "show": show,
            "is_manager": manager,
            "agent": agent,
            "figures": own_figures,
            "figure_days": figures.DAYS,
            "operator": display_name(request.user),
            "note_form": NoteForm(),
        },
    )


@workbench_view
def detail(request, pk):
    inquiry = get_object_or_404(visible_inquiries(request.user), pk=pk)
    events = inquiry.events.select_related("actor", "actor__agent", "agent")
    timeline = [
        {"event": event, "operator": display_name(event.actor) if event.actor_id else ""}
        for event in events
    ]
    return render(
        request,
        "leads/agent/detail.html",
        {
            "card": Card(inquiry, timezone.now(), show_agent=is_manager(request.user)),
            "timeline": timeline,
            "matches": matches_for(inquiry),
            "note_form": NoteForm(),
            "sla_minutes": settings.LEAD_SLA_MINUTES,
        },
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_BUTTONS)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("跟进记录"),
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("如：已电话联系，客户下周二来看厂房。")}
        ),
    )


def back_to(request, inquiry):
    """Where an action returns: the queue when it was sent from there, else the inquiry."""
    if request.POST.get("back") == "queue":
        return redirect(f"{reverse('leads:agent-queue')}#inquiry-{inquiry.pk}")
    return redirect("leads:agent-inquiry", pk=inquiry.pk)


@require_POST
@workbench_view
def set_status(request, pk):
    inquiry = get_object_or_404(visible_inquiries(request.user), pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("无法识别的状态。"))
        return back_to(request, inquiry)
    if services.change_status(inquiry, form.cleaned_data["status"], actor=request.user):
        messages.success(
            request,
            gettext("%(reference)s 已标记为%(status)s。")
            % {"reference": inquiry.reference, "status": inquiry.get_status_display()},
        )
    return back_to(request, inquiry)


@require_POST
@workbench_view
def add_note(request, pk):
    inquiry = get_object_or_404(visible_inquiries(request.user), pk=pk)
    form = NoteForm(request.POST)
    if form.is_valid() and services.add_note(
        inquiry, form.cleaned_data["text"], actor=request.user
    ):
        messages.success(request, gettext("跟进记录已保存。"))
    else:
        messages.error(request, gettext("请填写跟进记录（最多5000字）。"))
    return back_to(request, inquiry)


# ---- share links ------------------------------------------------------------------


class ShareForm(forms.Form):
    kind = forms.ChoiceField(choices=[(kind.key, kind.label) for kind in SUBJECT_KINDS])
    id = forms.IntegerField(min_value=1, max_value=2**62)


def shared_object(share):
    kind = SUBJECT_BY_KEY[share.kind]
    return kind.model.objects.filter(pk=share.object_id).first()


@require_POST
@workbench_view
def make_share(request):
    """The agent's share link for a published page (the button on the page)."""
    agent = agent_for(request.user)
    if agent is None:
        raise PermissionDenied  # a manager without an agent has no link of their own
    form = ShareForm(request.POST)
    if not form.is_valid():
        raise Http404
    kind = SUBJECT_BY_KEY[form.cleaned_data["kind"]]
    obj = get_object_or_404(kind.model.objects.published(), pk=form.cleaned_data["id"])
    share = record_share(agent, obj)
    return redirect("leads:agent-share", pk=share.pk)


@workbench_view
def share_detail(request, pk):
    share = get_object_or_404(
        scope_to_agent(Share.objects.select_related("agent"), request.user), pk=pk
    )
    url = share_url(request, share)
    obj = shared_object(share)
    return render(
        request,
        "leads/agent/share.html",
        {
            "share": share,
            "object": obj,
            "url": url,
            "qr": qr_svg(url, scale=6, title=str(obj or "")),
            "poster_url": poster_url(share, obj),
            "cookie_days": settings.LEAD_SHARE_COOKIE_DAYS,
        },
    )


# The poster of each kind of page (leads.posters), by the URL argument it takes.
POSTER_URLS = {
    "listing": ("leads:listing-poster", "pk"),
    "land": ("leads:land-poster", "pk"),
    "park": ("leads:park-poster", "slug"),
    "article": ("leads:article-poster", "pk"),
}


def poster_url(share, obj):
    if obj is None:
        return ""
    name, arg = POSTER_URLS[share.kind]
    return reverse(name, kwargs={arg: getattr(obj, arg)})
