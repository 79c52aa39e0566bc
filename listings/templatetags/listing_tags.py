from decimal import Decimal

from django import template
from django.utils.html import format_html

from g60portal.uploads import thumbnail_url

register = template.Library()

CARD_WIDTHS = (360, 720)
CARD_SIZES = "(min-width: 960px) 360px, (min-width: 640px) 50vw, 100vw"


def _widths(widths):
    if isinstance(widths, str):
        return [int(w) for w in widths.split(",") if w.strip().isdigit()]
    return list(widths)


@register.simple_tag
def responsive_image(
    image, widths=CARD_WIDTHS, sizes=CARD_SIZES, alt="", css_class="", loading="lazy"
):
    """An <img> with a srcset of cached thumbnails; nothing when the picture is missing."""
    if not image:
        return ""
    sources = []
    for width in _widths(widths):
        url = thumbnail_url(image, width)
        if url:
            sources.append((url, width))
    if not sources:
        return ""
    srcset = ", ".join(f"{url} {width}w" for url, width in sources)
    width = sources[0][1]
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" alt="{}" class="{}" loading="{}" '
        'decoding="async" width="{}" height="{}">',
        sources[0][0],
        srcset,
        sizes,
        alt,
        css_class,
        loading,
        width,
        width * 3 // 4,
    )


@register.simple_tag
def thumbnail(image, width=720):
    """The URL of a cached thumbnail of image, or an empty string."""
    if not image:
        return ""
    return thumbnail_url(image, int(width)) or ""


@register.filter
def plain_number(value):
    """1200.00 → 1200, 1.20 → 1.2: numbers without trailing zeros."""
    if value in (None, ""):
        return ""
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except ArithmeticError:
            return value
    value = value.normalize()
    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return f"{value:f}"
