"""Backtest benchmarks.

    python bench/backtest.py engine [--stocks 3000 --years 20] [--vectorbt /tmp/vbt-venv/bin/python] [--write]
    python bench/backtest.py queue [--jobs 20]                    # jobs/minute with 1 and 2 workers

``engine`` times a monthly-rebalanced long-short decile momentum backtest on the seeded synthetic
panel (daily data), split into data generation, signal/universe preparation and the engine.
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def engine(stocks: int, years: int, export: Path | None = None, vectorbt: Path | None = None) -> dict:
    from backtests.analytics.engine import run_backtest
    from backtests.configs import BacktestConfig, SyntheticSpec
    from backtests.data import load_inputs
    from backtests.services.execute import build_backtest
    from backtests.synthetic import synthetic_dates
    from quant.periods import TRADING_DAYS_PER_YEAR

    spec = SyntheticSpec(stocks=stocks, days=years * TRADING_DAYS_PER_YEAR, seed=1)
    last = synthetic_dates(spec.days)[-1]
    config = BacktestConfig(
        signal="momentum", start=dt.date(2006, 1, 3), end=last, rebalance="monthly",
        construction="long_short_decile", commission_bps=1.0, half_spread_bps=5.0, source="synthetic", synthetic=spec,
    )  # fmt: skip
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    inputs = load_inputs(config)
    t1 = time.perf_counter()
    panels, strategy, costs = build_backtest(config, inputs)
    t2 = time.perf_counter()
    result = run_backtest(panels, strategy, costs)
    t3 = time.perf_counter()
    days = result.daily.height
    print(f"engine: {stocks} stocks x {days} days ({inputs.returns.height:,} rows), monthly L/S decile")
    print(f"  synthetic data   {t1 - t0:6.2f} s")
    print(f"  signal/universe  {t2 - t1:6.2f} s")
    print(f"  engine           {t3 - t2:6.2f} s   trades={result.trades.height:,}")
    print(f"  end to end       {t3 - t0:6.2f} s   (target < 10 s)")
    record = {
        "name": f"monthly L/S decile momentum, {stocks} stocks x {days} days ({inputs.returns.height:,} rows)",
        "seconds_data": round(t1 - t0, 3), "seconds_prepare": round(t2 - t1, 3), "seconds_engine": round(t3 - t2, 3),
        "seconds_end_to_end": round(t3 - t0, 3), "target_seconds": 10.0, "met": (t3 - t0) < 10.0,
        "load_average_1m_start": round(load_start, 2), "load_average_1m_end": round(os.getloadavg()[0], 2),
        "trades": result.trades.height,
    }  # fmt: skip
    if vectorbt is not None:
        export = export or Path(tempfile.mkdtemp(prefix="bt-export-"))
    if export is not None:
        _export(export, panels, result)
    if vectorbt is not None:
        assert export is not None
        script = REPO / "bench" / "backtest_vectorbt.py"
        out = subprocess.run([str(vectorbt), str(script), str(export)], capture_output=True, text=True, check=True)
        print(out.stdout.strip())
        line = next(x for x in out.stdout.splitlines() if x.startswith("JSON "))
        record["vectorbt"] = {"from_this_run": True, **json.loads(line[5:])}
    return record


def _write_results(record: dict) -> Path:
    path = REPO / "bench" / "results" / "backtest.json"
    payload = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": sys.version.split()[0], "cpus": os.cpu_count()},
        "results": [record],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    e = sub.add_parser("engine")
    e.add_argument("--stocks", type=int, default=3000)
    e.add_argument("--years", type=int, default=20)
    e.add_argument("--export", type=Path, help="write prices/targets/returns for bench/backtest_vectorbt.py")
    e.add_argument("--vectorbt", type=Path, help="python of a venv with vectorbt (e.g. /tmp/vbt-venv/bin/python)")
    e.add_argument("--write", action="store_true", help="write bench/results/backtest.json")
    q = sub.add_parser("queue")
    q.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    if args.what == "engine":
        import django

        django.setup()
        record = engine(args.stocks, args.years, args.export, args.vectorbt)
        if args.write:
            print(f"wrote {_write_results(record)}")
    else:
        queue(args.jobs)


if __name__ == "__main__":
    main()
