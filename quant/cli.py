"""Argument parsing shared by the management commands."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` as a date; anything else is a `CommandError` that quotes the value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}") from exc
