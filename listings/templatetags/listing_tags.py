from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.numbers import number_text, plain_number, rmb, rmb_from_wan
from core.uploads import thumbnail_url
from listings.forms import FlagField

register = template.Library()

CARD_WIDTHS = (360, 720)
CARD_SIZES = "(min-width: 960px) 360px, (min-width: 640px) 50vw, 100vw"


def _widths(widths):
    if isinstance(widths, str):
        return [int(w) for w in widths.split(",") if w.strip().isdigit()]
    return list(widths)


@register.simple_tag
def responsive_image(
    image,
    widths=CARD_WIDTHS,
    sizes=CARD_SIZES,
    alt="",
    css_class="",
    loading="lazy",
    fetchpriority="",
):
    """An <img> with a srcset of cached thumbnails; nothing when the picture is missing.
    fetchpriority="high" for the picture that is the first screen's largest (LCP)."""
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
    priority = format_html(' fetchpriority="{}"', fetchpriority) if fetchpriority else ""
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" alt="{}" class="{}" loading="{}"{} '
        'decoding="async" width="{}" height="{}">',
        sources[0][0],
        srcset,
        sizes,
        alt,
        css_class,
        loading,
        priority,
        width,
        width * 3 // 4,
    )


@register.simple_tag
def thumbnail(image, width=720):
    """The URL of a cached thumbnail of image, or an empty string."""
    if not image:
        return ""
    return thumbnail_url(image, int(width)) or ""


@register.simple_tag(takes_context=True)
def absolute_thumbnail(context, image, width=720, default=""):
    """A thumbnail's full URL (for og:image): the object store's URL as it is, a local
    one prefixed with this site's scheme and host; `default` without a picture."""
    url = thumbnail(image, width)
    if not url:
        return default
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


register.filter("plain_number", plain_number)
register.filter("number_text", number_text)  # "11,875.3" in English, "11875.3" in Chinese


@register.simple_tag
def filter_control(bound_field):
    """A filter form control, written directly: Django's widget templates render each
    <option> through the template engine, which costs more than the whole query."""
    field = bound_field.field
    name = bound_field.html_name
    element_id = bound_field.auto_id
    raw = bound_field.data
    current = "" if raw is None else str(raw)
    if isinstance(field, FlagField):
        checked = field.to_python(raw)
        return format_html(
            '<input type="checkbox" name="{}" id="{}" value="1"{}>',
            name,
            element_id,
            mark_safe(" checked") if checked else "",
        )
    if isinstance(field, forms.ChoiceField):
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if str(value) == current else "", label)
                for value, label in field.choices
            ),
        )
        return format_html('<select name="{}" id="{}">{}</select>', name, element_id, options)
    if isinstance(field, forms.DecimalField | forms.IntegerField):
        attrs = field.widget.attrs
        return format_html(
            '<input type="number" name="{}" id="{}" value="{}" step="any" min="0" '
            'inputmode="decimal" placeholder="{}">',
            name,
            element_id,
            current[:20],
            attrs.get("placeholder", ""),
        )
    return format_html(
        '<input type="text" name="{}" id="{}" value="{}" maxlength="100">',
        name,
        element_id,
        current[:100],
    )


@register.filter
def plot_ratio(parcel):
    """A parcel's plot ratio as shown: "1.2–2" for a range, else the one value given."""
    low, high = parcel.plot_ratio_min, parcel.plot_ratio_max
    if low and high and low != high:
        return f"{plain_number(low)}–{plain_number(high)}"
    return plain_number(high or low)


@register.filter
def unit_prices(parcel):
    """ "（62 万元/亩，930 元/㎡）" after a parcel's starting price; "" without a price per mu."""
    if not parcel.price_per_mu:
        return ""
    if _english():
        return f" ({english_unit_prices(parcel)})"
    per_mu, per_sqm = plain_number(parcel.price_per_mu), plain_number(parcel.price_per_sqm)
    return f"（{per_mu} {_('万元/亩')}，{per_sqm} {_('元/㎡')}）"


# ---- money, in Chinese as before and in English as foreign readers write it -------------


def _english():
    return (get_language() or "").startswith("en")


@register.simple_tag
def money_wan(value):
    """An amount in 万元: "2625 万元", or "RMB 26.25 million" on English pages."""
    if value in (None, ""):
        return ""
    if _english():
        return rmb_from_wan(value)
    return f"{plain_number(value)} {_('万元')}"


@register.simple_tag
def price_wan(value):
    """money_wan with the figure in <span class="price__amount"> (the price lines)."""
    if _english():
        return format_html('<span class="price__amount">{}</span>', rmb_from_wan(value))
    return format_html('<span class="price__amount">{}</span> {}', plain_number(value), _("万元"))


@register.simple_tag
def english_rent(price):
    """A rent as English readers write it: "RMB 1.37/m²/day (about RMB 616,500/month)"."""
    text = f"{rmb(price.amount, 2)}/m²/day"
    if price.monthly_wan:
        return format_html(
            '<span class="price__amount">{}</span> <span class="price__total">(about {}/month)</span>',
            text,
            rmb_from_wan(price.monthly_wan),
        )
    return format_html('<span class="price__amount">{}</span>', text)


@register.simple_tag
def english_unit_prices(parcel):
    """ "RMB 634,000 per mu (RMB 952/m²)" for a parcel's starting price."""
    if not parcel.price_per_mu:
        return ""
    return f"{rmb_from_wan(parcel.price_per_mu)} per mu ({rmb(parcel.price_per_sqm)}/m²)"
