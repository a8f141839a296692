"""Built-in cross-sectional signals for the backtest form (pure polars; higher = more attractive).

Every signal takes long panels and returns ``date, permno, signal`` where the value on date ``t``
uses only data dated ``<= t`` (the engine trades at the close of ``t``). Windows are counted in
trading rows of each permno (the panel's own dates), with lengths derived from
:data:`quant.periods.TRADING_DAYS_PER_YEAR`. A name without enough history has a null signal and
is not held on that date.

Inputs
------
* ``returns``: ``date, permno, ret`` — simple daily returns (fractions), delisting returns merged.
  A null ``ret`` counts as missing: it breaks nothing but reduces ``min_periods`` coverage.
* ``mktcap``: ``date, permno, mktcap`` — dollars (used by ``size``).
* ``book_to_market``: ``date, permno, book_to_market`` — point-in-time ratio (used by ``value``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from quant.periods import MONTHS_PER_YEAR, TRADING_DAYS_PER_YEAR

DAYS_PER_MONTH = TRADING_DAYS_PER_YEAR // MONTHS_PER_YEAR  # 21 trading days
MIN_COVERAGE = 0.8  # share of a window's rows that must carry a return


@dataclass(frozen=True, slots=True)
class SignalPanels:
    """What signals may read; optional panels are None when the warehouse lacks them."""

    returns: pl.DataFrame
    mktcap: pl.DataFrame | None = None
    book_to_market: pl.DataFrame | None = None


@dataclass(frozen=True, slots=True)
class SignalDefinition:
    """A named signal: ``needs`` lists the optional panels it requires."""

    name: str
    label: str
    description: str
    compute: Callable[[SignalPanels], pl.DataFrame]
    needs: tuple[str, ...] = ()

    def available(self, panels: SignalPanels) -> bool:
        return all(getattr(panels, need) is not None for need in self.needs)


def date_ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its rows in date order (returned as is when they already are: an O(n) check).

    Window expressions ``.over("permno")`` keep each group's rows in frame order, so date order is
    all a per-permno rolling window needs; sorting 14 M rows by ``permno, date`` costs seconds.
    """
    return frame if frame["date"].is_sorted() else frame.sort("date", "permno")


def _log_growth(returns: pl.DataFrame) -> pl.LazyFrame:
    return (
        date_ordered(returns)
        .lazy()
        .select("date", "permno", pl.col("ret").cast(pl.Float64).fill_nan(None))
        .with_columns(lr=pl.col("ret").log1p())
    )


def _window_sum(column: str, window: int, skip: int = 0) -> pl.Expr:
    """Sum of ``column`` over the ``window`` rows ending ``skip`` rows before the current one."""
    base = pl.col(column).shift(skip) if skip else pl.col(column)
    return base.rolling_sum(window, min_samples=max(2, int(window * MIN_COVERAGE))).over("permno")


def momentum_12_1(panels: SignalPanels) -> pl.DataFrame:
    """Compounded return from 12 months to 1 month ago: ``exp(sum log(1+r)) - 1`` over rows
    ``t-251 .. t-21`` (the most recent month is skipped, Jegadeesh-Titman)."""
    window = TRADING_DAYS_PER_YEAR - DAYS_PER_MONTH
    out = _log_growth(panels.returns).with_columns(signal=_window_sum("lr", window, skip=DAYS_PER_MONTH).exp() - 1.0)
    return out.select("date", "permno", "signal").collect()


def short_term_reversal(panels: SignalPanels) -> pl.DataFrame:
    """Minus the compounded return of the last month (rows ``t-20 .. t``)."""
    out = _log_growth(panels.returns).with_columns(signal=1.0 - _window_sum("lr", DAYS_PER_MONTH).exp())
    return out.select("date", "permno", "signal").collect()


def low_volatility(panels: SignalPanels) -> pl.DataFrame:
    """Minus the sample standard deviation (ddof=1, daily, not annualised) of the last 3 months."""
    window = 3 * DAYS_PER_MONTH
    out = _log_growth(panels.returns).with_columns(
        signal=-pl.col("ret").rolling_std(window, min_samples=int(window * MIN_COVERAGE), ddof=1).over("permno")
    )
    return out.select("date", "permno", "signal").collect()


def size(panels: SignalPanels) -> pl.DataFrame:
    """Minus log market capitalisation (small caps score high)."""
    assert panels.mktcap is not None
    return panels.mktcap.select(
        "date",
        "permno",
        signal=pl.when(pl.col("mktcap") > 0).then(-pl.col("mktcap").cast(pl.Float64).log()),
    )


def value(panels: SignalPanels) -> pl.DataFrame:
    """Book-to-market as published on the date (negative book equity -> null, not held)."""
    assert panels.book_to_market is not None
    return panels.book_to_market.select(
        "date",
        "permno",
        signal=pl.when(pl.col("book_to_market") > 0).then(pl.col("book_to_market").cast(pl.Float64)),
    )


def equal_weight_market(panels: SignalPanels) -> pl.DataFrame:
    """A constant 1.0 for every priced name (with long-only top-N over all names: the EW market)."""
    return panels.returns.select("date", "permno", signal=pl.lit(1.0))


SIGNALS: dict[str, SignalDefinition] = {
    d.name: d
    for d in (
        SignalDefinition("momentum_12_1", "Momentum 12-1", momentum_12_1.__doc__ or "", momentum_12_1),
        SignalDefinition("reversal_1m", "Short-term reversal", short_term_reversal.__doc__ or "", short_term_reversal),
        SignalDefinition("low_vol", "Low volatility", low_volatility.__doc__ or "", low_volatility),
        SignalDefinition("size", "Size (small minus big)", size.__doc__ or "", size, needs=("mktcap",)),
        SignalDefinition("value", "Value (book-to-market)", value.__doc__ or "", value, needs=("book_to_market",)),
        SignalDefinition("market", "Equal-weight market", equal_weight_market.__doc__ or "", equal_weight_market),
    )
}
