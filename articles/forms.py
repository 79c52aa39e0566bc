import re

from django import forms
from django.urls import reverse_lazy
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget
from taggit.forms import TagField, TagWidget

from articles.models import Article
from core.sanitize import clean_html
from core.uploads import CheckedImageFormField

TAG_MAX_LENGTH = 50
TAGS_MAX_COUNT = 20

# What the body editor offers; core.sanitize allows all of it (and nothing more).
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    # "Browse…" in the picture dialog opens our upload page in a small window.
    "Figure": {"pickerUrl": reverse_lazy("admin:articles_article_upload_image")},
    "Image": True,
    "Caption": True,
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "HTML": True,
    "History": True,
}

# Editors type Chinese punctuation between tags as often as commas.
_TAG_SEPARATORS = re.compile(r"[，、；;]")


def split_tags(value):
    """Tag names from a string like "智能制造，集成电路、G60"; strips and de-duplicates."""
    names = []
    for part in _TAG_SEPARATORS.sub(",", value or "").split(","):
        name = part.strip().strip('"').strip()
        if name and name not in names:
            names.append(name)
    return names


def validate_tag_names(names):
    if len(names) > TAGS_MAX_COUNT:
        raise forms.ValidationError(
            _("标签最多 %(max)d 个。"), code="too_many", params={"max": TAGS_MAX_COUNT}
        )
    for name in names:
        if len(name) > TAG_MAX_LENGTH:
            raise forms.ValidationError(
                _("标签“%(name)s…”太长，最多 %(max)d 个字。"),
                code="too_long",
                params={"name": name[:10], "max": TAG_MAX_LENGTH},
            )
        if not slugify(name, allow_unicode=True):
            raise forms.ValidationError(
                _("标签“%(name)s”须包含文字或数字。"), code="no_text", params={"name": name}
            )
    return names


class TagAutocompleteWidget(TagWidget):
    """A text input of tags that suggests existing tags as the editor types."""

    class Media:
        js = ["js/articles-admin-tags.js"]
        css = {"all": ["css/articles-admin.css"]}

    def __init__(self, attrs=None):
        attrs = {
            "class": "vTextField",
            "autocomplete": "off",
            "data-tag-autocomplete": reverse_lazy("admin:articles_article_tag_autocomplete"),
            **(attrs or {}),
        }
        super().__init__(attrs)


class ChineseTagField(TagField):
    widget = TagAutocompleteWidget

    def clean(self, value):
        value = forms.CharField.clean(self, value)
        return sorted(validate_tag_names(split_tags(value)))


class ArticleAdminForm(forms.ModelForm):
    # The body in each language (django-modeltranslation's body_zh_hans and body_en).
    body_zh_hans = ProseEditorFormField(
        label=_("正文 [中文]"),
        required=False,
        config={"extensions": BODY_EDITOR_EXTENSIONS},
        sanitize=clean_html,
        widget=AdminProseEditorWidget,
        help_text=_(
            "插入图片：点击工具栏的图片按钮，再点“Browse…”上传。保存时会清理不安全的内容。"
        ),
    )
    body_en = ProseEditorFormField(
        label=_("正文 [英文]"),
        required=False,
        config={"extensions": BODY_EDITOR_EXTENSIONS},
        sanitize=clean_html,
        widget=AdminProseEditorWidget,
        help_text=_("英文版正文；留空则英文页面显示中文原文并注明。"),
    )
    tags = ChineseTagField(
        label=_("标签"),
        required=False,
        help_text=_("用逗号或顿号分隔，如：智能制造，集成电路。输入时会提示已有标签。"),
    )

    class Meta:
        model = Article
        fields = [
            "title_zh_hans",
            "title_en",
            "category",
            "summary_zh_hans",
            "summary_en",
            "body_zh_hans",
            "body_en",
            "cover",
            "tags",
            "parks",
            "status",
            "published_at",
            "featured",
            "source_name_zh_hans",
            "source_name_en",
            "source_url",
            "seo_title_zh_hans",
            "seo_title_en",
            "seo_description_zh_hans",
            "seo_description_en",
        ]
        widgets = {
            "summary_zh_hans": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "summary_en": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "parks": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "summary_zh_hans": _("列表和分享时显示；留空则自动取正文开头。"),
            "summary_en": _("留空则自动取英文正文开头。"),
            "status": _("“已发布”且发布时间已到，访客才能看到。"),
            "published_at": _("留空则发布时取当前时间；填写将来的时间即定时发布。"),
            "featured": _("推荐的文章在资讯首页置顶显示。"),
            "source_name_zh_hans": _("转载时填写原发布单位，如：松江区人民政府。"),
            "seo_title_zh_hans": _("留空则使用标题。"),
            "seo_description_zh_hans": _("留空则使用摘要。"),
        }


class BodyImageForm(forms.Form):
    image = CheckedImageFormField(label=_("图片"))
    alt_text = forms.CharField(
        label=_("图片说明"),
        max_length=200,
        required=False,
        help_text=_("简要描述图片内容，方便视障读者和搜索引擎。"),
    )
