"""Argument parsing shared by the management commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.models import SavedResult
from quant.saved.selectors import active_user


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` as a date; anything else is a `CommandError` that quotes the value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}") from exc


def add_save_arguments(parser: CommandParser) -> None:
    """``--save`` and ``--owner USERNAME``, the same on every command that can store its result."""
    parser.add_argument(
        "--save", action="store_true", help="also store the result so it opens in the console (needs --owner)"
    )
    parser.add_argument("--owner", metavar="USERNAME", help="the user who owns the saved result")


def save_owner(opts: dict[str, Any]) -> AbstractBaseUser | None:
    """The owner named by ``--owner`` when ``--save`` is given (None without ``--save``).

    Checked before any work, so a bad ``--owner`` fails at once and nothing is written.
    """
    username = opts.get("owner")
    if not opts.get("save"):
        if username:
            raise CommandError("--owner is only used with --save")
        return None
    if not username:
        raise CommandError("--save needs --owner USERNAME (the user who owns the saved result)")
    user = active_user(username)
    if user is None:
        raise CommandError(f"--owner {username!r}: no active user with that name")
    return user


def saved_line(saved: SavedResult) -> str:
    """The last line a command prints after saving: what was stored, for whom, and where it opens."""
    return f"saved {saved.kind} #{saved.pk} for {saved.owner.get_username()}: {saved.get_absolute_url()}"


def print_saved(command: BaseCommand, saved: SavedResult, *, json_output: bool) -> None:
    """Print :func:`saved_line` last: on stdout, or on stderr after ``--format json`` so that stdout
    stays one JSON document."""
    if json_output:
        command.stderr.write(saved_line(saved), style_func=lambda text: text)
    else:
        command.stdout.write(saved_line(saved))
