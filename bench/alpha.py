"""Alpha tear-sheet benchmark: ``python bench/run.py --only alpha`` (alone: ``python bench/alpha.py``).

The runner times ``measure`` (the tear sheet against alphalens, per-date IC against qlib);
``python bench/alpha.py --only tear|cache`` runs the older detailed parts and prints their JSON:

Synthetic, seeded panel (prices: random-walk log returns; signal: next-day return + noise, so IC
is positive and known). Times the full tear sheet straight from long prices
(``tear_sheet_from_prices``: pivot, forward returns at 5 horizons, IC, rank IC, decay, quintile
returns, long-short, top-quintile turnover, rank autocorrelation; min/median of ``--repeat`` runs),
the long-format API (``forward_returns`` + ``tear_sheet``), our per-date IC and qlib's ``calc_ic``
on the same pairs (the ratio is reported), and
qlib's data-server task on the demo warehouse (800 stocks × 14 y, built once in
``$QUANTDESK_DATA_DIR``, default /tmp/qd-alpha-bench): 14 Alpha158-style expressions from our
FeatureCache cold and warm vs qlib's own expression engine (``D.features``) on the same panel dumped
to qlib's bin format (bench/qlib_format.py), with per-expression max diffs.
With ``--alphalens /tmp/al-venv/bin/python`` the same panel also goes through alphalens, the
issue's named peer (data preparation and the tear-sheet metrics; bench/alpha_alphalens.py), and
the per-date rank IC is compared with ours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The cache part reads a demo warehouse built once into this bench-owned directory (never data/).
os.environ.setdefault("QUANTDESK_DATA_DIR", "/tmp/qd-alpha-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.harness import Harness, Row, Timing  # noqa: E402
from bench.harness import main as harness_main  # noqa: E402


def panel(assets: int, days: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    rets = rng.normal(0.0003, 0.02, size=(days, assets))
    prices = 100 * np.exp(np.cumsum(rets, axis=0))
    nxt = np.vstack([rets[1:], np.zeros((1, assets))])
    sig = nxt + rng.normal(0, 0.2, size=(days, assets))
    dates = pl.date_range(dt.date(2000, 1, 3), dt.date(2000, 1, 3) + dt.timedelta(days=days - 1), eager=True)
    d = np.repeat(dates.to_numpy(), assets)
    a = np.tile(np.arange(assets, dtype=np.int64), days)
    px = pl.DataFrame({"date": d, "asset": a, "price": prices.ravel()})
    sg = pl.DataFrame({"date": d, "asset": a, "value": sig.ravel()})
    return px, sg


def timed(fn):  # noqa: ANN001, ANN201
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def tear(args: argparse.Namespace) -> dict:
    from research.analytics.ic import forward_returns, ic_by_date
    from research.analytics.report import alpha_report
    from research.analytics.tearsheet import tear_sheet, tear_sheet_from_prices
    from research.qlib_adapter import qlib_available, qlib_ic

    horizons = (1, 5, 10, 21, 63)
    prices, signal = panel(args.assets, args.days)
    runs = []
    for _ in range(args.repeat):  # the box is shared: several runs, min and median reported
        sheet, t = timed(lambda: tear_sheet_from_prices(signal, prices, h=1, horizons=horizons, quantiles=5,
                                                        periods_per_year=252))  # fmt: skip
        runs.append(t)
    fwd, t_fwd = timed(lambda: forward_returns(prices, horizons))
    long_sheet, t_long = timed(lambda: tear_sheet(signal, fwd, h=1, quantiles=5, periods_per_year=252))
    main = fwd.filter(pl.col("h") == 1)
    ours, t_ic = timed(lambda: ic_by_date(signal, main))
    same = long_sheet.decay.select(pl.exclude("h")) - sheet.decay.select(pl.exclude("h"))
    out = {"assets": args.assets, "days": args.days, "rows": signal.height, "horizons": list(horizons),
           "tear_sheet_from_prices_runs_s": runs, "tear_sheet_from_prices_min_s": min(runs),
           "tear_sheet_from_prices_median_s": float(np.median(runs)), "target_s": 3.0,
           "forward_returns_long_s": t_fwd, "tear_sheet_from_long_fwd_s": t_long,
           "max_abs_diff_long_vs_prices_path": float(np.nanmax(np.abs(same.to_numpy()))),
           "ic_by_date_s": t_ic, "ic_mean_h1": sheet.ic_summary.mean, "rank_ic_mean_h1": sheet.rank_ic_summary.mean,
           "decay": sheet.decay.to_dicts(), "turnover_top": sheet.turnover,
           "rank_autocorrelation_lag1": sheet.autocorrelation, "long_short_mean_h1": sheet.long_short_mean}  # fmt: skip
    report, t_report = timed(lambda: alpha_report(signal, prices, horizons=horizons, quantiles=5,
                                                  periods_per_year=252, backend="local"))  # fmt: skip
    report_gap = abs(report.horizons[0].ic["mean"] - sheet.ic_summary.mean)  # type: ignore[operator]
    out.update({"alpha_report_local_s": t_report, "max_abs_diff_alpha_report_vs_sheet_ic_h1": report_gap})
    if args.alphalens is not None:
        out["alphalens"] = alphalens_peer(args.alphalens, prices, signal, sheet.ic, min(runs))
    if qlib_available():
        q, t_q = timed(lambda: qlib_ic(signal, main))
        joined = q.join(ours, on="date", suffix="_ours").drop_nulls()
        diff = max(float((joined["ic"] - joined["ic_ours"]).abs().max()),  # type: ignore[arg-type]
                   float((joined["rank_ic"] - joined["rank_ic_ours"]).abs().max()))  # type: ignore[arg-type]  # fmt: skip
        out.update({"qlib_calc_ic_s": t_q, "qlib_over_ours_ic_ratio": t_q / t_ic,
                    "qlib_over_full_tear_sheet_ratio": t_q / min(runs), "max_abs_diff_vs_qlib": diff})  # fmt: skip
    else:
        out["qlib_calc_ic_s"] = None
    return out


def alphalens_peer(python: Path, prices: pl.DataFrame, signal: pl.DataFrame, ic: pl.DataFrame, ours_s: float) -> dict:
    """The same panel through alphalens (bench/alpha_alphalens.py in its own venv): its timings, and
    the per-date rank IC at h = 1 against ours on the dates both keep."""
    import subprocess

    export = Path(tempfile.mkdtemp(prefix="alpha-bench-alphalens-"))
    try:
        prices.write_parquet(export / "prices.parquet")
        signal.write_parquet(export / "signal.parquet")
        script = ROOT / "bench" / "alpha_alphalens.py"
        done, wall = timed(lambda: subprocess.run([str(python), str(script), str(export)], capture_output=True,
                                                  text=True, check=True))  # fmt: skip
    finally:
        shutil.rmtree(export, ignore_errors=True)
    peer = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("JSON "))[5:])
    theirs = peer.pop("rank_ic_h1_by_date")
    ours = {d.isoformat(): v for d, v in ic.select("date", "rank_ic").iter_rows() if v is not None}
    diffs = [abs(v - ours[d]) for d, v in theirs.items() if d in ours]
    peer.update({"process_wall_s": wall, "dates_compared": len(diffs), "max_abs_diff_rank_ic_h1_vs_ours": max(diffs),
                 "alphalens_metrics_over_our_full_sheet": peer["tear_sheet_metrics_s"] / ours_s,
                 "alphalens_data_prep_over_our_full_sheet":
                     peer["clean_factor_and_forward_returns_s"] / ours_s})  # fmt: skip
    return peer


def demo_build(stocks: int, years: int, seed: int) -> dict:
    """Build (once) the demo warehouse through the same service as ``warehouse_sync --source demo``."""
    from warehouse.services import warehouse_sync_demo

    built, t_build = timed(lambda: warehouse_sync_demo(stocks=stocks, years=years, seed=seed, writer="bench"))
    return {"stocks": stocks, "years": years, "seed": seed, "data_dir": os.environ["QUANTDESK_DATA_DIR"],
            "build_s": None if built.skipped else t_build, "reused": built.skipped}  # fmt: skip


def demo_ohlcv() -> tuple[pl.DataFrame, dict]:
    """CRSP daily through the readers as split-adjusted OHLCV (``close = |prc| / cfacpr``,
    ``high = askhi / cfacpr``, ``low = bidlo / cfacpr``, ``volume = vol * cfacshr``; CRSP daily has
    no open), with ``asset`` = permno."""
    from research.io import warehouse_span
    from warehouse import readers, storage

    lo, hi = warehouse_span()
    cfac = pl.col("cfacpr")
    raw = readers.crsp_daily(lo, hi, columns=["permno", "date", "prc", "askhi", "bidlo", "vol", "cfacpr", "cfacshr"])
    frame = raw.select("date", pl.col("permno").alias("asset"), (pl.col("prc").abs() / cfac).alias("close"),
                       (pl.col("askhi") / cfac).alias("high"), (pl.col("bidlo") / cfac).alias("low"),
                       (pl.col("vol") * pl.col("cfacshr")).alias("volume"))  # fmt: skip
    return frame, {"crsp_daily_version": storage.resolve_version("crsp_daily"), "span": [str(lo), str(hi)]}


def ours_cold_warm(factors: tuple, stocks: int, years: int, seed: int) -> tuple[pl.DataFrame, dict]:
    """Cold: read crsp_daily, densify, compute and write the 14 factors into an empty FeatureCache.
    Warm: the same 14 ``get_or_compute`` calls again (14 Parquet reads)."""
    from bench.qlib_format import dense_panel
    from research.cache import FeatureCache

    demo = demo_build(stocks, years, seed)  # set-up: not part of the cold time
    root = Path(tempfile.mkdtemp(prefix="alpha-bench-cache-"))
    cache = FeatureCache(root)
    state: dict = {}

    def run() -> None:
        if "dense" not in state:
            state["frame"], state["info"] = demo_ohlcv()
            state["t_read"] = time.perf_counter() - state["t0"]
            state["dense"] = dense_panel(state["frame"])
        versions = {"crsp_daily": state["info"]["crsp_daily_version"]}
        for f in factors:

            def compute(e: pl.Expr = f.polars, name: str = f.name) -> pl.DataFrame:
                return state["dense"].select("date", "asset", e.over("asset", order_by="date").alias(name))

            cache.get_or_compute(f.name, definition_hash=f"{f.qlib}|{f.polars}", dataset_versions=versions,
                                 compute=compute)  # fmt: skip

    state["t0"] = time.perf_counter()
    _, cold = timed(run)
    _, warm = timed(run)
    shutil.rmtree(root, ignore_errors=True)
    dense = state["dense"]
    out = {"demo": demo, **state["info"], "stocks_total": dense["asset"].n_unique(), "days": dense["date"].n_unique(),
           "rows_source": state["frame"].height, "rows_dense": dense.height,
           "stocks_per_day_mean": round(state["frame"].height / dense["date"].n_unique(), 1),
           "ours_cold_s": cold, "ours_cold_read_warehouse_s": state["t_read"], "ours_warm_s": warm,
           "hits": cache.stats.hits, "misses": cache.stats.misses}  # fmt: skip
    return dense, out


def qlib_runs(dense: pl.DataFrame, factors: tuple, kernels: int) -> tuple[pl.DataFrame | None, dict]:
    """Dump ``dense`` to qlib's bin format (set-up, timed apart), then time ``D.features`` for the 14
    expressions: cold (-E -D: caches off; memory cache cleared after a one-instrument warm-up query)
    with ``kernels`` workers and with 1, and +E (DiskExpressionCache): the run that fills it, then a
    warm run. +D (DiskDatasetCache) needs pytables (pandas HDFStore), which is not installed: not run."""
    from bench import qlib_format as qf

    root = Path(tempfile.mkdtemp(prefix="alpha-bench-qlib-"))
    out: dict = {"qlib_dataset_cache": "not run: qlib's DiskDatasetCache writes pandas HDFStore files, which "
                 "need pytables (not installed; no new dependency for a bench peer)"}  # fmt: skip
    try:
        import qlib

        counts, t_dump = timed(lambda: qf.write_qlib_bin(root, dense))
        out.update(
            {"qlib_version": qlib.__version__, "qlib_kernels": kernels, "qlib_dump": counts, "qlib_dump_s": t_dump}
        )
        cold: dict[str, float] = {}
        theirs = None
        for k in dict.fromkeys((kernels, 1)):
            qf.qlib_init(root, kernels=k)
            qf.qlib_warm_up()
            qf.qlib_clear_memory()
            theirs, cold[str(k)] = timed(lambda: qf.qlib_features(factors))
        out.update({"qlib_cold_s": cold[str(kernels)], "qlib_cold_s_by_kernels": cold})
        if qf.qlib_init(
            root, kernels=kernels, expression_cache="DiskExpressionCache", redis_url=os.environ.get("REDIS_URL", "")
        ):
            qf.qlib_clear_memory()
            _, out["qlib_expression_cache_fill_s"] = timed(lambda: qf.qlib_features(factors))
            qf.qlib_clear_memory()
            warm, out["qlib_warm_s"] = timed(lambda: qf.qlib_features(factors))
            out["qlib_warm_equals_cold"] = warm.equals(theirs)
        else:
            out["qlib_warm_s"] = None
            out["qlib_expression_cache"] = "not run: qlib dropped DiskExpressionCache (Redis unreachable)"
        return theirs, out
    except Exception as exc:  # report qlib's failure in the JSON instead of hiding it
        return None, {**out, "qlib_expression_engine": f"not run: {type(exc).__name__}: {exc}"}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def cache_bench(stocks: int = 800, years: int = 14, seed: int = 7, qlib_kernels: int | None = None) -> dict:
    """qlib's data-server task on the demo warehouse: 14 Alpha158-style expressions over ~800 stocks
    a day × 14 years, our FeatureCache cold and warm vs qlib's expression engine cold on the same data."""
    import django

    django.setup()
    from bench.qlib_format import EXPRESSIONS, compare, our_features

    dense, out = ours_cold_warm(EXPRESSIONS, stocks, years, seed)
    out["expressions"] = [{"name": f.name, "qlib": f.qlib} for f in EXPRESSIONS]
    out["cold_means"] = {
        "ours": "empty FeatureCache directory; includes reading crsp_daily through warehouse.readers (DuckDB over "
                "Parquet, OS page cache warm), densifying, computing and writing 14 Parquet files",
        "ours_warm": "the same 14 get_or_compute calls: 14 Parquet reads, no warehouse read, no compute",
        "qlib": "qlib.init with expression_cache=None, dataset_cache=None (qlib's '-E -D'), a one-instrument $close "
                "query (first-call imports), memory cache cleared; "
                "one D.features(D.instruments('all'), 14 expressions) reading the .bin files (OS page cache warm, "
                "files just written); the dump to qlib's format is set-up, timed separately",
        "qlib_warm": "qlib's '+E -D': DiskExpressionCache filled by one run, memory cache cleared, a second run",
    }  # fmt: skip
    theirs, q = qlib_runs(dense, EXPRESSIONS, qlib_kernels or os.cpu_count() or 1)
    out.update(q)
    if theirs is not None:
        out["qlib_over_ours_cold"] = out["qlib_cold_s"] / out["ours_cold_s"]
        out["qlib_cold_over_ours_warm"] = out["qlib_cold_s"] / out["ours_warm_s"]
        if out.get("qlib_warm_s"):
            out["qlib_warm_over_ours_warm"] = out["qlib_warm_s"] / out["ours_warm_s"]
        out["diff_vs_qlib"] = compare(our_features(dense), theirs, EXPRESSIONS)
        out["diff_note"] = ("qlib reads float32 and computes in float32/float64; ours reads float64. "
                            "scaled diff = |ours - qlib| / max(|ours|, 1); float32 precision is ~6e-8 relative "
                            "on inputs; tests/bench/test_qlib_format.py uses rtol = atol = 1e-5")  # fmt: skip
    return out


