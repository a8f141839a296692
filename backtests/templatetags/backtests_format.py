"""Number formatting for backtest pages: percentages, heatmap colours, the optimizer settings."""

from __future__ import annotations

import math

from django import template

from backtests.configs import OPTIMIZER_OBJECTIVE_LABELS

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
def usd(value: object, digits: int = 0) -> str:
    """Dollars with thousands separators and a sign for losses: -1234.5 -> "-$1,235"."""
    number = _number(value)
    if number is None:
        return "—"
    text = f"${abs(number):,.{int(digits)}f}"
    return f"-{text}" if number < 0 and round(abs(number), int(digits)) else text


@register.filter
def signed_usd(value: object, digits: int = 0) -> str:
    """Like :func:`usd` with a plus sign on gains (day P&L)."""
    number = _number(value)
    if number is None:
        return "—"
    return ("+" if number > 0 and round(number, int(digits)) else "") + usd(number, digits)


@register.filter
def tag_list(value: object) -> list[str]:
    """A trade note's stored tags ``"earnings,gap"`` as a list."""
    return [t for t in str(value or "").split(",") if t]


@register.filter
def heat(value: object, scale: float = 0.05) -> str:
    """Background colour of a monthly return: green up, red down, saturating at +/- ``scale``."""
    number = _number(value)
    if number is None:
        return "transparent"
    strength = min(abs(number) / float(scale), 1.0)
    alpha = round(0.12 + 0.68 * strength, 2)
    return f"rgba(22, 150, 80, {alpha})" if number >= 0 else f"rgba(205, 50, 50, {alpha})"


@register.filter
def optimizer_summary(spec: object) -> str:
    """A config's ``optimizer`` dict in words: objective (λ for mean-variance), cap, turnover cap."""
    if not isinstance(spec, dict):
        return "—"
    objective = str(spec.get("objective"))
    parts = [OPTIMIZER_OBJECTIVE_LABELS.get(objective, objective)]
    if objective == "mean_variance":
        parts[0] += f" (risk aversion λ = {_plain(spec.get('risk_aversion'))})"
    parts.append(f"max {_plain(spec.get('max_weight'), 100)} % of NAV per name")
    turnover = _number(spec.get("turnover"))
    parts.append(f"turnover ≤ {_plain(turnover, 100)} % of NAV per rebalance" if turnover else "no turnover cap")
    return ", ".join(parts)


def _plain(value: object, scale: float = 1.0) -> str:
    """Shortest form of a setting as typed: 0.05 x 100 -> "5", 0.025 x 100 -> "2.5" (not 2.5000000000000004)."""
    number = _number(value)
    return "—" if number is None else f"{round(number * scale, 8):g}"
