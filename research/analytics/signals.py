"""The ONE signal library: a small protocol and point-in-time definitions (pure polars).

Every consumer of a signal name — research reports, the model registry, backtests (and paper
strategies next) — computes it with the :class:`SignalDef` registered here in :data:`SIGNALS`;
backtests call ``SignalDef.run`` on the frames they load (``backtests/data.py``), so a
backtest of ``lowvol`` trades exactly the values a ``lowvol`` report measures (parity test:
``tests/backtests/test_signal_parity.py``). A name has one definition: old names still found
in stored configs resolve through :data:`ALIASES` (:func:`canonical_name`), never a second
implementation.

A signal is a :class:`SignalDef` — ``name``, ``description``, ``params`` and
``compute(inputs) -> DataFrame[date, permno, value]``. Values are formed on the **formation
dates** of :class:`SignalInputs` (month-end sessions) from data known on that date only:

* price signals (momentum 12-1, 1-month reversal, low volatility, size) reuse the factor registry
  expressions of :mod:`research.analytics.factors` on the daily panel (windows in sessions) and are
  sampled on the formation dates;
* fundamental signals (value = log B/M, quality = ROE) join the latest annual Compustat row whose
  ``available_date`` is on or before the date (:func:`research.analytics.factors.pit_join`);
* earnings surprise (SUE, PEAD-style) is computed on quarterly rows and is known at ``available_date``
  (``rdq``); it is used for at most ``max_age_days`` after the announcement.

Formation dates are whatever the caller passes: month ends for research reports, the
rebalance dates of a backtest's schedule. Missing values: a name without the inputs gets no row
(never a fill). No look-ahead: changing rows after a formation date leaves that date's values
unchanged (tested).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from quant.columns import AVAILABLE, DATE, PERMNO
from research.analytics import factors

QUARTERS_PER_YEAR_LAG = 4  # seasonal random walk: same quarter last year


@dataclass(frozen=True)
class SignalInputs:
    """What a signal may read.

    ``daily``: ``permno, date, ret, prc, shrout`` (one row per listed session, sorted or not);
    ``annual``: linked Compustat annual rows with ``permno, available_date, datadate`` + columns;
    ``quarterly``: linked quarterly rows with ``permno, available_date, datadate, ibq``;
    ``dates``: formation dates (Date series).
    """

    daily: pl.DataFrame
    annual: pl.DataFrame
    quarterly: pl.DataFrame
    dates: pl.Series


@dataclass(frozen=True)
class SignalDef:
    """A registered signal. ``expected_sign``: +1 when a high value should predict a high return."""

    name: str
    description: str
    compute: Callable[[SignalInputs, Mapping[str, object]], pl.DataFrame]
    params: Mapping[str, object] = field(default_factory=dict)
    expected_sign: int = 1
    datasets: tuple[str, ...] = ("crsp_daily",)

    def definition_hash(self) -> str:
        """sha256 of the name, params and source code of ``compute`` (changes when the definition does)."""
        payload = json.dumps(
            {"name": self.name, "params": dict(self.params), "code": inspect.getsource(self.compute)},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def direction(self) -> int:
        """+1 or -1: ``value * direction`` is high when the expected return is (``expected_sign``;
        the placebo's 0 keeps the values as they are). Backtests go long the high end."""
        return -1 if self.expected_sign < 0 else 1

    def run(self, inputs: SignalInputs) -> pl.DataFrame:
        """``date, permno, value`` on ``inputs.dates`` (see the module docstring)."""
        return self.compute(inputs, self.params)


def _sample(daily: pl.DataFrame, expr: pl.Expr, dates: pl.Series) -> pl.DataFrame:
    """Evaluate a per-permno time-series expression on the daily panel, keep the formation dates."""
    out = daily.lazy().with_columns(expr.alias("value")).filter(pl.col(DATE).is_in(dates.implode()))
    return _finish(out.select(DATE, PERMNO, "value").collect())


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
        .select(pl.col(DATE), pl.col(PERMNO).cast(pl.Int64), pl.col("value").cast(pl.Float64))
        .sort(DATE, PERMNO)
    )


def _month_end_rows(inputs: SignalInputs) -> pl.DataFrame:
    return inputs.daily.filter(pl.col(DATE).is_in(inputs.dates.implode())).select(DATE, PERMNO, "prc", "shrout")


def momentum_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    expr = factors.momentum(int(params["lookback"]), int(params["skip"]))  # type: ignore[call-overload]
    return _sample(inputs.daily, expr, inputs.dates)


def reversal_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    return _sample(inputs.daily, factors.short_term_reversal(int(params["window"])), inputs.dates)  # type: ignore[call-overload]


def lowvol_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    expr = factors.low_volatility(int(params["window"]), int(params["min_periods"]))  # type: ignore[call-overload]
    return _sample(inputs.daily, expr, inputs.dates)


def size_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    rows = _month_end_rows(inputs)
    return _finish(rows.with_columns(factors.size().alias("value")))


def value_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    joined = factors.pit_join(_month_end_rows(inputs), inputs.annual, max_age_days=int(params["max_age_days"]))  # type: ignore[call-overload]
    return _finish(joined.with_columns(factors.value().alias("value")).collect())


