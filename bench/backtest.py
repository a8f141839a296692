"""Backtest benchmarks.

    python bench/run.py --only backtest      # the engine bench (alone: python bench/backtest.py)
    python bench/backtest.py queue [--jobs 20]                    # jobs/minute with 1 and 2 workers

The engine bench (``measure``) times a monthly-rebalanced long-short decile momentum backtest on
the seeded synthetic panel (3,000 stocks x 20 years of daily data). Generating the synthetic
panel is reported on its own row (no real run pays it: a real run reads the warehouse); the timed
call is what a run pays: load (reading the same panels back from Parquet), signal/universe
preparation and the engine. The peer is vectorbt's warm (second) call on the same prices and
target weights, run in its own venv (``$BENCH_VECTORBT_PYTHON``, default /tmp/peer-venv/bin/python;
``bench/backtest_vectorbt.py`` says how to make it); its daily returns must equal ours.
``queue`` needs REDIS_URL and DATABASE_URL (Postgres): it starts real Celery workers (solo pool)
on the ``backtests`` queue, queues ``--jobs`` small distinct backtests through the service and
measures the wall time until all have finished, first with one worker, then with two.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.harness import Harness, Row, Timing  # noqa: E402
from bench.harness import main as harness_main  # noqa: E402

STOCKS, YEARS = int(os.environ.get("BENCH_BT_STOCKS", 3000)), int(os.environ.get("BENCH_BT_YEARS", 20))
VECTORBT = Path(os.environ.get("BENCH_VECTORBT_PYTHON", "/tmp/peer-venv/bin/python"))
SPEEDUP_TARGET = 10.0  # load + prepare + engine vs vectorbt's warm call


def measure(h: Harness) -> None:
    import django

    django.setup()
    import polars as pl

    from backtests.analytics.engine import run_backtest
    from backtests.configs import BacktestConfig, SyntheticSpec
    from backtests.data import BacktestInputs, load_inputs
    from backtests.services.execute import build_backtest
    from backtests.synthetic import synthetic_dates
    from quant.periods import TRADING_DAYS_PER_YEAR

    spec = SyntheticSpec(stocks=STOCKS, days=YEARS * TRADING_DAYS_PER_YEAR, seed=1)
    config = BacktestConfig(
        signal="momentum", start=dt.date(2006, 1, 3), end=synthetic_dates(spec.days)[-1], rebalance="monthly",
        construction="long_short_decile", commission_bps=1.0, half_spread_bps=5.0, source="synthetic", synthetic=spec,
    )  # fmt: skip
    generate = h.time(lambda: load_inputs(config), repeat=1, label="synthetic")
    inputs: BacktestInputs = h.last  # type: ignore[assignment]
    rows = inputs.returns.height
    h.record(Row(f"synthetic panel generation, {STOCKS:,} x {spec.days:,} days", ours=generate,
                 notes="not paid by a real run (which reads the warehouse); excluded from the timed run"))  # fmt: skip
    store = Path(tempfile.mkdtemp(prefix="bench-bt-"))
    frames = {"returns": inputs.returns, "mktcap": inputs.mktcap, "adv": inputs.adv,
              "daily": inputs.signal_data.daily if inputs.signal_data else None}  # fmt: skip
    for name, frame in frames.items():
        assert frame is not None
        frame.write_parquet(store / f"{name}.parquet")

    def load() -> BacktestInputs:
        panels = {name: pl.read_parquet(store / f"{name}.parquet") for name in frames}
        signal_data = replace(inputs.signal_data, daily=panels["daily"]) if inputs.signal_data else None
        return replace(inputs, returns=panels["returns"], mktcap=panels["mktcap"], adv=panels["adv"],
                       signal_data=signal_data)  # fmt: skip

    parts: dict[str, list[float]] = {"load": [], "prepare": [], "engine": []}

    def run() -> object:
        t0 = time.perf_counter()
        loaded = load()
        t1 = time.perf_counter()
        panels, strategy, costs = build_backtest(config, loaded)
        t2 = time.perf_counter()
        result = run_backtest(panels, strategy, costs)
        t3 = time.perf_counter()
        for key, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            parts[key].append(seconds)
        return panels, result

    ours = h.time(run)
    panels, result = h.last  # type: ignore[misc]
    split = ", ".join(f"{k} {min(v):.2f} s" for k, v in parts.items())
    peer, agreement, detail = None, None, "vectorbt not run"
    if VECTORBT.exists():
        export = store / "export"
        _export(export, panels, result)
        script = REPO / "bench" / "backtest_vectorbt.py"
        out = subprocess.run([str(VECTORBT), str(script), str(export)], capture_output=True, text=True, check=True)
        print(out.stdout.strip())
        vbt = json.loads(next(x for x in out.stdout.splitlines() if x.startswith("JSON "))[5:])
        peer = Timing((vbt["seconds_second_call"],), f"vectorbt {vbt['vectorbt_version']} (warm call)")
        agreement = vbt["max_abs_diff"] < 1e-12
        detail = f"daily gross returns max |diff| {vbt['max_abs_diff']:.1e}, corr {vbt['daily_return_correlation']:.6f}"
        h.versions["vectorbt"] = vbt["vectorbt_version"]
        h.config["vectorbt_first_call_s"] = vbt["seconds_first_call"]
    else:
        detail = f"vectorbt not run: no {VECTORBT} (see bench/backtest_vectorbt.py)"
    h.record(Row(f"monthly L/S decile momentum {STOCKS:,} x {result.daily.height:,} days: load + prepare + engine",
                 ours=ours, peer=peer, target_speedup=SPEEDUP_TARGET, agreement=agreement, agreement_detail=detail,
                 notes=f"{rows:,} rows, {result.trades.height:,} trades; best split {split}"))  # fmt: skip
    h.config.update(stocks=STOCKS, years=YEARS, rows=rows, trades=result.trades.height)


def _export(directory: Path, panels: object, result: object) -> None:
    """Wide close prices, target weights on rebalance days and our gross returns, for the
    vectorbt comparison (``bench/backtest_vectorbt.py`` runs in its own venv)."""
    import polars as pl

    directory.mkdir(parents=True, exist_ok=True)
    returns = panels.returns.sort("date", "permno")  # type: ignore[attr-defined]
    prices = (
        returns.sort("permno", "date")
        .with_columns(close=(1.0 + pl.col("ret").fill_null(0.0)).cum_prod().over("permno"))
        .pivot(on="permno", index="date", values="close")
        .sort("date")
    )
    trades = result.trades.filter(pl.col("reason") == "rebalance")  # type: ignore[attr-defined]
    rebalance_days = trades["date"].unique()
    targets = (
        result.positions.filter(pl.col("date").is_in(rebalance_days.implode()))  # type: ignore[attr-defined]
        .pivot(on="permno", index="date", values="weight")
        .sort("date")
    )
    prices.write_parquet(directory / "prices.parquet")
    targets.write_parquet(directory / "targets.parquet")
    result.daily.select("date", "gross_return").write_parquet(directory / "ours.parquet")  # type: ignore[attr-defined]
    print(f"  exported prices {prices.shape}, targets {targets.shape} to {directory}")


def _start_worker(n: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", "backtests",
        "-n", f"bench{n}-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--loglevel=WARNING",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=REPO, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def queue(jobs: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from backtests.configs import BacktestConfig, SyntheticSpec
    from backtests.models import BacktestRun
    from backtests.services import backtest_run_create
    from config.celery import app

    if not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("queue benchmark needs REDIS_URL and a Postgres DATABASE_URL")
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    rounds = []
    for workers in (1, 2):
        procs = [_start_worker(i, Path(f"/tmp/bench-worker-{i}.log")) for i in range(workers)]
        try:
            deadline = time.monotonic() + 90
            while len(app.control.ping(timeout=0.5) or []) < workers and time.monotonic() < deadline:
                time.sleep(0.5)
            salt = time.time_ns()  # distinct configs each round: idempotency must not short-cut
            t0 = time.monotonic()
            ids = []
            for i in range(jobs):
                spec = SyntheticSpec(stocks=300, days=1000, seed=(salt + i) % 2**31)
                config = BacktestConfig(signal="momentum", start=dt.date(2006, 2, 1), end=dt.date(2008, 12, 19),
                                        source="synthetic", synthetic=spec)  # fmt: skip
                ids.append(backtest_run_create(config=config, owner=owner).run.pk)
            runs = BacktestRun.objects.filter(pk__in=ids)
            while runs.filter(job__status__in=["queued", "running"]).exists():
                time.sleep(0.25)
            elapsed = time.monotonic() - t0
            ok = runs.filter(job__status="succeeded").count()
            if ok != jobs:
                bad = runs.exclude(job__status="succeeded").select_related("job").first()
                raise SystemExit(f"{jobs - ok} of {jobs} jobs did not succeed: {bad.job.error if bad else ''}")
            rounds.append((workers, elapsed, ok))
            print(f"queue: {workers} worker(s): {jobs} jobs in {elapsed:.1f} s = {60 * jobs / elapsed:.1f} jobs/min "
                  f"({ok} succeeded)")  # fmt: skip
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                proc.wait(timeout=60)
    if len(rounds) == 2:
        print(f"speed-up with 2 workers: {rounds[0][1] / rounds[1][1]:.2f}x (2 CPU cores shared with other work)")


def main() -> None:
    if sys.argv[1:2] == ["queue"]:
        parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("what", choices=["queue"])
        parser.add_argument("--jobs", type=int, default=20)
        queue(parser.parse_args().jobs)
    else:
        harness_main(measure)


if __name__ == "__main__":
    main()
