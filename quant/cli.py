"""Argument parsing shared by the management commands."""

from __future__ import annotations

import datetime as dt
import json
import math
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


# --- bad input: one line, exit code 2; JSON that any parser accepts -------------------------------
INPUT_ERROR_EXIT = 2


def input_error(message: str) -> CommandError:
    """A user-input problem: ``manage.py`` prints ``CommandError: <message>`` and exits 2."""
    return CommandError(message, returncode=INPUT_ERROR_EXIT)


def require_range(
    name: str, value: float | None, *, low: float | None = None, high: float | None = None,
    low_open: bool = False, high_open: bool = False, unit: str = "",
) -> None:  # fmt: skip
    """Refuse a non-finite ``value`` or one outside [low, high] (``*_open``: bound excluded)."""
    if value is None:
        return
    if not math.isfinite(value):
        raise input_error(f"{name} must be a finite number, got {value}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        lo = "" if low is None else f"{'>' if low_open else '>='} {low:g}"
        hi = "" if high is None else f"{'<' if high_open else '<='} {high:g}"
        bounds = " and ".join(b for b in (lo, hi) if b)
        raise input_error(f"{name} must be {bounds}{unit}, got {value:g}")


def finite_json(payload: Any, **dumps: Any) -> str:
    """``json.dumps`` of ``payload`` where every NaN/inf float becomes ``null`` and is explained
    under ``"null_reasons"`` (``{"betas.mktrf": "inf"}``), so the output is strict JSON."""
    reasons: dict[str, str] = {}

    def clean(value: Any, where: str) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            reasons[where] = "not a number (NaN)" if value != value else f"not finite ({value})"
            return None
        if isinstance(value, dict):
            return {k: clean(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    cleaned = clean(payload, "")
    if reasons and isinstance(cleaned, dict):
        cleaned["null_reasons"] = reasons
    return json.dumps(cleaned, allow_nan=False, **dumps)
