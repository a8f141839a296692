"""When a Compustat row became public: the point-in-time conventions of every fundamentals read.

One implementation, used by `warehouse.readers.fundamentals_asof`, the research data path
(`research.services.data`) and the pandas cross-check of ``bench/warehouse.py``.

- Annual rows are public at the close of the last NYSE session on or before the calendar month
  end ``lag_months`` months after the ``datadate`` month (default `ANNUAL_LAG_MONTHS` = 6: a
  December FYE is public at the June month-end session, the Fama–French convention). This is the
  demo generator's rule (``warehouse.sources.demo.fundamentals.AVAIL_MONTHS``: public "from the
  month-end six months after its FYE month") and, unlike a calendar-day offset, it counts June
  month-ends that fall on a weekend or holiday: datadate 2011-12-31 → 2012-06-29 (Friday; the
  30th is a Saturday); datadate 2020-11-30 → 2021-05-28 (the 31st is Memorial Day).
- Quarterly rows are public on ``rdq`` (the report date) or, when ``rdq`` is null,
  `QUARTERLY_FALLBACK_DAYS` calendar days after ``datadate``.
"""

from __future__ import annotations

import polars as pl

from quant import calendars

ANNUAL_LAG_MONTHS = 6
QUARTERLY_FALLBACK_DAYS = 45  # when rdq is null


def annual_known_date(datadate: pl.Expr, lag_months: int = ANNUAL_LAG_MONTHS) -> pl.Expr:
    """Last NYSE session on or before the month end ``lag_months`` after ``datadate``'s month (Date)."""
    month_end = datadate.dt.month_start().dt.offset_by(f"{lag_months}mo").dt.month_end()
    return month_end.map_batches(calendars.previous_sessions, return_dtype=pl.Date)


def quarterly_known_date(datadate: pl.Expr, rdq: pl.Expr) -> pl.Expr:
    """``rdq``, else ``datadate`` + `QUARTERLY_FALLBACK_DAYS` calendar days (Date)."""
    return pl.coalesce(rdq, datadate + pl.duration(days=QUARTERLY_FALLBACK_DAYS))


def known_date(kind: str, *, lag_months: int = ANNUAL_LAG_MONTHS) -> pl.Expr:
    """The first date a ``compustat_annual`` (``kind="annual"``) or ``compustat_quarterly`` row is public."""
    if kind == "annual":
        return annual_known_date(pl.col("datadate"), lag_months)
    if kind == "quarterly":
        return quarterly_known_date(pl.col("datadate"), pl.col("rdq"))
    raise ValueError(f"kind must be 'annual' or 'quarterly', not {kind!r}.")
