"""Numbers as the site writes them (core/numbers.py)."""

from decimal import Decimal

import pytest

from core.numbers import plain_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1200.00"), "1200"),
        (Decimal("1.20"), "1.2"),
        (Decimal("0.05"), "0.05"),
        (Decimal("1E+3"), "1000"),
        (3000, "3000"),
        ("2.50", "2.5"),
        (None, ""),
        ("", ""),
    ],
)
def test_numbers_are_written_without_trailing_zeros(value, text):
    assert plain_number(value) == text


def test_what_is_not_a_number_is_left_as_it_is():
    assert plain_number("面议") == "面议"