def print_cache(c: dict) -> None:
    print(f"feature cache, demo warehouse ({c['stocks_total']} permnos, ~{c['stocks_per_day_mean']:.0f} a day) x "
          f"{c['days']} days, {c['rows_dense']:,} rows, {len(c['expressions'])} expressions")  # fmt: skip
    print(f"  ours cold (read warehouse {c['ours_cold_read_warehouse_s']:.2f} s + compute + write) "
          f"{c['ours_cold_s']:8.2f} s")  # fmt: skip
    print(f"  ours warm ({c['hits']} hits)                 {c['ours_warm_s']:8.2f} s")
    if "qlib_cold_s" not in c:
        print(f"  qlib expression engine: {c['qlib_expression_engine']}")
        return
    by_k = ", ".join(f"{k} kernel(s) {v:.2f} s" for k, v in c["qlib_cold_s_by_kernels"].items())
    print(f"  qlib {c['qlib_version']} D.features cold (-E -D)  {c['qlib_cold_s']:8.2f} s   ({by_k}; qlib/ours "
          f"cold {c['qlib_over_ours_cold']:.1f}x; dump to .bin {c['qlib_dump_s']:.1f} s, not counted)")  # fmt: skip
    if c.get("qlib_warm_s"):
        fill, ratio = c["qlib_expression_cache_fill_s"], c["qlib_warm_over_ours_warm"]
        print(f"  qlib warm (+E, DiskExpressionCache) {c['qlib_warm_s']:8.2f} s   (filling it {fill:.2f} s; "
              f"qlib/ours warm {ratio:.1f}x)")  # fmt: skip
    diffs = {k: v for k, v in c["diff_vs_qlib"].items() if k != "rows_matched"}
    worst = max(diffs, key=lambda k: diffs[k]["max_scaled_diff"] or 0.0)
    print(
        f"  max scaled |ours - qlib| {diffs[worst]['max_scaled_diff']:.1e} ({worst}); missing-value "
        f"mismatches {sum(v['missing_mismatch'] for v in diffs.values())}; rows {c['diff_vs_qlib']['rows_matched']}"
    )


