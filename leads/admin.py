from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import exports
from leads import matching, services
from leads.dashboard import views as dashboard_views
from leads.models import (
    SUBJECT_FIELDS,
    Inquiry,
    InquiryEvent,
    Notification,
    RoutingRule,
    Share,
    Subscription,
)
from leads.resources import InquiryResource
from listings.models import Agent
from listings.permissions import display_name, is_manager, scope_to_agent

# ---- filters ---------------------------------------------------------------------


class SlaBreachedFilter(admin.SimpleListFilter):
    title = _("响应时限")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", _("已超时")), ("ok", _("未超时"))]

    def queryset(self, request, queryset):
        breached = Inquiry.objects.sla_breached().values("pk")
        if self.value() == "breached":
            return queryset.filter(pk__in=breached)
        if self.value() == "ok":
            return queryset.exclude(pk__in=breached)
        return queryset


class DeliveryFilter(admin.SimpleListFilter):
    title = _("通知状态")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return [("failed", _("有发送失败")), ("pending", _("有待发送"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(notifications__state=Notification.State.FAILED).distinct()
        if self.value() == "pending":
            return queryset.filter(notifications__state=Notification.State.PENDING).distinct()
        return queryset


class AgentFilter(admin.SimpleListFilter):
    title = _("招商顾问")
    parameter_name = "agent"

    def lookups(self, request, model_admin):
        choices = [("none", _("未分配"))]
        choices += [(str(a.pk), a.name) for a in Agent.objects.order_by("name")]
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(assigned_agent__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assigned_agent_id=int(value))
        return queryset


# ---- inquiry ---------------------------------------------------------------------


class InquiryAdminForm(forms.ModelForm):
    note = forms.CharField(
        label=_("添加跟进记录"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：已电话联系，客户下周二来看厂房。记录会加入下方的时间线。"),
    )

    class Meta:
        model = Inquiry
        fields = ["status", "assigned_agent"]


class InquiryEventInline(admin.TabularInline):
    model = InquiryEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "operator", "agent", "message"]
    readonly_fields = fields
    verbose_name = _("时间线")
    verbose_name_plural = _("时间线")

    @admin.display(description=_("操作人"))
    def operator(self, obj):
        return display_name(obj.actor) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor__agent", "agent")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = [
        "channel",
        "purpose",
        "recipient",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    ]
    readonly_fields = fields
    verbose_name_plural = _("通知发送情况")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    form = InquiryAdminForm
    list_display = [
        "reference",
        "created_at",
        "contact",
        "need",
        "source",
        "assigned_agent",
        "status_badge",
        "response",
        "delivery",
    ]
    list_display_links = ["reference", "contact"]
    list_select_related = ["assigned_agent", *SUBJECT_FIELDS]
    list_filter = [
        "status",
        AgentFilter,
        "source_kind",
        ("created_at", admin.DateFieldListFilter),
        SlaBreachedFilter,
        DeliveryFilter,
    ]
    search_fields = ["=reference", "name", "mobile", "company"]
    search_help_text = _("按编号、联系人、手机号或公司搜索")
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["mark_contacted", "mark_spam", "export_xlsx", "export_csv"]
    inlines = [InquiryEventInline, NotificationInline]

    class Media:
        css = {"all": ["css/leads-admin.css"]}

    customer_fields = [
        "reference",
        "created_at",
        "name",
        "mobile",
        "wechat_id",
        "email",
        "company",
        "need_kind",
        "need_deal",
        "need_area",
        "need_budget",
        "industry",
        "expected_tax",
        "message",
    ]
    source_fields = [
        "source_kind",
        "subject_link",
        "duplicate_link",
        "page_url",
        "referrer",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "consent_at",
        "language",
    ]
    routing_fields = [
        "routing_reason",
        "routing_rule",
        "assigned_at",
        "first_contacted_at",
        "reassign_count",
        "escalated_at",
        "anonymized_at",
    ]

    def get_fieldsets(self, request, obj=None):
        return [
            (_("跟进"), {"fields": ["status", "assigned_agent", "note"]}),
            (_("客户与需求"), {"fields": self.customer_fields}),
            (_("来源"), {"fields": self.source_fields, "classes": ["collapse"]}),
            (_("分配"), {"fields": self.routing_fields}),
            (_("匹配推荐"), {"fields": ["best_matches"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = [
            *self.customer_fields,
            *self.source_fields,
            *self.routing_fields,
            "best_matches",
        ]
        if not is_manager(request.user):
            fields.append("assigned_agent")
        return fields

    def get_queryset(self, request):
        qs = super().get_queryset(request).visible_to(request.user)
        return qs.annotate(
            failed_count=Count("notifications", filter=Q(notifications__state="failed")),
            pending_count=Count("notifications", filter=Q(notifications__state="pending")),
        )

    def get_list_filter(self, request):
        if is_manager(request.user):
            return self.list_filter
        return [f for f in self.list_filter if f is not AgentFilter]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_agent":
            kwargs["queryset"] = Agent.objects.filter(is_active=True).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False  # inquiries come from the site

    def has_delete_permission(self, request, obj=None):
        return is_manager(request.user) and super().has_delete_permission(request, obj)

    def has_export_permission(self, request):
        return is_manager(request.user) and request.user.has_perm("leads.export_inquiry")

    # -- columns

    @admin.display(description=_("联系人"), ordering="name")
    def contact(self, obj):
        if obj.company:
            return format_html("{}<br><small>{}</small>", obj.name, obj.company)
        return obj.name

    @admin.display(description=_("需求"))
    def need(self, obj):
        parts = [
            obj.get_need_kind_display() if obj.need_kind else "",
            obj.get_need_deal_display() if obj.need_deal else "",
            f"{obj.need_area}㎡" if obj.need_area else "",
        ]
        return " · ".join(p for p in parts if p) or "—"

    @admin.display(description=_("来源"), ordering="source_kind")
    def source(self, obj):
        subject = obj.subject
        if subject is None:
            return obj.get_source_kind_display()
        return format_html(
            '{}<br><a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.get_source_kind_display(),
            subject.get_absolute_url(),
            str(subject)[:40],
        )

    @admin.display(description=_("状态"), ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span class="leads-status leads-status--{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    @admin.display(description=_("响应"))
    def response(self, obj):
        if obj.first_contacted_at:
            minutes = int((obj.first_contacted_at - obj.created_at).total_seconds() // 60)
            return gettext("%(minutes)s分钟") % {"minutes": minutes}
        if obj.is_overdue:
            return format_html('<strong class="leads-overdue">{}</strong>', gettext("已超时"))
        if obj.status == Inquiry.Status.NEW:
            return gettext("待联系")
        return "—"

    @admin.display(description=_("通知"))
    def delivery(self, obj):
        if getattr(obj, "failed_count", 0):
            return format_html(
                '<strong class="leads-overdue">{}</strong>',
                gettext("%(n)s条失败") % {"n": obj.failed_count},
            )
        if getattr(obj, "pending_count", 0):
            return gettext("%(n)s条待发") % {"n": obj.pending_count}
        return "✓"

    @admin.display(description=_("咨询对象"))
    def subject_link(self, obj):
        subject = obj.subject
        if subject is None:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            subject.get_absolute_url(),
            subject,
        )

    @admin.display(description=_("重复于"))
    def duplicate_link(self, obj):
        if not obj.duplicate_of_id:
            return "—"
        original = obj.duplicate_of
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:leads_inquiry_change", args=[original.pk]),
            original.reference,
        )

    # -- saving through the services, so every change leaves an event

    def save_model(self, request, obj, form, change):
        if not change:  # pragma: no cover - adding is not allowed
            return
        new_status, new_agent = obj.status, obj.assigned_agent
        before = Inquiry.objects.values("status", "assigned_agent_id").get(pk=obj.pk)
        obj.status = before["status"]
        obj.assigned_agent_id = before["assigned_agent_id"]
        agent_changed = (new_agent.pk if new_agent else None) != before["assigned_agent_id"]
        if agent_changed and "assigned_agent" in form.fields and is_manager(request.user):
            services.reassign(obj, new_agent, actor=request.user)
        if new_status != before["status"]:
            services.change_status(obj, new_status, actor=request.user)
        services.add_note(obj, form.cleaned_data.get("note"), actor=request.user)

    @admin.display(description=_("最匹配的十处"))
    def best_matches(self, obj):
        """The inquiry's ten best matches with their fit; ticked ones go to the prospect
        with the button below them (handled in response_change)."""
        if obj is None or obj.pk is None:
            return ""
        matches = matching.match_inquiry(obj, 10)
        for each in matches:
            each.ref = matching.ref_of(each.obj)
        return render_to_string(
            "admin/leads/inquiry/matches.html",
            {
                "inquiry": obj,
                "matches": matches,
                "requirement": matching.Requirement.from_inquiry(obj),
                "wechat_text": matching.wechat_text(obj, matches),
            },
        )

    def response_change(self, request, obj):
        if "_send_matches" not in request.POST:
            return super().response_change(request, obj)
        objects = matching.objects_from_refs(request.POST.getlist("send_match"))
        if not objects:
            self.message_user(request, gettext("请先勾选要发送的推荐。"), messages.WARNING)
        else:
            emailed, error, _text = matching.send_matches(
                inquiry=obj, objects=objects, actor=request.user
            )
            if emailed:
                note = gettext("已把 %(count)s 处推荐发到客户邮箱，并记入动态。")
            elif error:
                note = gettext("邮件发送失败（%(error)s）；请复制微信文本发给客户。已记入动态。")
            else:
                note = gettext("客户未留邮箱；请复制下方微信文本发给客户。已记入动态。")
            level = messages.WARNING if error else messages.SUCCESS
            self.message_user(request, note % {"count": len(objects), "error": error}, level)
        return HttpResponseRedirect(request.path)

    # -- actions

    def _move(self, request, queryset, status):
        moved = 0
        for inquiry in queryset:
            if services.change_status(inquiry, status, actor=request.user):
                moved += 1
        self.message_user(
            request,
            gettext("已更新%(n)s条咨询。") % {"n": moved},
            messages.SUCCESS,
        )

    @admin.action(description=_("标记为已联系"), permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._move(request, queryset.filter(status=Inquiry.Status.NEW), Inquiry.Status.CONTACTED)

    @admin.action(description=_("标记为无效"), permissions=["change"])
    def mark_spam(self, request, queryset):
        self._move(request, queryset, Inquiry.Status.SPAM)

    def _export(self, request, queryset, file_format):
        if not self.has_export_permission(request):
            raise PermissionDenied
        dataset = InquiryResource().export(queryset)
        dataset.title = gettext("咨询记录")
        content = file_format.export_data(dataset)
        content_type = file_format.get_content_type()
        if not file_format.is_binary():
            content = "\ufeff" + content  # so that Excel reads UTF-8
            content_type += "; charset=utf-8"
        response = HttpResponse(content, content_type=content_type)
        extension = file_format.get_extension()
        filename = f"inquiries-{timezone.localtime():%Y%m%d-%H%M}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        services.record_export(actor=request.user, rows=dataset.height, fmt=extension)
        return response

    @admin.action(description=_("导出为Excel"), permissions=["export"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, exports.XLSX())

    @admin.action(description=_("导出为CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, exports.CSV())

    # -- dashboard (leads.dashboard)

    def get_urls(self):
        return dashboard_views.urls(self.admin_site) + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {})}
        extra_context["show_dashboard_link"] = dashboard_views.can_see_dashboard(request.user)
        return super().changelist_view(request, extra_context)


# ---- routing rules, events, notifications ----------------------------------------


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "is_active", "conditions", "agent_names"]
    list_editable = ["priority", "is_active"]
    list_filter = ["is_active", "kind", "deal"]
    search_fields = ["name", "town"]
    filter_horizontal = ["agents"]
    fieldsets = [
        (None, {"fields": ["name", "priority", "is_active"]}),
        (
            _("条件（全部满足才匹配，留空表示不限）"),
            {"fields": ["kind", "deal", "town", "park", ("area_min", "area_max")]},
        ),
        (_("轮转顾问"), {"fields": ["agents"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("park").prefetch_related("agents")

    def has_module_permission(self, request):
        return is_manager(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_manager(request.user) and super().has_view_permission(request, obj)

    @admin.display(description=_("条件"))
    def conditions(self, obj):
        parts = [
            obj.get_kind_display() if obj.kind else "",
            obj.get_deal_display() if obj.deal else "",
            obj.town,
            str(obj.park) if obj.park_id else "",
        ]
        if obj.area_min is not None or obj.area_max is not None:
            parts.append(f"{obj.area_min or 0}–{obj.area_max or '∞'}㎡")
        return " · ".join(p for p in parts if p) or gettext("不限")

    @admin.display(description=_("轮转顾问"))
    def agent_names(self, obj):
        return "、".join(a.name for a in obj.agents.all()) or "—"


@admin.register(InquiryEvent)
class InquiryEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "inquiry", "operator", "agent", "message"]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["inquiry", "actor__agent", "agent"]
    search_fields = ["=inquiry__reference", "message"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return is_manager(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_manager(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("操作人"), ordering="actor")
    def operator(self, obj):
        return display_name(obj.actor) or "—"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "inquiry",
        "channel",
        "purpose",
        "recipient",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["state", "channel", "purpose"]
    list_select_related = ["inquiry"]
    search_fields = ["=inquiry__reference", "recipient"]
    actions = ["retry_now"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_module_permission(self, request):
        return is_manager(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_manager(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("立即重试"), permissions=["change"])
    def retry_now(self, request, queryset):
        ids = list(queryset.exclude(state=Notification.State.SENT).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(
            state=Notification.State.PENDING,
            attempts=0,
            next_attempt_at=None,
        )
        services.enqueue_notifications(ids)
        self.message_user(
            request, gettext("已重新排队%(n)s条通知。") % {"n": len(ids)}, messages.SUCCESS
        )


# ---- agents' share links (leads.sharing) ------------------------------------------


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    """Read-only: links are made by agents on the site; an agent sees their own."""

    list_display = ["agent", "kind", "page", "made_count", "visit_count", "last_made_at"]
    list_filter = ["kind", ("last_made_at", admin.DateFieldListFilter)]
    list_select_related = ["agent"]
    search_fields = ["agent__name", "path"]
    readonly_fields = [f.name for f in Share._meta.fields]

    def get_queryset(self, request):
        qs = super().get_queryset(request).annotate(visit_total=Count("visits"))
        return scope_to_agent(qs, request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_manager(request.user) and super().has_delete_permission(request, obj)

    @admin.display(description=_("页面"), ordering="path")
    def page(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.path, obj.path)

    @admin.display(description=_("链接访问"), ordering="visit_total")
    def visit_count(self, obj):
        return obj.visit_total


# ---- saved searches (leads.alerts) -------------------------------------------------


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "scope",
        "search_link",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
        "last_sent_at",
        "item_count",
    ]
    list_filter = ["scope", ("confirmed_at", admin.EmptyFieldListFilter), "unsubscribed_at"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    readonly_fields = ["token", "created_at", "last_sent_at", "language"]
    actions = ["unsubscribe_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=Count("items"))

    def has_module_permission(self, request):
        return is_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return is_manager(request.user)

    def has_change_permission(self, request, obj=None):
        return is_manager(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_manager(request.user)

    def has_add_permission(self, request):
        return False  # visitors subscribe themselves (double opt-in)

    @admin.display(description=_("条件"))
    def search_link(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.search_path(),
            obj.query or "—",
        )

    @admin.display(description=_("已推送"), ordering="item_total")
    def item_count(self, obj):
        return obj.item_total

    @admin.action(description=_("退订所选"))
    def unsubscribe_selected(self, request, queryset):
        count = queryset.filter(unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
        self.message_user(request, gettext("已退订 %(count)s 项。") % {"count": count})
