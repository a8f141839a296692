"""``{% security permno as_of %}``: a permno with its ticker and company name as of a date.

One look-up table per request (``warehouse.selectors.security_names``, one read of ``crsp_names``),
so a table of hundreds of rows costs one read. Without a request in the context (a partial rendered
outside a view) the table is built per template render.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html

from warehouse.selectors import SecurityNames, security_names

register = template.Library()
_ATTR = "_quantdesk_security_names"


def _table(context: template.Context) -> SecurityNames:
    holder = context.get("request") or context.render_context
    table = getattr(holder, _ATTR, None) if holder is not context.render_context else holder.get(_ATTR)
    if table is None:
        table = security_names()
        if holder is context.render_context:
            holder[_ATTR] = table
        else:
            setattr(holder, _ATTR, table)
    return table


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@register.simple_tag(takes_context=True)
def security(context: template.Context, permno: object, as_of: object = None) -> str:
    """``<ticker> <name> (<permno>)``; the bare permno when the names table does not know it."""
    try:
        key = int(permno)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return format_html("{}", permno)
    when = _date(as_of)
    found = _table(context).get(key, when)
    if found is None:
        return format_html('<span class="sec"><code>{}</code></span>', key)
    return format_html(
        '<span class="sec"><strong>{}</strong> <span class="sec-name">{}</span> <code>{}</code></span>',
        found.ticker or "—",
        found.name,
        key,
    )
