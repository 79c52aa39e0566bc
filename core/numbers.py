"""Numbers as the site writes them."""

from decimal import Decimal

from django.utils.translation import get_language


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


# ---- money in English (docs/english.md) ---------------------------------------------------
# Chinese pages write amounts in 万元 (10,000 yuan) as the trade does; English readers get
# yuan with thousands separators, "million" from a million up: "RMB 26.25 million".

WAN = Decimal(10_000)
MILLION = Decimal(1_000_000)


def grouped(value, places=0):
    """616500 → "616,500"; 1.37 with places=2 → "1.37" (trailing zeros dropped)."""
    value = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    whole, _dot, fraction = f"{value:,f}".partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def rmb(yuan, places=0):
    """An amount in yuan: "RMB 616,500", "RMB 26.25 million"."""
    if yuan in (None, ""):
        return ""
    yuan = Decimal(str(yuan))
    if abs(yuan) >= MILLION:
        return f"RMB {grouped(yuan / MILLION, 2)} million"
    return f"RMB {grouped(yuan, places)}"


def rmb_from_wan(wan):
    """An amount given in 万元, in yuan: 2625 → "RMB 26.25 million", 63.4 → "RMB 634,000"."""
    if wan in (None, ""):
        return ""
    return rmb(Decimal(str(wan)) * WAN)


def wan_text(value):
    """An amount in 万元 for a sentence whose unit the translation carries: the figure as
    given on Chinese pages ("1104", the text says 万元), "RMB 11.04 million" in English."""
    if (get_language() or "").startswith("en"):
        return rmb_from_wan(value)
    return value


def number_text(value):
    """A measure as the page's language writes it: plain_number on Chinese pages
    ("11875.3"), with thousands separators in English ("11,875.3")."""
    text = plain_number(value)
    if not text or not (get_language() or "").startswith("en"):
        return text
    whole, dot, fraction = str(text).partition(".")
    try:
        whole = f"{int(whole):,}"
    except ValueError:
        return text
    return f"{whole}{dot}{fraction}"