def quality_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    annual = inputs.annual.with_columns(factors.lagged_book_equity().alias("be_lag"))
    joined = factors.pit_join(_month_end_rows(inputs), annual, max_age_days=int(params["max_age_days"]))  # type: ignore[call-overload]
    return _finish(joined.with_columns(factors.roe().alias("value")).collect())


def standardized_unexpected_earnings(
    quarterly: pl.DataFrame, *, earnings: str = "ibq", window: int = 8, min_periods: int = 4
) -> pl.DataFrame:
    """SUE per firm-quarter (Foster, Olsen & Shevlin 1984; seasonal random walk).

    ``surprise_q = E_q - E_{q-4}`` (same fiscal quarter a year earlier, by ``gvkey`` ordered by
    ``datadate``); ``SUE_q = surprise_q / std(surprise over the last `window` quarters, ddof=1)``
    including the current one, null until ``min_periods`` surprises or when the std is 0.
    Returns ``permno, available_date, datadate, sue``.
    """
    by = "gvkey" if "gvkey" in quarterly.columns else PERMNO
    surprise = (pl.col(earnings) - pl.col(earnings).shift(QUARTERS_PER_YEAR_LAG)).over(by, order_by="datadate")
    out = quarterly.with_columns(surprise.alias("surprise")).with_columns(
        pl.col("surprise").rolling_std(window, min_samples=min_periods, ddof=1).over(by, order_by="datadate").alias("s")
    )
    return out.select(
        PERMNO, AVAILABLE, "datadate", pl.when(pl.col("s") > 0).then(pl.col("surprise") / pl.col("s")).alias("sue")
    ).drop_nulls("sue")


def sue_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    sue = standardized_unexpected_earnings(inputs.quarterly, earnings=str(params["earnings"]))
    joined = factors.pit_join(_month_end_rows(inputs), sue, max_age_days=int(params["max_age_days"]))  # type: ignore[call-overload]
    return _finish(joined.rename({"sue": "value"}).collect())


def noise_signal(inputs: SignalInputs, params: Mapping[str, object]) -> pl.DataFrame:
    """Placebo: i.i.d. standard normal values on every formation-date row — a control for the
    multiple-testing table (it must fail the hurdle). Each date draws from its own generator, seeded
    with ``(seed, date)``, over that date's names in permno order: a date's values do not depend on
    which other dates are formed (a backtest's rebalance dates get the report's values)."""
    rows = _month_end_rows(inputs).sort(DATE, PERMNO)
    seed = int(params["seed"])  # type: ignore[call-overload]
    counts = rows.group_by(DATE, maintain_order=True).len().iter_rows()
    draws = [np.random.default_rng([seed, day.toordinal()]).standard_normal(n) for day, n in counts]
    return _finish(rows.with_columns(pl.Series("value", np.concatenate(draws) if draws else [], pl.Float64)))


_ANNUAL = ("crsp_daily", "compustat_annual", "ccm_link")
SIGNALS: dict[str, SignalDef] = {
    s.name: s
    for s in (
        SignalDef("momentum", "12-1 momentum: compounded return t-251..t-21 sessions", momentum_signal,
                  {"lookback": factors.YEAR, "skip": factors.MONTH}),
        SignalDef("reversal", "1-month reversal: minus the last 21-session return", reversal_signal,
                  {"window": factors.MONTH}),
        SignalDef("value", "log book-to-market (FF book equity, annual report public 6 months after FYE)",
                  value_signal, {"max_age_days": 550}, datasets=_ANNUAL),
        SignalDef("quality", "ROE: income before extraordinary items / previous fiscal year's book equity",
                  quality_signal, {"max_age_days": 550}, datasets=_ANNUAL),
        SignalDef("lowvol", "minus the trailing 252-session std of daily returns (>= 126 returns)",
                  lowvol_signal, {"window": factors.YEAR, "min_periods": factors.YEAR // 2}),
        SignalDef("size", "log market cap (dollars); the planted size premium is negative", size_signal, {},
                  expected_sign=-1),
        SignalDef("sue", "standardized unexpected earnings (ibq seasonal change / its 8-quarter std), known at rdq",
                  sue_signal, {"earnings": "ibq", "max_age_days": 100},
                  datasets=("crsp_daily", "compustat_quarterly", "ccm_link")),
        SignalDef("noise", "placebo: seeded i.i.d. normal values (must fail the hurdle)", noise_signal,
                  {"seed": 20240101}, expected_sign=0),
    )
}  # fmt: skip

# Names the backtest engine used for these signals before it called this library (its own 63-session
# low volatility differed). Stored BacktestRun configs and old goldens still carry them; they resolve
# to the one definition here. Never add a definition under an alias: add a name to SIGNALS instead.
ALIASES: dict[str, str] = {"momentum_12_1": "momentum", "reversal_1m": "reversal", "low_vol": "lowvol"}


def canonical_name(name: str) -> str:
    """The registered name ``name`` stands for (an alias resolves; any other string is returned as is)."""
    return ALIASES.get(name, name)


def stored_names(name: str) -> list[str]:
    """``name``'s canonical name and every alias of it: what stored rows naming that signal may carry."""
    canonical = canonical_name(name)
    return [canonical, *sorted(alias for alias, target in ALIASES.items() if target == canonical)]
