"""Execute one run under its job: load data, build the signal, simulate, write results.

``quant.jobs.runner.job_run`` claims the job, stamps its heartbeat from a background thread and
finishes the row; the body here reports progress 0..1: 0-0.1 loading data, 0.1-0.9 simulating
(the engine's per-date callback), 0.9-1 writing. Progress is throttled by the runner
(``JOBS_PROGRESS_INTERVAL_MS``) and raises ``JobCancelled`` once a cancel was requested; every
callback also checks the process RSS against ``BACKTEST_MAX_RSS_MB`` (the memory guard). A run
stuck in a kernel without callbacks is stopped by the cancel's terminate after the grace period.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import polars as pl
import psutil

from backtests import conf
from backtests.analytics.costs import CostModel
from backtests.analytics.engine import BacktestResult, Panels, Strategy, run_backtest
from backtests.analytics.prepare import between, cap_weighted_benchmark, top_cap_universe
from backtests.analytics.schedule import rebalance_dates
from backtests.analytics.weighting import decile_long_short, rank_weighted, top_n_long_only
from backtests.configs import MARKET, BacktestConfig
from backtests.data import BacktestInputs, DataUnavailable, load_inputs, signal_datasets
from backtests.models import BacktestRun
from backtests.services.results import results_write
from quant.jobs.runner import JobRun, RunOutcome, job_run
from quant.models import Job
from research.analytics.signals import SIGNALS

InputsLoader = Callable[[BacktestConfig], BacktestInputs]
PARENT_REFRESH_SECONDS = 2.0  # a walk-forward parent's progress follows its children this often


class Aborted(Exception):
    """A guard stopped the run (memory); the message is the reason shown to the user."""


def backtest_run_execute(*, run_id: int, task_id: str, loader: InputsLoader = load_inputs) -> RunOutcome:
    """Run ``run_id`` if this task can claim its job; safe to call twice (the second call is a no-op).

    A walk-forward candidate that has finished queues its parent's stitching (a no-op until the
    last candidate finished, and once the parent is final).
    """
    run = BacktestRun.objects.select_related("job").get(pk=run_id)
    outcome = job_run(
        job_id=run.job_id, task_id=task_id, body=lambda job: _simulate_and_write(run, job, loader),
        expected=(Aborted, DataUnavailable, ValueError), time_limit_seconds=conf.soft_time_limit(),
    )  # fmt: skip
    if run.parent_id is not None and outcome.status in Job.FINISHED:
        from backtests.services.walkforward import child_finished

        child_finished(run)
    return outcome


def _simulate_and_write(run: BacktestRun, job: JobRun, loader: InputsLoader) -> str:
    config = BacktestConfig.from_json_dict(run.config)
    watch = _Watch(job, parent_id=run.parent_id)
    watch.step(0.01, "loading data", force=True)
    inputs = loader(config)
    watch.step(0.08, "building signal", force=True)
    panels, strategy, costs = build_backtest(config, inputs)
    watch.step(0.1, f"simulating {panels.returns['date'].n_unique()} days", force=True)
    result = run_backtest(panels, strategy, costs, progress=lambda done, total: watch.step(0.1 + 0.8 * done / total))
    watch.step(0.9, "writing results", force=True)
    results_write(run=run, claim=job.claim, result=result, inputs=inputs)
    return "done"


def build_backtest(
    config: BacktestConfig, inputs: BacktestInputs, *, calendar: pl.Series | None = None
) -> tuple[Panels, Strategy, CostModel]:
    """The engine inputs for ``config`` (pure apart from reading ``inputs`` and, with an optimizer,
    the risk models; the optimizer replaces the weighting rule's target at each rebalance).

    ``calendar``: the sessions that place the rebalance dates (default: the window's own dates, whose
    last is never a rebalance); the strategy runner passes the trading calendar beyond the data."""
    if config.start < inputs.first_date or config.end > inputs.last_date:
        raise DataUnavailable(
            f"The data covers {inputs.first_date}..{inputs.last_date}; the backtest asks for "
            f"{config.start}..{config.end}."
        )
    window = (config.start, config.end)
    returns = between(inputs.returns, *window)
    assert returns is not None
    sessions = returns["date"] if calendar is None else calendar
    signal = signal_panel(config, inputs, rebalance_dates(sessions, config.rebalance))
    universe = inputs.universe
    if config.universe == "top_cap":
        if inputs.mktcap is None:
            raise DataUnavailable("A top-by-market-cap universe needs market caps, which are missing.")
        caps = inputs.mktcap if universe is None else inputs.mktcap.join(universe, on=["date", "permno"], how="semi")
        universe = top_cap_universe(caps, config.universe_top_n)
    market = config.signal == MARKET
    if market or config.construction == "long_only_top_n":
        n = 10**9 if market else config.top_n
        weighting = lambda s: top_n_long_only(s, n=n)  # noqa: E731
    elif config.construction == "long_short_rank":
        weighting = rank_weighted
    else:
        weighting = decile_long_short
    panels = Panels(
        returns=returns,
        universe=between(universe, *window),
        adv=between(inputs.adv, *window),
        benchmark=cap_weighted_benchmark(returns, between(inputs.mktcap, *window)),
    )
    optimizer = None
    if config.optimizer is not None:
        from backtests.services.optimizer import make_optimizer

        optimizer = make_optimizer(config)
    strategy = Strategy(schedule=config.rebalance, signal=signal, weighting=weighting, optimizer=optimizer)
    costs = CostModel(
        commission_bps=config.commission_bps, half_spread_bps=config.half_spread_bps, impact_k=config.impact_k
    )
    return panels, strategy, costs


def signal_panel(config: BacktestConfig, inputs: BacktestInputs, dates: pl.Series) -> pl.DataFrame:
    """``date, permno, signal`` on ``dates`` (the rebalance dates): the research definition of
    ``config.signal`` (``SignalDef.run``) on ``inputs.signal_data``, times its ``direction`` so the
    high end is the one to buy. :data:`MARKET` scores every priced name 1.0."""
    if config.signal == MARKET:
        rows = inputs.returns.filter(pl.col("date").is_in(dates.implode()))
        return rows.select("date", "permno", signal=pl.lit(1.0))
    definition = SIGNALS[config.signal]
    missing = [name for name in signal_datasets(config.signal) if name not in inputs.dataset_versions]
    if inputs.signal_data is None or missing:
        needs = ", ".join(missing) or "the CRSP daily panel"
        raise DataUnavailable(f"Signal {config.signal!r} reads {needs}, which this data source lacks.")
    values = definition.run(replace(inputs.signal_data, dates=dates))
    return values.select("date", "permno", signal=pl.col("value") * definition.direction)


def simulate(config: BacktestConfig, inputs: BacktestInputs) -> BacktestResult:
    """Run ``config`` on ``inputs`` without a job row (goldens, benchmarks, tests)."""
    panels, strategy, costs = build_backtest(config, inputs)
    return run_backtest(panels, strategy, costs)


class _Watch:
    """The body's progress callback: the memory guard on every call, then the job's (throttled)
    progress, which raises ``JobCancelled`` once a cancel was requested; a walk-forward candidate
    also refreshes its parent's progress every ``PARENT_REFRESH_SECONDS``."""

    def __init__(self, job: JobRun, *, parent_id: int | None) -> None:
        self.job = job
        self.parent_id = parent_id
        self.limit_mb = conf.max_rss_mb()
        self.process = psutil.Process()
        self.parent_due = 0.0

    def step(self, fraction: float, message: str | None = None, *, force: bool = False) -> None:
        rss_mb = self.process.memory_info().rss / 2**20
        if rss_mb > self.limit_mb:
            raise Aborted(
                f"memory guard: worker RSS {rss_mb:.0f} MB is above BACKTEST_MAX_RSS_MB={self.limit_mb}; "
                "shorten the period, shrink the universe or raise the limit"
            )
        self.job.progress(fraction, message, force=force)
        if self.parent_id is not None and time.monotonic() >= self.parent_due:
            from backtests.services.walkforward import walkforward_refresh

            self.parent_due = time.monotonic() + PARENT_REFRESH_SECONDS
            walkforward_refresh(parent_id=self.parent_id)
