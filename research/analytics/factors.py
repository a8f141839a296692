"""Equity factor (descriptor) definitions as polars expressions, and a point-in-time join.

Inputs
------
* Daily panel: one row per (permno, NYSE session) with ``permno, date, ret, prc, shrout``
  (CRSP conventions: ``ret`` daily decimal, may be null; ``prc`` negative when it is a bid/ask
  midpoint; ``shrout`` in thousands). Time-series windows count **rows**, i.e. sessions, so the
  panel must hold one row per session the stock is listed (missing returns as null rows).
* Fundamentals: Compustat annual rows with ``available_date`` (first date public), joined by the
  caller onto the panel with :func:`pit_join` after mapping gvkey→permno through the CCM link.
  Compustat money columns are in the same unit as ``book_to_dollars`` converts from (default 1:
  dollars, per the warehouse contract; pass 1e6 for raw WRDS data in $ millions).

Every time-series factor is an expression that already carries ``.over(permno, order_by=date)``;
cross-sectional helpers (:func:`market_return`) carry ``.over(date)``. Factors use only rows at
or before the current row (no look-ahead). Lookbacks and min periods are explicit arguments whose
defaults derive from ``quant.periods`` (252 sessions = one year, 21 = one month).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from quant.columns import AVAILABLE, DATE, PERMNO, PRC, RET, SHROUT
from quant.periods import MONTHS_PER_YEAR, TRADING_DAYS_PER_YEAR

YEAR = TRADING_DAYS_PER_YEAR
MONTH = TRADING_DAYS_PER_YEAR // MONTHS_PER_YEAR  # 21 sessions


def _ts(expr: pl.Expr) -> pl.Expr:
    return expr.over(PERMNO, order_by=DATE)


def market_cap() -> pl.Expr:
    """Market capitalisation in dollars: ``|prc| * shrout * 1000``."""
    return pl.col(PRC).abs() * pl.col(SHROUT) * 1000.0


def size() -> pl.Expr:
    """Size: ``ln(market cap in dollars)``; null when the cap is not positive."""
    cap = market_cap()
    return pl.when(cap > 0).then(cap.log())


def book_equity() -> pl.Expr:
    """Fama-French book equity ``SE + TXDITC - PS`` (Compustat annual columns).

    ``SE = seq``, else ``ceq + pstk``, else ``at - lt``; ``PS = pstkrv``, else ``pstkl``, else
    ``pstk``, missing → 0; missing ``txditc`` → 0. Null when no SE variant is available.
    """
    se = pl.coalesce(pl.col("seq"), pl.col("ceq") + pl.col("pstk"), pl.col("at") - pl.col("lt"))
    ps = pl.coalesce(pl.col("pstkrv"), pl.col("pstkl"), pl.col("pstk"), pl.lit(0.0))
    return se + pl.col("txditc").fill_null(0.0) - ps


def value(book_to_dollars: float = 1.0) -> pl.Expr:
    """Value: ``ln(book equity / market cap)``; null when book equity <= 0 (log undefined)."""
    be = book_equity() * book_to_dollars
    cap = market_cap()
    return pl.when((be > 0) & (cap > 0)).then((be / cap).log())


def lagged_book_equity(by: str = "gvkey", order: str = "datadate") -> pl.Expr:
    """Previous fiscal year's book equity within ``by`` (apply on the fundamentals frame)."""
    return book_equity().shift(1).over(by, order_by=order)


def roe(lagged_be: str = "be_lag") -> pl.Expr:
    """Return on equity ``ib / lagged book equity``; null when the lagged book is <= 0.

    ``lagged_be`` is a column computed on the fundamentals frame with :func:`lagged_book_equity`.
    """
    be = pl.col(lagged_be)
    return pl.when(be > 0).then(pl.col("ib") / be)


def earnings_yield(book_to_dollars: float = 1.0) -> pl.Expr:
    """Earnings yield ``ib / market cap`` (``ib`` converted with ``book_to_dollars``)."""
    cap = market_cap()
    return pl.when(cap > 0).then(pl.col("ib") * book_to_dollars / cap)


def asset_growth(lagged_at: str = "at_lag") -> pl.Expr:
    """Investment: ``at / at_{prev fiscal year} - 1``; null when the lagged assets are <= 0."""
    lag = pl.col(lagged_at)
    return pl.when(lag > 0).then(pl.col("at") / lag - 1.0)


def gross_profitability() -> pl.Expr:
    """Novy-Marx gross profitability ``(revt - cogs) / at``; null when ``at <= 0``."""
    return pl.when(pl.col("at") > 0).then((pl.col("revt") - pl.col("cogs")) / pl.col("at"))


def momentum(lookback: int = YEAR, skip: int = MONTH, min_periods: int | None = None) -> pl.Expr:
    """12-1 momentum: compounded return over rows ``t-lookback+1 .. t-skip``.

    That is ``Π(1 + r) - 1`` over ``lookback - skip`` sessions (231 by default) ending ``skip``
    sessions before ``t``; null returns are skipped (treated as 0 log-return) and the value is
    null unless at least ``min_periods`` (default 80 % of the window) returns are present.
    """
    window = lookback - skip
    need = min_periods if min_periods is not None else int(0.8 * window)
    logret = pl.col(RET).log1p()
    summed = logret.rolling_sum(window, min_samples=need).shift(skip)
    return _ts(summed.exp() - 1.0)


def short_term_reversal(window: int = MONTH, min_periods: int | None = None) -> pl.Expr:
    """Short-term reversal: minus the compounded return of the last ``window`` sessions."""
    need = min_periods if min_periods is not None else int(0.8 * window)
    return _ts(-(pl.col(RET).log1p().rolling_sum(window, min_samples=need).exp() - 1.0))


