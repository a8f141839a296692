"""Units on every number: ``{% load units %}`` then ``{{ x|pct }}`` (decimal → "12.3%") and
``{{ x|bps }}`` (decimal → "12.5 bps"). Missing or non-finite values show an em dash."""

from __future__ import annotations

import math

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
