"""Annualisation conventions. Every annualised number in the project takes `periods_per_year`
explicitly; these are the defaults callers pass, never numbers buried inside analytics."""

from __future__ import annotations

from typing import Final, Literal

Frequency = Literal["daily", "weekly", "monthly", "quarterly", "annual"]

TRADING_DAYS_PER_YEAR: Final = 252
WEEKS_PER_YEAR: Final = 52
MONTHS_PER_YEAR: Final = 12
QUARTERS_PER_YEAR: Final = 4

_PERIODS: Final[dict[str, int]] = {
    "daily": TRADING_DAYS_PER_YEAR,
    "weekly": WEEKS_PER_YEAR,
    "monthly": MONTHS_PER_YEAR,
    "quarterly": QUARTERS_PER_YEAR,
    "annual": 1,
}


def periods_per_year(frequency: Frequency | str) -> int:
    try:
        return _PERIODS[frequency]
    except KeyError:
        raise ValueError(f"Unknown frequency {frequency!r}; choose one of {sorted(_PERIODS)}.") from None