def print_tear(t: dict) -> None:
    print(f"tear sheet {t['assets']} assets x {t['days']} days ({t['rows']:,} rows), horizons {t['horizons']}")
    print(f"  full tear sheet from prices  {t['tear_sheet_from_prices_min_s']:8.2f} s min, "
          f"{t['tear_sheet_from_prices_median_s']:.2f} s median of {len(t['tear_sheet_from_prices_runs_s'])} "
          f"(target {t['target_s']:.0f} s)")  # fmt: skip
    print(f"  forward returns, long frame  {t['forward_returns_long_s']:8.2f} s")
    print(f"  tear sheet from long fwd     {t['tear_sheet_from_long_fwd_s']:8.2f} s   "
          f"max |diff| vs prices path {t['max_abs_diff_long_vs_prices_path']:.1e}")  # fmt: skip
    print(f"  IC per date h=1 (ours)       {t['ic_by_date_s']:8.2f} s")
    if t.get("qlib_calc_ic_s") is not None:
        print(f"  qlib calc_ic h=1             {t['qlib_calc_ic_s']:8.2f} s   "
              f"qlib/ours IC {t['qlib_over_ours_ic_ratio']:.1f}x, qlib IC / our full sheet "
              f"{t['qlib_over_full_tear_sheet_ratio']:.1f}x, max |diff| {t['max_abs_diff_vs_qlib']:.1e}")  # fmt: skip
    print(f"  alpha_report, 5 horizons     {t['alpha_report_local_s']:8.2f} s   (local backend, quintiles per horizon)")
    if "alphalens" in t:
        a = t["alphalens"]
        print(f"  alphalens {a['alphalens']} data prep    {a['clean_factor_and_forward_returns_s']:8.2f} s   "
              f"({a['alphalens_data_prep_over_our_full_sheet']:.1f}x our full sheet)")  # fmt: skip
        print(f"  alphalens tear-sheet metrics {a['tear_sheet_metrics_s']:8.2f} s   "
              f"({a['alphalens_metrics_over_our_full_sheet']:.1f}x ours; rank IC h=1 max |diff| "
              f"{a['max_abs_diff_rank_ic_h1_vs_ours']:.1e} on {a['dates_compared']} dates)")  # fmt: skip
    print(f"  IC h=1 {t['ic_mean_h1']:.4f}  rank IC {t['rank_ic_mean_h1']:.4f}")


