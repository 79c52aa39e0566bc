import re

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import timezone
from django.utils.translation import get_language

register = template.Library()

HREFLANG = {"zh-hans": "zh-Hans", "en": "en"}


@register.simple_tag(takes_context=True)
def alternate_urls(context):
    """The current page in every UI language, for hreflang links and the switch.

    A page whose object (a listing, park, parcel, article) has no English version gets
    no English `hreflang` alternate (`alternate` is False; the switch still links it)."""
    request = context.get("request")
    if request is None:
        return []
    current = get_language()
    page_object = context.get("object") or context.get("article")
    chinese_only = page_object is not None and not getattr(page_object, "is_translated", True)
    path = request.get_full_path()
    alternates = []
    for code, name in settings.LANGUAGES:
        url = translate_url(path, code)
        alternates.append(
            {
                "code": code,
                "hreflang": HREFLANG.get(code, code),
                "name": name,
                "url": request.build_absolute_uri(url),
                "path": url,
                "current": code == current,
                "alternate": not (chinese_only and code != settings.LANGUAGE_CODE),
            }
        )
    return alternates


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    request = context.get("request")
    if request is None:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


@register.simple_tag(takes_context=True)
def nav_section(context):
    """The main-navigation entry of this page: its URL name, with the kind on /listings/
    ("listing-list:factory"), where 厂房 and 仓库 are entries of their own."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.url_name == "listing-list":
        return f"listing-list:{request.GET.get('kind', '')}"
    return match.url_name


@register.filter(is_safe=True)
def oneline(text):
    """A block written over several lines as the one line it stands for: each line break
    and the indentation around it go (for the page's <title>)."""
    return re.sub(r"\s*\n\s*", "", text).strip()


@register.filter
def html_datetime(value):
    """A date and time for <time datetime> and scripts: local time to the second with its
    offset (2026-12-01T09:30:00+08:00). Django's "c" format keeps microseconds, which HTML
    does not accept."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()
