import re
from functools import wraps

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET
from modeltranslation.admin import TranslationAdmin

from articles import services
from articles.forms import ArticleAdminForm, BodyImageForm
from articles.models import Article, ArticleImage, Category, Tag
from core.translations import MissingEnglishFilter

FUNC_NUM = re.compile(r"^-?\d{1,9}$")


def editor_csp(view):
    """The site's CSP with inline styles allowed, for the article edit page only.

    The editor (Tiptap inside django-prose-editor) injects its base stylesheet as a
    <style> element without a nonce, which style-src 'self' blocks (Chromium reports the
    violation as soon as the editor starts). Scripts keep the strict policy (self +
    nonce), so what this opens is styling on one staff-only page, never code."""

    def policy():
        config = {key: list(value) for key, value in settings.SECURE_CSP.items()}
        config["style-src"] = [*config.get("style-src", [CSP.SELF]), CSP.UNSAFE_INLINE]
        return config

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return csp_override(policy())(view)(request, *args, **kwargs)

    return wrapped


class PublicationStateFilter(admin.SimpleListFilter):
    title = _("上线状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("live", _("已上线")),
            ("scheduled", _("定时发布")),
            ("draft", _("草稿")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "draft":
            return queryset.filter(
                Q(status=Article.Status.DRAFT)
                | Q(status=Article.Status.PUBLISHED, published_at__isnull=True)
            )
        return queryset


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ["name", "slug", "position", "article_count", "view_link"]
    list_filter = [MissingEnglishFilter]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    fields = ["name", "slug", "description", "position"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("articles"))

    @admin.display(description=_("文章数"), ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count

    @admin.display(description=_("网页"))
    def view_link(self, obj):
        return format_html('<a href="{}" target="_blank">{}</a>', obj.get_absolute_url(), _("查看"))

    def get_changeform_initial_data(self, request):
        return {"position": (Category.objects.count() + 1) * 10}


@admin.register(Article)
class ArticleAdmin(TranslationAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "category",
        "state_column",
        "published_at",
        "featured",
        "cover_column",
        "preview_link",
    ]
    list_select_related = ["category"]
    list_filter = [PublicationStateFilter, "category", "featured", "status", MissingEnglishFilter]
    list_per_page = 50
    search_fields = ["title", "summary", "source_name"]
    search_help_text = _("按标题、摘要或来源搜索。")
    date_hierarchy = "published_at"
    actions = ["publish_selected", "unpublish_selected", "feature_selected", "unfeature_selected"]
    readonly_fields = ["author", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "category", "summary", "body"]}),
        (_("封面、标签和园区"), {"fields": ["cover", "tags", "parks"]}),
        (_("发布"), {"fields": ["status", "published_at", "featured"]}),
        (_("来源"), {"fields": ["source_name", "source_url"]}),
        (
            _("搜索引擎与分享"),
            {"classes": ["collapse"], "fields": ["seo_title", "seo_description"]},
        ),
        (
            _("记录"),
            {"classes": ["collapse"], "fields": ["author", "created_at", "updated_at"]},
        ),
    ]

    class Media:
        css = {"all": ["css/articles-admin.css"]}

    # ---- List columns --------------------------------------------------------

    @admin.display(description=_("上线状态"))
    def state_column(self, obj):
        if obj.is_public:
            return format_html(
                '<span class="article-state article-state--live">{}</span>', _("已上线")
            )
        if obj.is_scheduled:
            return format_html(
                '<span class="article-state article-state--scheduled">{}</span>', _("定时发布")
            )
        return format_html('<span class="article-state article-state--draft">{}</span>', _("草稿"))

    @admin.display(description=_("封面"))
    def cover_column(self, obj):
        return "✓" if obj.cover else "—"

    @admin.display(description=_("网页"))
    def preview_link(self, obj):
        label = _("查看") if obj.is_public else _("预览")
        return format_html('<a href="{}" target="_blank">{}</a>', obj.get_absolute_url(), label)

    # ---- Actions -------------------------------------------------------------

    @admin.action(description=_("立即发布所选文章"), permissions=["change"])
    def publish_selected(self, request, queryset):
        count = services.publish_now(queryset)
        self.message_user(
            request,
            ngettext("已发布 %(count)d 篇文章。", "已发布 %(count)d 篇文章。", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("撤回所选文章（改为草稿）"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        count = services.unpublish(queryset)
        self.message_user(
            request,
            ngettext("已撤回 %(count)d 篇文章。", "已撤回 %(count)d 篇文章。", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("设为推荐"), permissions=["change"])
    def feature_selected(self, request, queryset):
        count = queryset.update(featured=True, updated_at=timezone.now())
        self.message_user(request, _("已推荐 %(count)d 篇文章。") % {"count": count})

    @admin.action(description=_("取消推荐"), permissions=["change"])
    def unfeature_selected(self, request, queryset):
        count = queryset.update(featured=False, updated_at=timezone.now())
        self.message_user(request, _("已取消推荐 %(count)d 篇文章。") % {"count": count})

    # ---- Saving ----------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self._tell_about_visibility(request, obj)
        return response

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self._tell_about_visibility(request, obj)
        return response

    def _tell_about_visibility(self, request, obj):
        if obj.is_scheduled:
            when = timezone.localtime(obj.published_at).strftime("%Y-%m-%d %H:%M")
            self.message_user(
                request, _("本文将于 %(time)s 自动上线。") % {"time": when}, messages.INFO
            )
        elif not obj.is_public:
            self.message_user(request, _("本文是草稿，访客看不到。"), messages.INFO)

    @method_decorator(editor_csp)
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    # ---- Editor helpers: picture upload and tag suggestions ---------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "upload-image/",
                self.admin_site.admin_view(self.upload_image_view),
                name="{}_{}_upload_image".format(*info),
            ),
            path(
                "tag-autocomplete/",
                self.admin_site.admin_view(self.tag_autocomplete_view),
                name="{}_{}_tag_autocomplete".format(*info),
            ),
            *super().get_urls(),
        ]

    def _check_editor(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied

    def upload_image_view(self, request):
        """The picture window of the editor: upload a picture (checked by its content,
        re-encoded) or pick a recent one; it is handed back to the editor's dialog.
        Answers JSON when asked for it (Accept: application/json)."""
        self._check_editor(request)
        func_num = request.GET.get("CKEditorFuncNum", "")
        if not FUNC_NUM.match(func_num):
            func_num = ""
        wants_json = "application/json" in request.headers.get("Accept", "")
        picture = None
        if request.method == "POST":
            form = BodyImageForm(request.POST, request.FILES)
            if form.is_valid():
                picture = services.store_body_image(
                    form.cleaned_data["image"],
                    alt_text=form.cleaned_data["alt_text"],
                    user=request.user,
                )
                if wants_json:
                    return JsonResponse(
                        {
                            "id": picture.pk,
                            "url": picture.image.url,
                            "width": picture.width,
                            "height": picture.height,
                            "alt": picture.alt_text,
                        },
                        status=201,
                    )
                form = BodyImageForm()
            elif wants_json:
                return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        else:
            form = BodyImageForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("插入图片"),
            "opts": self.opts,
            "form": form,
            "picture": picture,
            "func_num": func_num,
            "recent": ArticleImage.objects.all()[:24],
            "is_popup": True,
        }
        return TemplateResponse(request, "admin/articles/image_picker.html", context)

    @method_decorator(require_GET)
    def tag_autocomplete_view(self, request):
        self._check_editor(request)
        query = request.GET.get("q", "").replace("\x00", "").strip()[:50]
        tags = Tag.objects.all()
        if query:
            tags = tags.filter(name__icontains=query)
        names = list(
            tags.annotate(uses=Count("tagged_articles"))
            .order_by("-uses", "name")
            .values_list("name", flat=True)[:10]
        )
        return JsonResponse({"results": names})


@admin.register(Tag)
class TagAdmin(TranslationAdmin):
    """Tags in both languages; the slug (the address /tags/<slug>/) is made from the
    Chinese name."""

    list_display = ["name", "slug", "article_count"]
    list_filter = [MissingEnglishFilter]
    search_fields = ["name", "slug"]
    fields = ["name", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_article_count=Count("tagged_articles"))

    @admin.display(description=_("文章数"), ordering="_article_count")
    def article_count(self, obj):
        return obj._article_count


@admin.register(ArticleImage)
class ArticleImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["alt_text", "image"]
    readonly_fields = ["thumbnail", "size", "uploaded_by", "uploaded_at"]
    fields = ["image", "thumbnail", "alt_text", "size", "uploaded_by", "uploaded_at"]

    class Media:
        css = {"all": ["css/articles-admin.css"]}

    @admin.display(description=_("预览"))
    def thumbnail(self, obj):
        if not obj.image:
            return "—"
        return format_html(
            '<img class="article-image-thumb" src="{}" alt="" loading="lazy">', obj.image.url
        )

    @admin.display(description=_("尺寸"))
    def size(self, obj):
        return f"{obj.width} × {obj.height}"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def view_on_site(self, obj):
        return obj.image.url if obj.image else None
