"""Number formatting for backtest pages: percentages and heatmap colours."""

from __future__ import annotations

import math

from django import template

register = template.Library()


def _number(value: object) -> float | None:
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
    number = _number(value)
    return "—" if number is None else f"{number * 100:.{int(digits)}f}%"


@register.filter
def num(value: object, digits: int = 2) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.{int(digits)}f}"


@register.filter
def bps(value: object, digits: int = 2) -> str:
    """A fraction in basis points: 0.00012 -> "1.20"."""
    number = _number(value)
    return "—" if number is None else f"{number * 1e4:.{int(digits)}f}"


@register.filter
def heat(value: object, scale: float = 0.05) -> str:
    """Background colour of a monthly return: green up, red down, saturating at +/- ``scale``."""
    number = _number(value)
    if number is None:
        return "transparent"
    strength = min(abs(number) / float(scale), 1.0)
    alpha = round(0.12 + 0.68 * strength, 2)
    return f"rgba(22, 150, 80, {alpha})" if number >= 0 else f"rgba(205, 50, 50, {alpha})"
