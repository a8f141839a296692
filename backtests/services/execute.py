"""Execute one claimed run: load data, build the signal, simulate, write results, finish the row.

Progress: 0-10 % loading data, 10-90 % simulating (the engine's per-date callback), 90-100 %
writing. The callback is throttled (``BACKTEST_PROGRESS_INTERVAL_MS``); each time it writes the
progress, learns whether a cancel was requested and checks the process RSS against
``BACKTEST_MAX_RSS_MB``. A background thread stamps the heartbeat every
``BACKTEST_HEARTBEAT_SECONDS`` even while a long read or write runs, so only a dead worker goes
stale.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import psutil
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connections

from backtests import conf
from backtests.analytics.costs import CostModel
from backtests.analytics.engine import BacktestResult, Panels, Strategy, run_backtest
from backtests.analytics.prepare import between, cap_weighted_benchmark, top_cap_universe
from backtests.analytics.signals import SIGNALS, SignalPanels
from backtests.analytics.weighting import decile_long_short, rank_weighted, top_n_long_only
from backtests.configs import BacktestConfig
from backtests.data import BacktestInputs, DataUnavailable, load_inputs
from backtests.models import BacktestRun
from backtests.services.results import ResultSummary, results_write, staging_dir
from backtests.services.runs import (
    Claim,
    RunLost,
    backtest_run_claim,
    backtest_run_finish,
    backtest_run_heartbeat,
)

logger = logging.getLogger("quantdesk.backtests")
Status = BacktestRun.Status
InputsLoader = Callable[[BacktestConfig], BacktestInputs]


class Cancelled(Exception):
    """The user asked to stop this run."""


class Aborted(Exception):
    """A guard stopped the run (memory); the message is the reason shown to the user."""


@dataclass(frozen=True)
class ExecuteOutcome:
    run_id: int
    status: str
    detail: str = ""


def backtest_run_execute(*, run_id: int, task_id: str, loader: InputsLoader = load_inputs) -> ExecuteOutcome:
    """Run ``run_id`` if this task can claim it; safe to call twice (the second call is a no-op)."""
    outcome = _execute(run_id, task_id, loader)
    if outcome.status in BacktestRun.FINISHED and outcome.detail != "nothing to do":
        parent_id = BacktestRun.objects.filter(pk=run_id).values_list("parent_id", flat=True).first()
        if parent_id is not None:
            from backtests.services.walkforward import child_finished

            child_finished(BacktestRun(pk=run_id, parent_id=parent_id))
    return outcome


def _execute(run_id: int, task_id: str, loader: InputsLoader) -> ExecuteOutcome:
    claim = backtest_run_claim(run_id=run_id, task_id=task_id)
    if claim is None:
        status = BacktestRun.objects.filter(pk=run_id).values_list("status", flat=True).first()
        return ExecuteOutcome(run_id, status or "missing", "nothing to do")
    run = BacktestRun.objects.get(pk=run_id)
    config = BacktestConfig.from_json_dict(run.config)
    beat = _HeartbeatThread(claim)
    beat.start()
    try:
        _simulate_and_write(run, config, claim, loader)
    except Cancelled:
        return _end(claim, Status.CANCELLED, "cancelled")
    except RunLost as exc:
        logger.warning("%s", exc)
        return ExecuteOutcome(run_id, "lost", str(exc))
    except (Aborted, DataUnavailable, ValueError) as exc:
        return _end(claim, Status.FAILED, "failed", str(exc))
    except SoftTimeLimitExceeded:
        return _end(claim, Status.FAILED, "failed", f"time limit: ran longer than {conf.soft_time_limit()} s")
    except Exception as exc:  # the row must say why, whatever broke; the task still sees the error
        _end(claim, Status.FAILED, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        beat.stop()
    return ExecuteOutcome(run_id, Status.SUCCEEDED)


def _end(claim: Claim, status: str, message: str, error: str = "") -> ExecuteOutcome:
    if not backtest_run_finish(claim=claim, status=status, message=message, error=error):
        return ExecuteOutcome(claim.run_id, "lost", "the run was taken over before it finished")
    return ExecuteOutcome(claim.run_id, status, error)


def _simulate_and_write(run: BacktestRun, config: BacktestConfig, claim: Claim, loader: InputsLoader) -> ResultSummary:
    watch = _Watch(claim)
    watch.step(1, "loading data", force=True)
    inputs = loader(config)
    watch.step(8, "building signal", force=True)
    panels, strategy, costs = build_backtest(config, inputs)
    watch.step(10, f"simulating {panels.returns['date'].n_unique()} days", force=True)
    result = run_backtest(panels, strategy, costs, progress=lambda done, total: watch.step(10 + 80 * done // total))
    watch.step(90, "writing results", force=True)
    staging = staging_dir(run.pk, claim.attempt)
    return results_write(run=run, claim=claim, result=result, staging=staging, inputs=inputs)


def build_backtest(config: BacktestConfig, inputs: BacktestInputs) -> tuple[Panels, Strategy, CostModel]:
    """The engine inputs for ``config`` (pure apart from reading ``inputs`` and, with an optimizer,
    the risk models; the optimizer replaces the weighting rule's target at each rebalance)."""
    if config.start < inputs.first_date or config.end > inputs.last_date:
        raise DataUnavailable(
            f"The data covers {inputs.first_date}..{inputs.last_date}; the backtest asks for "
            f"{config.start}..{config.end}."
        )
    definition = SIGNALS[config.signal]
    signal_panels = SignalPanels(inputs.returns, inputs.mktcap, inputs.book_to_market)
    if not definition.available(signal_panels):
        raise DataUnavailable(f"Signal {definition.label!r} needs {', '.join(definition.needs)}, which is missing.")
    signal = definition.compute(signal_panels).drop_nulls("signal").filter(pl.col("signal").is_finite())
    universe = inputs.universe
    if config.universe == "top_cap":
        if inputs.mktcap is None:
            raise DataUnavailable("A top-by-market-cap universe needs market caps, which are missing.")
        caps = inputs.mktcap if universe is None else inputs.mktcap.join(universe, on=["date", "permno"], how="semi")
        universe = top_cap_universe(caps, config.universe_top_n)
    window = (config.start, config.end)
    returns = between(inputs.returns, *window)
    assert returns is not None
    market = config.signal == "market"
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
    strategy = Strategy(
        schedule=config.rebalance, signal=between(signal, *window), weighting=weighting, optimizer=optimizer
    )
    costs = CostModel(
        commission_bps=config.commission_bps, half_spread_bps=config.half_spread_bps, impact_k=config.impact_k
    )
    return panels, strategy, costs


def simulate(config: BacktestConfig, inputs: BacktestInputs) -> BacktestResult:
    """Run ``config`` on ``inputs`` without a job row (goldens, benchmarks, tests)."""
    panels, strategy, costs = build_backtest(config, inputs)
    return run_backtest(panels, strategy, costs)


class _Watch:
    """The throttled progress callback: writes progress, honours cancel, enforces the RSS guard."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.interval = conf.progress_interval_ms() / 1000.0
        self.limit_mb = conf.max_rss_mb()
        self.last = 0.0
        self.process = psutil.Process()

    def step(self, percent: int, message: str | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        rss_mb = self.process.memory_info().rss / 2**20
        if rss_mb > self.limit_mb:
            raise Aborted(
                f"memory guard: worker RSS {rss_mb:.0f} MB is above BACKTEST_MAX_RSS_MB={self.limit_mb}; "
                "shorten the period, shrink the universe or raise the limit"
            )
        if backtest_run_heartbeat(claim=self.claim, progress=percent, message=message):
            raise Cancelled


class _HeartbeatThread(threading.Thread):
    """Stamps ``heartbeat_at`` every few seconds while the task is alive (own DB connection)."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(name=f"backtest-heartbeat-{claim.run_id}", daemon=True)
        self.claim = claim
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(conf.heartbeat_seconds()):
                try:
                    backtest_run_heartbeat(claim=self.claim)
                except RunLost:
                    return
                except Exception:  # a DB hiccup must not kill the heartbeat for good
                    logger.exception("heartbeat of run %s failed", self.claim.run_id)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