def low_volatility(window: int = YEAR, min_periods: int = YEAR // 2) -> pl.Expr:
    """Low volatility: minus the trailing ``window``-session std of daily returns (ddof=1,
    daily units, not annualised); null until ``min_periods`` non-null returns."""
    return _ts(-pl.col(RET).rolling_std(window, min_samples=min_periods, ddof=1))


def lagged_cap(cap: str = "mktcap", name: str = "mktcap_lag") -> pl.Expr:
    """The previous session's ``cap`` of the same stock, aliased ``name`` (add before
    :func:`market_return`; polars cannot nest the per-stock lag inside the per-date window)."""
    return pl.col(cap).shift(1).over(PERMNO, order_by=DATE).alias(name)


def market_return(lag_cap_col: str = "mktcap_lag") -> pl.Expr:
    """Cap-weighted market return of each date weighting by the **previous** session's cap.

    Needs the column from :func:`lagged_cap`; a stock's first row has no weight.
    """
    lag_cap = pl.col(lag_cap_col)
    ok = pl.col(RET).is_not_null() & lag_cap.is_not_null()
    num = pl.when(ok).then(pl.col(RET) * lag_cap).sum()
    den = pl.when(ok).then(lag_cap).sum()
    return (num / den).over(DATE)


def beta(market: str = "mkt_ret", window: int = YEAR, min_periods: int = YEAR // 2) -> pl.Expr:
    """Rolling OLS beta of the stock's daily return on ``market`` over ``window`` sessions.

    ``β = Σ(r - r̄)(m - m̄) / Σ(m - m̄)²`` over the pairs where both are non-null; null until
    ``min_periods`` pairs. ``market`` is a column, e.g. from :func:`market_return`.
    """
    both = pl.col(RET).is_not_null() & pl.col(market).is_not_null()
    r = pl.when(both).then(pl.col(RET)).otherwise(0.0)
    m = pl.when(both).then(pl.col(market)).otherwise(0.0)

    def rsum(e: pl.Expr) -> pl.Expr:
        return e.rolling_sum(window, min_samples=1)

    n = rsum(both.cast(pl.Float64))
    cov = rsum(r * m) - rsum(r) * rsum(m) / n
    var = rsum(m * m) - rsum(m) ** 2 / n
    return _ts(pl.when((n >= min_periods) & (var > 0)).then(cov / var))


@dataclass(frozen=True)
class FactorDef:
    """A registered descriptor: ``function()`` returns the polars expression."""

    name: str
    description: str
    inputs: tuple[str, ...]
    function: Callable[[], pl.Expr]


FACTORS: dict[str, FactorDef] = {
    f.name: f
    for f in (
        FactorDef("size", "log market cap (dollars)", (PRC, SHROUT), size),
        FactorDef(
            "value",
            "log book-to-market (FF book equity / market cap)",
            (PRC, SHROUT, "seq", "ceq", "pstk", "at", "lt", "txditc", "pstkrv", "pstkl"),
            value,
        ),
        FactorDef("roe", "ib / lagged book equity", ("ib", "be_lag"), roe),
        FactorDef("gross_profitability", "(revt - cogs) / at", ("revt", "cogs", "at"), gross_profitability),
        FactorDef("earnings_yield", "ib / market cap", ("ib", PRC, SHROUT), earnings_yield),
        FactorDef("asset_growth", "at / lagged at - 1", ("at", "at_lag"), asset_growth),
        FactorDef("momentum", "12-1 compounded return (252 sessions, skip 21)", (RET,), momentum),
        FactorDef("reversal", "minus the last 21-session return", (RET,), short_term_reversal),
        FactorDef("low_volatility", "minus trailing 252-session daily return std", (RET,), low_volatility),
        FactorDef("beta", "rolling 252-session beta on the cap-weighted market", (RET, "mkt_ret"), beta),
    )
}


def compute_factors(panel: pl.DataFrame | pl.LazyFrame, names: list[str] | None = None) -> pl.LazyFrame:
    """Add the registered factors ``names`` (default all whose inputs are present) as columns."""
    lf = panel.lazy()
    cols = set(lf.collect_schema().names())
    chosen = names if names is not None else [n for n, f in FACTORS.items() if set(f.inputs) <= cols]
    missing = {n: sorted(set(FACTORS[n].inputs) - cols) for n in chosen if not set(FACTORS[n].inputs) <= cols}
    if missing:
        raise ValueError(f"Missing inputs for factors: {missing}.")
    return lf.with_columns(FACTORS[n].function().alias(n) for n in chosen)


def pit_join(
    panel: pl.DataFrame | pl.LazyFrame,
    fundamentals: pl.DataFrame | pl.LazyFrame,
    *,
    by: str = PERMNO,
    max_age_days: int | None = None,
) -> pl.LazyFrame:
    """Attach to each panel row the latest fundamentals row with ``available_date <= date``.

    Backward ``join_asof`` per ``by``; among rows sharing an ``available_date`` the one with the
    latest ``datadate`` wins. ``max_age_days`` drops matches older than that many calendar days.
    Panel rows without an eligible fundamentals row keep nulls. The result is sorted by
    ``(by, date)``.
    """
    left = panel.lazy().sort(DATE)
    right = fundamentals.lazy()
    order = [by, AVAILABLE, "datadate"] if "datadate" in right.collect_schema().names() else [by, AVAILABLE]
    right = right.sort(order).unique(subset=[by, AVAILABLE], keep="last", maintain_order=True)
    tolerance = f"{max_age_days}d" if max_age_days is not None else None
    return left.join_asof(
        right.sort(AVAILABLE),
        left_on=DATE,
        right_on=AVAILABLE,
        by=by,
        strategy="backward",
        tolerance=tolerance,
        check_sortedness=False,
    ).sort(by, DATE)
