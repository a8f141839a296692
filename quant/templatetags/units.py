"""Units on every number: ``{% load units %}`` then ``{{ x|pct }}`` (decimal → "12.3%"),
``{{ x|bps }}`` (decimal → "12.5 bps") and ``{{ q|shares }}`` (a share quantity: "1,250",
"0.5"). Missing or non-finite values show an em dash."""

from __future__ import annotations

import contextlib
import math
from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def finite_number(value: object) -> float | None:
    """A finite float from a template value; None for missing, booleans, text and NaN/inf."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@register.filter
def pct(value: object, digits: int = 1) -> str:
    """0.1234 -> "12.3%"; missing -> an em dash."""
    number = finite_number(value)
    return "—" if number is None else f"{number * 100:.{int(digits)}f}%"


@register.filter
def bps(value: object, digits: int = 1) -> str:
    """0.00125 -> "12.5 bps"; missing -> an em dash."""
    number = finite_number(value)
    return "—" if number is None else f"{number * 1e4:.{int(digits)}f} bps"


@register.filter
def shares(value: object, places: int = 6) -> str:
    """A share quantity, thousands separated, to ``places`` decimals without trailing zeros:
    Decimal("100.000000") -> "100", 0.5 -> "0.5", -1234.25 -> "-1,234.25"; missing -> an em dash.
    (Fractional shares stay visible: a 0.004-share order is not "0.00".)"""
    if isinstance(value, Decimal):
        amount = value
    else:
        number = finite_number(value)
        if number is None:
            return "—"
        amount = Decimal(repr(number))
    if not amount.is_finite():
        return "—"
    with contextlib.suppress(InvalidOperation):  # more digits than the context holds: shown as it is
        amount = amount.quantize(Decimal(1).scaleb(-int(places)))
    text = f"{amount.normalize():,f}"
    return "0" if text == "-0" else text
