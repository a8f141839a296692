"""quant/templatetags/units.py: the shared number formats, and share quantities in the pages."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.template import Context, Template

from quant.templatetags.units import bps, pct, shares


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("100.000000"), "100"),  # Decimal.normalize() alone would print "1E+2"
        (Decimal("1250"), "1,250"),
        (Decimal("-1234.250000"), "-1,234.25"),
        (Decimal("0.004"), "0.004"),  # a fractional order is not "0.00"
        (0.5, "0.5"),
        (33.333333333, "33.333333"),  # six decimals at most
        (Decimal("-0.0000001"), "0"),
        (None, "—"),
        (math.nan, "—"),
        (Decimal("NaN"), "—"),
        ("abc", "—"),
    ],
)
def test_shares(value: object, text: str) -> None:
    assert shares(value) == text


def test_pct_and_bps_carry_their_unit() -> None:
    assert pct(0.1234) == "12.3%" and bps(0.00125) == "12.5 bps" and pct(None) == "—"


def test_the_tax_pages_use_the_same_share_format() -> None:
    html = Template("{% load tax_format %}{{ q|shares }}").render(Context({"q": Decimal("2500.000000")}))
    assert html == "2,500"
