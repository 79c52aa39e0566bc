"""What English pages need around translated content (docs/english.md).

Where a text has no English version the Chinese original is shown, marked with
``lang="zh-Hans"`` (``{% lang_attr obj "title" %}`` on the element holding it) under a
short note (``{% chinese_only_note obj %}``). Dates read "1 Dec 2026" in English and stay
"2026-12-01" in Chinese; town names are written in pinyin."""

import re

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.translations import has_english, is_english
from listings.places import place_name

register = template.Library()

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


@register.simple_tag
def lang_attr(obj, *names):
    """` lang="zh-Hans"` when this is an English page and one of the fields `names` of
    `obj` is shown in Chinese (it has no English yet); "" otherwise."""
    if obj is None or not is_english():
        return ""
    if all(has_english(obj, name) for name in names):
        return ""
    return mark_safe(' lang="zh-Hans"')


@register.simple_tag
def chinese_only_note(obj):
    """The note over a page whose content is (partly) the Chinese original."""
    if obj is None or not getattr(obj, "shows_chinese", False):
        return ""
    return format_html(
        '<p class="note note--chinese-only" role="note">{}</p>',
        _("此内容暂无英文版，以下为中文原文。"),
    )


@register.filter(expects_localtime=True)
def day(value):
    """A date as the page's language writes it: 2026-12-01 / 1 Dec 2026."""
    if not value:
        return ""
    return date_filter(value, "j M Y" if is_english() else "Y-m-d")


@register.filter(expects_localtime=True)
def day_time(value):
    """A date and time: 2026-12-01 15:00 / 1 Dec 2026, 15:00."""
    if not value:
        return ""
    return date_filter(value, "j M Y, H:i" if is_english() else "Y-m-d H:i")


@register.filter
def place(value):
    """A district or town name, in pinyin on English pages ("新桥镇" → "Xinqiao Town")."""
    return place_name(value)


@register.simple_tag
def text(obj, name):
    """Field `name` of `obj`, escaped; on English pages wrapped in
    `<span lang="zh-Hans">` when it is the Chinese original."""
    value = getattr(obj, name, "") or ""
    if lang_attr(obj, name):
        return format_html('<span lang="zh-Hans">{}</span>', value)
    return value


@register.simple_tag
def chinese(value):
    """A value that stays Chinese in every language (a land-office announcement number):
    escaped, and on English pages wrapped in `<span lang="zh-Hans">` when it has Han
    characters. Chinese pages print it as it is."""
    value = value or ""
    if is_english() and HAN.search(str(value)):
        return format_html('<span lang="zh-Hans">{}</span>', value)
    return value


@register.simple_tag
def zh_attr():
    """` lang="zh-Hans"` on English pages, for text that is always Chinese (tag names)."""
    return mark_safe(' lang="zh-Hans"') if is_english() else ""


@register.simple_tag(takes_context=True)
def translated_toggle_url(context):
    """This list with `translated=1` switched (other filters kept, back to page one)."""
    request = context["request"]
    params = request.GET.copy()
    params.pop("page", None)
    if params.get("translated") == "1":
        params.pop("translated")
    else:
        params["translated"] = "1"
    query = params.urlencode()
    return f"{request.path}?{query}" if query else request.path
