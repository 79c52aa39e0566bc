from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from core.translations import MissingEnglishFilter
from core.uploads import thumbnail_url
from listings import permissions
from listings.models import Agent, LandParcel, Listing, ListingImage, Park, ParkImage
from listings.resources import LandParcelResource, ListingResource, template_workbook


def thumbnail_html(image, width=120):
    if not image:
        return "—"
    url = thumbnail_url(image, 360)
    if not url:
        return "—"
    return format_html('<img src="{}" alt="" width="{}" class="admin-thumbnail">', url, width)


class OrderedImageInline(TranslationTabularInline):
    extra = 1
    fields = ["preview", "image", "caption", "position"]
    readonly_fields = ["preview"]
    ordering = ["position", "pk"]

    @admin.display(description=_("预览"))
    def preview(self, obj):
        return thumbnail_html(obj.image if obj and obj.pk else None)


class ListingImageInline(OrderedImageInline):
    model = ListingImage
    verbose_name_plural = _("房源图片（排序数字小的在前，第一张为封面）")


class ParkImageInline(OrderedImageInline):
    model = ParkImage


class AgentScopedAdmin(TranslationAdmin):
    """An agent (a staff user linked to an Agent, not a manager) sees and edits only the
    rows whose agent is theirs, and cannot hand a row to someone else."""

    def get_queryset(self, request):
        return permissions.scope_to_agent(super().get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if permissions.scoped_agent(request.user) is not None:
            readonly.append("agent")
        return readonly

    def save_model(self, request, obj, form, change):
        agent = permissions.scoped_agent(request.user)
        if agent is not None and not change:
            obj.agent = agent
        super().save_model(request, obj, form, change)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if permissions.scoped_agent(request.user) is not None:
            filters = [f for f in filters if not (isinstance(f, tuple) and f[0] == "agent")]
        return filters


class FreshnessFilter(admin.SimpleListFilter):
    title = _("核实情况")
    parameter_name = "freshness"

    def lookups(self, request, model_admin):
        return [("stale", _("已过期（需核实）")), ("fresh", _("有效"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.stale()
        if self.value() == "fresh":
            return queryset.fresh()
        return queryset


class LandStatusFilter(admin.SimpleListFilter):
    title = _("当前状态")
    parameter_name = "current_status"

    def lookups(self, request, model_admin):
        return LandParcel.Status.choices

    def queryset(self, request, queryset):
        if self.value() in LandParcel.Status.values:
            return queryset.in_status(self.value())
        return queryset


IMPORT_PREVIEW_ROWS = 100


class LimitedImportForm(ImportForm):
    """The import form, refusing a file over settings.IMPORT_MAX_BYTES before it is read
    (the row limit is the resource's)."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size)s）：一次最多导入 %(limit)s，请分成几个文件导入。")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.IMPORT_MAX_BYTES),
                },
                code="too_large",
            )
        return upload


class TemplateDownloadMixin:
    """A download of an empty import template (Excel) with the Chinese column headers."""

    import_template_name = "listings/admin/import.html"
    import_form_class = LimitedImportForm
    # The file waits between the preview and the confirmation in the shared cache (Redis
    # in production), not on the disk of whichever web host served the preview.
    tmp_storage_class = "import_export.tmp_storages.MediaStorage"
    # One admin log entry per imported row would double the time of a large import.
    skip_admin_log = True

    def get_urls(self):
        return [
            path(
                "import-template/",
                self.admin_site.admin_view(self.import_template_view),
                name=self.import_template_url_name(),
            ),
            *super().get_urls(),
        ]

    def import_template_url_name(self):
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_import_template"

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            return HttpResponse(status=403)
        content = template_workbook(self.resource_classes[0])
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"{self.model._meta.model_name}-import-template.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def has_import_permission(self, request):
        # Imports write many rows at once, for any agent: managers only.
        return permissions.is_manager(request.user) and super().has_import_permission(request)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["import_template_url"] = reverse(f"admin:{self.import_template_url_name()}")
        context["import_columns"] = self.resource_classes[0].documented_columns()
        context["import_max_rows"] = settings.IMPORT_MAX_ROWS
        context["import_max_mb"] = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        # A preview of 20,000 rows would be a page of tens of megabytes: the counts and
        # the first rows show what the import will do; every invalid row is still listed.
        context["preview_rows"] = IMPORT_PREVIEW_ROWS
        context["preview_slice"] = f":{IMPORT_PREVIEW_ROWS}"
        return context


WEBHOOK_FIELDS = ["webhook_kind", "webhook_url", "webhook_secret"]


class OwnWebhookForm(forms.ModelForm):
    """An agent's own group-bot settings, write-only: the page says whether a URL and a
    secret are set, never what they are; a blank box keeps what is stored."""

    clear_webhook = forms.BooleanField(label=_("清除群机器人设置"), required=False)

    class Meta:
        model = Agent
        fields = [*WEBHOOK_FIELDS, "clear_webhook"]
        widgets = {
            "webhook_url": forms.PasswordInput(render_value=False),
            "webhook_secret": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("webhook_url", "webhook_secret"):
            field = self.fields[name]
            field.widget.attrs["autocomplete"] = "off"
            field.help_text = (
                _("已设置；留空则保持不变。") if getattr(self.instance, name) else _("未设置。")
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_webhook"):
            cleaned.update(webhook_kind="", webhook_url="", webhook_secret="")
            return cleaned
        for name in ("webhook_url", "webhook_secret"):
            if not cleaned.get(name) and name not in self.errors:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


@admin.register(Agent)
class AgentAdmin(TranslationAdmin):
    """Webhook URLs carry the bot's access token and secrets sign its messages: only
    managers see and edit them; an agent may set their own, write-only."""

    list_display = ["name", "mobile", "wechat_id", "user", "is_active", "accepts_leads"]
    list_filter = ["is_active", "accepts_leads", "webhook_kind", MissingEnglishFilter]
    search_fields = ["name", "mobile", "wechat_id", "email"]
    autocomplete_fields = ["user"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "title", "mobile", "email", "user", "is_active", "accepts_leads"]},
        ),
        (_("微信"), {"fields": ["wechat_id", "wechat_qr", "photo"]}),
        (_("群机器人"), {"fields": WEBHOOK_FIELDS}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @staticmethod
    def _is_own(request, obj):
        agent = permissions.agent_for(request.user)
        return obj is not None and agent is not None and agent.pk == obj.pk

    def _sets_own_webhook(self, request, obj):
        return not permissions.is_manager(request.user) and self._is_own(request, obj)

    def has_change_permission(self, request, obj=None):
        if self._sets_own_webhook(request, obj):
            return True
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        # Each translated field as its Chinese and English inputs (name_zh_hans, name_en).
        return [
            (name, {**options, "fields": self.replace_orig_field(options["fields"])})
            for name, options in self._fieldsets_for(request, obj)
        ]

    def _fieldsets_for(self, request, obj):
        if permissions.is_manager(request.user):
            return self.fieldsets
        others = [
            fieldset for fieldset in self.fieldsets if fieldset[1]["fields"] != WEBHOOK_FIELDS
        ]
        if self._sets_own_webhook(request, obj):
            webhook = [*WEBHOOK_FIELDS, "clear_webhook"]
        else:
            webhook = ["webhook_kind", "webhook_status"]
        return [*others, (_("群机器人"), {"fields": webhook})]

    def get_readonly_fields(self, request, obj=None):
        if permissions.is_manager(request.user):
            return []
        readonly = ["webhook_status"]
        if self._sets_own_webhook(request, obj):
            # Everything but their own bot settings stays as the managers set it.
            for _name, options in self.fieldsets:
                readonly += [f for f in options["fields"] if f not in WEBHOOK_FIELDS]
        return self.replace_orig_field(readonly)

    def get_form(self, request, obj=None, **kwargs):
        if self._sets_own_webhook(request, obj):
            kwargs["form"] = OwnWebhookForm
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=_("群机器人Webhook地址与密钥"))
    def webhook_status(self, obj):
        if obj is None or not obj.webhook_url:
            return _("未设置")
        return _("已设置（仅管理员可查看）")


@admin.register(Park)
class ParkAdmin(TranslationAdmin):
    list_display = ["name", "town", "agent", "is_published", "position"]
    list_editable = ["position"]
    list_filter = ["is_published", "district", "town", MissingEnglishFilter]
    list_select_related = ["agent"]
    search_fields = ["name", "slug", "town", "leading_industries"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["agent"]
    # Named, so the place fields the model inherits keep their place on the form.
    fields = [
        "name",
        "slug",
        "district",
        "town",
        "planned_area_km2",
        "core_area_mu",
        "leading_industries",
        "summary",
        "introduction",
        "address",
        "longitude",
        "latitude",
        "cover",
        "agent",
        "is_published",
        "position",
    ]
    inlines = [ParkImageInline]


@admin.register(Listing)
class ListingAdmin(TemplateDownloadMixin, ImportExportMixin, AgentScopedAdmin):
    resource_classes = [ListingResource]
    list_display = [
        "cover_thumbnail",
        "code",
        "title",
        "kind",
        "deal",
        "status",
        "building_area",
        "price_display",
        "town",
        "agent",
        "verified",
        "featured",
    ]
    list_display_links = ["code", "title"]
    list_filter = [
        "kind",
        "deal",
        "status",
        FreshnessFilter,
        "district",
        "town",
        ("park", admin.RelatedOnlyFieldListFilter),
        ("agent", admin.RelatedOnlyFieldListFilter),
        "eia_approvable",
        "standalone",
        "featured",
        MissingEnglishFilter,
    ]
    list_select_related = ["park", "agent"]
    search_fields = ["code", "title", "address"]
    autocomplete_fields = ["agent", "park"]
    date_hierarchy = "published_at"
    list_per_page = 50
    inlines = [ListingImageInline]
    actions = ["mark_let", "mark_sold", "mark_withdrawn", "mark_verified_today"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "title", "kind", "deal", "status", "featured"]}),
        (_("位置"), {"fields": ["district", "town", "park", "address", "longitude", "latitude"]}),
        (
            _("面积与建筑"),
            {
                "fields": [
                    "building_area",
                    "land_area",
                    "min_divisible_area",
                    "floors",
                    "storey",
                    "floor_height",
                    "floor_load",
                    "power_kva",
                    "crane_tonnage",
                ]
            },
        ),
        (
            _("特点"),
            {
                "fields": [
                    "eia_approvable",
                    "standalone",
                    "single_storey",
                    "has_certificate",
                    "truck_access",
                    "expressway_km",
                    "expressway_name",
                ]
            },
        ),
        (
            _("价格"),
            {
                "fields": [
                    "rent_price",
                    "sale_price",
                    "negotiable",
                    "property_fee",
                    "payment_terms",
                ]
            },
        ),
        (_("描述"), {"fields": ["description"]}),
        (
            _("发布"),
            {"fields": ["agent", "published_at", "last_verified_at", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("images")

    @admin.display(description=_("封面"))
    def cover_thumbnail(self, obj):
        cover = obj.cover
        return thumbnail_html(cover.image if cover else None, width=64)

    @admin.display(description=_("价格"))
    def price_display(self, obj):
        return obj.price_text

    @admin.display(description=_("最近核实"), ordering="last_verified_at")
    def verified(self, obj):
        date = obj.last_verified_at.date() if obj.last_verified_at else "—"
        if obj.is_stale:
            return format_html(
                '<strong class="stale-flag" title="{}">⚠ {}</strong>',
                _("超过核实期限，前台已不显示"),
                date,
            )
        return date

    def _set_status(self, request, queryset, status):
        updated = queryset.update(status=status, updated_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(n)d 套房源已更新。", "%(n)d 套房源已更新。", updated) % {"n": updated},
            messages.SUCCESS,
        )

    @admin.action(description=_("标记为已出租"), permissions=["change"])
    def mark_let(self, request, queryset):
        self._set_status(request, queryset, Listing.Status.LET)

    @admin.action(description=_("标记为已售"), permissions=["change"])
    def mark_sold(self, request, queryset):
        self._set_status(request, queryset, Listing.Status.SOLD)

    @admin.action(description=_("标记为已撤回"), permissions=["change"])
    def mark_withdrawn(self, request, queryset):
        self._set_status(request, queryset, Listing.Status.WITHDRAWN)

    @admin.action(description=_("标记为今天已核实"), permissions=["change"])
    def mark_verified_today(self, request, queryset):
        now = timezone.now()
        updated = queryset.update(last_verified_at=now, updated_at=now)
        self.message_user(
            request,
            ngettext("%(n)d 套房源已标记为今天核实。", "%(n)d 套房源已标记为今天核实。", updated)
            % {"n": updated},
            messages.SUCCESS,
        )


@admin.register(LandParcel)
class LandParcelAdmin(TemplateDownloadMixin, ImportExportMixin, AgentScopedAdmin):
    resource_classes = [LandParcelResource]
    list_display = [
        "code",
        "location",
        "town",
        "land_use",
        "area",
        "starting_price",
        "status_display",
        "bidding_closes_at",
        "agent",
    ]
    list_display_links = ["code", "location"]
    list_filter = [
        LandStatusFilter,
        "status",
        "land_use",
        "method",
        "district",
        "town",
        ("park", admin.RelatedOnlyFieldListFilter),
        ("agent", admin.RelatedOnlyFieldListFilter),
        MissingEnglishFilter,
    ]
    list_select_related = ["park", "agent"]
    search_fields = ["code", "title", "location", "announcement_no"]
    autocomplete_fields = ["agent", "park"]
    date_hierarchy = "bidding_closes_at"
    actions = ["mark_sold", "mark_withdrawn"]
    fieldsets = [
        (None, {"fields": ["code", "title", "announcement_no", "method", "status", "featured"]}),
        (
            _("位置"),
            {
                "fields": [
                    "district",
                    "town",
                    "park",
                    "location",
                    ("boundary_east", "boundary_south"),
                    ("boundary_west", "boundary_north"),
                    "longitude",
                    "latitude",
                ]
            },
        ),
        (
            _("规划条件"),
            {
                "fields": [
                    "land_use",
                    "area",
                    ("plot_ratio_min", "plot_ratio_max"),
                    "building_density",
                    "green_ratio",
                    "height_limit",
                    "lease_years",
                    "investment_intensity",
                    "tax_per_mu",
                ]
            },
        ),
        (
            _("时间与价格"),
            {
                "fields": [
                    "announced_at",
                    "registration_closes_at",
                    "bidding_opens_at",
                    "bidding_closes_at",
                    "starting_price",
                    "deposit",
                    "increment",
                ]
            },
        ),
        (_("成交结果"), {"fields": ["result_price", "winner"]}),
        (_("备注"), {"fields": ["notes"]}),
        (_("发布"), {"fields": ["source_url", "agent", "published_at"]}),
    ]

    @admin.display(description=_("当前状态"))
    def status_display(self, obj):
        return obj.get_current_status_display()

    @admin.action(description=_("标记为已售（需已填成交价）"), permissions=["change"])
    def mark_sold(self, request, queryset):
        missing = queryset.filter(result_price__isnull=True).count()
        updated = queryset.filter(result_price__isnull=False).update(
            status=LandParcel.Status.SOLD, updated_at=timezone.now()
        )
        self.message_user(request, _("%(n)d 宗地块已标记为已售。") % {"n": updated})
        if missing:
            self.message_user(
                request,
                _("%(n)d 宗地块没有成交价，未更改。") % {"n": missing},
                messages.WARNING,
            )

    @admin.action(description=_("标记为已撤回"), permissions=["change"])
    def mark_withdrawn(self, request, queryset):
        updated = queryset.update(status=LandParcel.Status.WITHDRAWN, updated_at=timezone.now())
        self.message_user(request, _("%(n)d 宗地块已标记为已撤回。") % {"n": updated})
