"""Infer the sampling frequency (and so ``periods_per_year``) of a dated series."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from quant.periods import periods_per_year

# median calendar-day gap between observations -> frequency
_GAPS: tuple[tuple[float, float, str], ...] = (
    (0.5, 4.5, "daily"),
    (4.5, 10.5, "weekly"),
    (24.5, 35.5, "monthly"),
    (80.5, 100.5, "quarterly"),
    (350.5, 380.5, "annual"),
)


@dataclass(frozen=True, slots=True)
class InferredFrequency:
    """The frequency implied by the median gap between consecutive dates."""

    frequency: str
    periods_per_year: int
    median_gap_days: float


def infer_frequency(dates: pl.Series) -> InferredFrequency:
    """Classify the median calendar-day gap of sorted unique ``dates``.

    Daily data (trading days) have a median gap of 1 day (3 over weekends), weekly 7, monthly
    28-31, quarterly 90-92, annual 365-366. Raises ``ValueError`` when there are fewer than two
    dates or the median gap matches none of these.
    """
    d = dates.drop_nulls().unique().sort()
    if d.len() < 2:
        raise ValueError("need at least two dates to infer the frequency")
    median = d.diff().drop_nulls().dt.total_days().median()
    assert isinstance(median, int | float)  # the median of a non-empty integer column
    gap = float(median)
    for lo, hi, name in _GAPS:
        if lo <= gap < hi:
            return InferredFrequency(name, periods_per_year(name), gap)
    raise ValueError(f"median gap of {gap} days is not daily/weekly/monthly/quarterly/annual")
