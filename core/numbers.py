"""Numbers as the site writes them."""

from decimal import Decimal


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