ALPHALENS = Path(os.environ.get("BENCH_ALPHALENS_PYTHON", "/tmp/peer-venv/bin/python"))


def measure(h: Harness) -> None:
    """The runner's part (``python bench/run.py --only alpha``): the 4,400 x 3,500 tear sheet from
    prices against alphalens (prep + metrics, own venv; per-date rank IC compared) and our per-date
    IC against qlib's ``calc_ic``. The FeatureCache/qlib expression part stays in ``main --only cache``."""
    from research.analytics.ic import forward_returns, ic_by_date
    from research.analytics.tearsheet import tear_sheet_from_prices
    from research.qlib_adapter import qlib_available, qlib_ic

    assets, days, horizons = int(os.environ.get("BENCH_ASSETS", 4400)), int(os.environ.get("BENCH_DAYS", 3500)), (
        1, 5, 10, 21, 63)  # fmt: skip
    prices, signal = panel(assets, days)
    h.config.update(assets=assets, days=days, rows=signal.height, horizons=list(horizons))
    ours = h.time(lambda: tear_sheet_from_prices(signal, prices, h=1, horizons=horizons, quantiles=5,
                                                 periods_per_year=252))  # fmt: skip
    sheet = h.last
    peer, agreement, detail, notes = None, None, f"alphalens not run: no {ALPHALENS}", ""
    if ALPHALENS.exists():
        al = alphalens_peer(ALPHALENS, prices, signal, sheet.ic, ours.min)  # type: ignore[attr-defined]
        prep_metrics = al["clean_factor_and_forward_returns_s"] + al["tear_sheet_metrics_s"]
        peer = Timing((prep_metrics,), f"alphalens {al.get('alphalens', '')} prep + metrics")
        gap = al["max_abs_diff_rank_ic_h1_vs_ours"]
        agreement = gap < 1e-12
        detail = f"per-date rank IC h=1 max |diff| {gap:.1e} on {al['dates_compared']} dates"
        notes = (f"alphalens prep {al['clean_factor_and_forward_returns_s']:.1f} s + metrics "
                 f"{al['tear_sheet_metrics_s']:.1f} s")  # fmt: skip
        h.versions["alphalens"] = str(al.get("alphalens", ""))
    h.record(Row(f"tear sheet from prices, {assets:,} x {days:,}, 5 horizons", ours=ours, peer=peer, target_s=1.0,
                 target_speedup=50.0, agreement=agreement, agreement_detail=detail, notes=notes))  # fmt: skip
    main_h = forward_returns(prices, horizons).filter(pl.col("h") == 1)
    ours_ic = h.time(lambda: ic_by_date(signal, main_h))
    if qlib_available():
        mine = h.last
        peer_ic = h.time(lambda: qlib_ic(signal, main_h), repeat=1, label="qlib calc_ic")
        joined = peer_ic_frame = h.last.join(mine, on="date", suffix="_ours").drop_nulls()  # type: ignore[union-attr]
        diff = max(float((joined["ic"] - joined["ic_ours"]).abs().max()),  # type: ignore[arg-type]
                   float((joined["rank_ic"] - joined["rank_ic_ours"]).abs().max()))  # type: ignore[arg-type]  # fmt: skip
        del peer_ic_frame
        h.record(Row("per-date IC and rank IC (h = 1)", ours=ours_ic, peer=peer_ic, agreement=diff < 1e-12,
                     agreement_detail=f"max |diff| {diff:.1e}"))  # fmt: skip
    else:
        h.record(Row("per-date IC and rank IC (h = 1)", ours=ours_ic, notes="qlib not installed: no peer"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=4400)
    ap.add_argument("--days", type=int, default=3500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=("tear", "cache"), required=True, help="run one part and print its JSON")
    ap.add_argument("--alphalens", type=Path, default=None,
                    help="python of a venv with alphalens-reloaded (see bench/alpha_alphalens.py)")  # fmt: skip
    ap.add_argument("--stocks", type=int, default=800, help="cache part: demo warehouse stocks")
    ap.add_argument("--years", type=int, default=14, help="cache part: demo warehouse years")
    ap.add_argument("--qlib-kernels", type=int, default=None, help="qlib worker processes (default: CPU count)")
    args = ap.parse_args()
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "polars": pl.__version__}
    result: dict = {"machine": machine, "when": dt.datetime.now(dt.UTC).isoformat()}
    if args.only != "cache":
        result["tear_sheet"] = tear(args)
        print_tear(result["tear_sheet"])
    if args.only != "tear":
        result["cache"] = cache_bench(args.stocks, args.years, qlib_kernels=args.qlib_kernels)
        print_cache(result["cache"])
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    if "--only" in sys.argv:
        main()
    else:
        harness_main(measure)
