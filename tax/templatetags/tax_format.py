"""Money and share formatting for the tax pages (Decimal in, text out)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from quant.templatetags.units import shares

register = template.Library()


@register.filter
def usd(value: Decimal | None) -> str:
    """``-1234.5`` → ``−$1,234.50``; None → ``—``."""
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


register.filter("shares", shares)  # the one share format (quant's units library)
