"""Reads: run lists and the chart/table data of a finished run (from its verified Parquet files)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.html import json_script

from backtests.analytics.metrics import aggregate_returns, cumulative_returns, drawdown_series, rolling_sharpe
from backtests.models import BacktestRun
from backtests.services.results import read_series
from quant.periods import MONTHS_PER_YEAR, TRADING_DAYS_PER_YEAR
from quant.selectors import strategies_for
from research.analytics.signals import stored_names

ROLLING_SHARPE_WINDOW = TRADING_DAYS_PER_YEAR // 2  # six months of trading days
MAX_CHART_POINTS = 1500


def runs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[BacktestRun]:
    """Runs ``user`` may open: a run tied to a strategy (its own or its walk-forward parent's)
    follows that strategy's guardian grants; a run tied to none is open to the backtests role."""
    if not user.is_authenticated:
        return BacktestRun.objects.none()
    granted = strategies_for(user).values("pk")
    own = Q(strategy__isnull=True) | Q(strategy__in=granted)
    parent = Q(parent__isnull=True) | Q(parent__strategy__isnull=True) | Q(parent__strategy__in=granted)
    return BacktestRun.objects.filter(own & parent)


def run_for(user: AbstractBaseUser | AnonymousUser, run_id: int) -> BacktestRun:
    """The run ``run_id`` if ``user`` may open it; `BacktestRun.DoesNotExist` otherwise (a 404, so
    a denied run looks exactly like a missing one)."""
    return runs_visible_to(user).select_related("owner", "strategy", "job").get(pk=run_id)


def run_list(
    *, user: AbstractBaseUser | AnonymousUser, status: str = "", owner_id: int | None = None, signal: str = "",
    search: str = "",
) -> QuerySet:  # fmt: skip
    """Top-level runs ``user`` may open, newest first, with their owner and job (one query)."""
    runs = runs_visible_to(user).filter(parent__isnull=True).select_related("owner", "job")
    if status:
        runs = runs.filter(job__status=status)
    if owner_id:
        runs = runs.filter(owner_id=owner_id)
    if signal:
        runs = runs.filter(config__signal__in=stored_names(signal))  # runs stored under an old alias too
    if search:
        runs = runs.filter(label__icontains=search)
    return runs


def runs_by_ids(user: AbstractBaseUser | AnonymousUser, ids: list[int]) -> list[BacktestRun]:
    """The runs ``ids`` that ``user`` may open, in the order asked (others are left out)."""
    found = {r.pk: r for r in runs_visible_to(user).filter(pk__in=ids).select_related("owner", "job")}
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class RunCharts:
    """JSON-ready series for the results page."""

    dates: list[str]
    equity: list[float]
    benchmark: list[float] | None
    drawdown: list[float]
    rolling_sharpe: list[float | None]
    gross_exposure: list[float]
    net_exposure: list[float]
    heatmap: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def thin(n: int) -> np.ndarray:
    """Indices that keep at most MAX_CHART_POINTS evenly spaced points (always the last)."""
    if n <= MAX_CHART_POINTS:
        return np.arange(n)
    idx = np.linspace(0, n - 1, MAX_CHART_POINTS).round().astype(int)
    return np.unique(idx)


def rounded(values: np.ndarray, digits: int = 6) -> list[float | None]:
    """JSON-ready values: non-finite ones become None."""
    return [None if not np.isfinite(v) else round(float(v), digits) for v in values]


def run_charts(run: BacktestRun) -> RunCharts:
    """Equity vs benchmark, drawdown, rolling Sharpe, exposures and monthly returns of ``run``."""
    daily = read_series(run, "daily").sort("date")
    net = daily["net_return"].to_numpy()
    equity = cumulative_returns(net, starting_value=1.0)  # wealth from 1
    bench = None
    if "benchmark" in daily.columns:
        bench = np.cumprod(1.0 + daily["benchmark"].fill_null(0.0).to_numpy())
    roll = np.full(net.size, np.nan)
    tail = rolling_sharpe(net, ROLLING_SHARPE_WINDOW)
    if tail.size:
        roll[ROLLING_SHARPE_WINDOW - 1 :] = tail
    keep = thin(daily.height)
    dates = [d.isoformat() for d in daily["date"].gather(keep).to_list()]
    return RunCharts(
        dates=dates,
        equity=rounded(equity[keep]),
        benchmark=None if bench is None else rounded(bench[keep]),
        drawdown=rounded(drawdown_series(net)[keep]),
        rolling_sharpe=rounded(roll[keep], 3),
        gross_exposure=rounded(daily["gross_exposure"].to_numpy()[keep], 4),
        net_exposure=rounded(daily["net_exposure"].to_numpy()[keep], 4),
        heatmap=monthly_heatmap(daily),
    )


RESULTS_CACHE_SECONDS = 24 * 3600


def run_result_data(run: BacktestRun, *, trades_shown: int) -> dict[str, Any]:
    """Charts and the newest ``trades_shown`` trades of a succeeded single run, with the trade count.

    A finished run's files never change, so the result is cached under the run and its job's
    finish time and attempt (a retried run gets a new key): the run page costs one cache read
    instead of two Parquet reads and the chart arithmetic on every view."""
    job = run.job
    finished = job.finished_at.timestamp() if job.finished_at else 0.0
    key = f"backtests:results:v2:{run.pk}:{finished}:{job.attempts}:{trades_shown}"
    found = cache.get(key)
    if found is None:
        trades = run_trades(run)
        charts = run_charts(run).as_json()
        found = {
            "charts": charts,
            "charts_script": json_script(charts, "backtests-chart-data"),  # encoded once, not per view
            "trades": trades.head(trades_shown).to_dicts(),
            "trades_total": trades.height,
        }
        cache.set(key, found, RESULTS_CACHE_SECONDS)
    return found


def monthly_heatmap(daily: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows ``{year, months: [12 values or None], total}`` of compounded net monthly returns."""
    monthly = aggregate_returns(daily.select("date", pl.col("net_return").alias("return")), "monthly")
    yearly = aggregate_returns(daily.select("date", pl.col("net_return").alias("return")), "yearly")
    totals = dict(zip(yearly["year"].to_list(), yearly["return"].to_list(), strict=True))
    rows = []
    for year in sorted(totals):
        months: list[float | None] = [None] * MONTHS_PER_YEAR
        for month, value in monthly.filter(pl.col("year") == year).select("period", "return").iter_rows():
            months[month - 1] = value
        rows.append({"year": year, "months": months, "total": totals[year]})
    return rows


def run_trades(run: BacktestRun, *, limit: int | None = None) -> pl.DataFrame:
    """Trades, newest first (``limit`` rows, or all)."""
    trades = read_series(run, "trades").sort("date", "permno", descending=[True, False])
    return trades.head(limit) if limit else trades


def walkforward_view(run: BacktestRun) -> dict[str, Any]:
    """A stitched walk-forward parent: diagnostics, folds with chosen runs, OOS equity, children."""
    children = list(run.children.select_related("job").order_by("id"))
    oos = read_series(run, "oos").sort("date")
    folds = read_series(run, "folds").sort("fold")
    keep = thin(oos.height)
    equity = np.cumprod(1.0 + oos["return"].to_numpy())
    dates = oos["date"].to_list()
    fold_rows = [{**row, "run": children[row["candidate"]]} for row in folds.to_dicts()]
    first_test = folds["test_start"].min() if folds.height else 0
    for row in fold_rows:  # calendar dates of each test window, from the stitched curve
        start, stop = row["test_start"] - first_test, row["test_stop"] - first_test - 1
        row["test_from"], row["test_to"] = dates[start], dates[stop]
    return {
        "diagnostics": run.summary.get("walk_forward", {}),
        "folds": fold_rows,
        "children": children,
        "oos_chart": {
            "dates": [d.isoformat() for d in oos["date"].gather(keep).to_list()],
            "equity": rounded(equity[keep]),
        },  # fmt: skip
    }
