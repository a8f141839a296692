"""Alpha tear-sheet benchmark: ``python bench/alpha.py [--assets 4400 --days 3500]``.

Synthetic, seeded panel (prices: random-walk log returns; signal: next-day return + noise, so IC
is positive and known). Times the full tear sheet straight from long prices
(``tear_sheet_from_prices``: pivot, forward returns at 5 horizons, IC, rank IC, decay, quintile
returns, long-short, top-quintile turnover, rank autocorrelation; min/median of ``--repeat`` runs),
the long-format API (``forward_returns`` + ``tear_sheet``), our per-date IC and qlib's ``calc_ic``
on the same pairs (the ratio is reported), and
the feature cache cold vs warm on a qlib-style data benchmark (14 expressions, ~800 stocks × 14 y).
Prints a table and writes bench/results/alpha.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


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
    from research.analytics.tearsheet import tear_sheet, tear_sheet_from_prices
    from research.qlib_adapter import _qlib_ic, qlib_available

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
    if qlib_available():
        q, t_q = timed(lambda: _qlib_ic(signal, main))
        joined = q.join(ours, on="date", suffix="_ours").drop_nulls()
        diff = max(float((joined["ic"] - joined["ic_ours"]).abs().max()),  # type: ignore[arg-type]
                   float((joined["rank_ic"] - joined["rank_ic_ours"]).abs().max()))  # type: ignore[arg-type]  # fmt: skip
        out.update({"qlib_calc_ic_s": t_q, "qlib_over_ours_ic_ratio": t_q / t_ic,
                    "qlib_over_full_tear_sheet_ratio": t_q / min(runs), "max_abs_diff_vs_qlib": diff})  # fmt: skip
    else:
        out["qlib_calc_ic_s"] = None
    return out


def cache_bench(stocks: int = 800, days: int = 3500) -> dict:
    """14 qlib-style expressions (returns, moving averages, std, momentum) cold vs warm from our cache."""
    import django

    django.setup()
    from research.cache import FeatureCache

    px, _ = panel(stocks, days, seed=11)
    c, r = pl.col("price"), pl.col("price").pct_change()
    exprs = {f"ma{w}": c.rolling_mean(w) / c for w in (5, 10, 20, 30, 60)}
    exprs |= {f"std{w}": r.rolling_std(w) for w in (5, 10, 20, 60)}
    exprs |= {f"roc{w}": c / c.shift(w) - 1 for w in (5, 10, 20, 60)} | {"ret1": r}
    cache = FeatureCache(Path(tempfile.mkdtemp(prefix="alpha-bench-cache-")))

    def run() -> None:
        for name, e in exprs.items():
            def compute(e: pl.Expr = e) -> pl.DataFrame:
                return px.select("date", "asset", e.over("asset", order_by="date").alias("v"))

            cache.get_or_compute(name, definition_hash=str(e), dataset_versions={"bench": 1}, compute=compute)

    _, cold = timed(run)
    _, warm = timed(run)
    return {"expressions": len(exprs), "stocks": stocks, "days": days, "cold_s": cold, "warm_s": warm,
            "hits": cache.stats.hits, "misses": cache.stats.misses,
            "qlib_expression_engine": "not run: needs qlib's binary data format (dump_bin); not done"}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=4400)
    ap.add_argument("--days", type=int, default=3500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "polars": pl.__version__}
    result = {"machine": machine,
              "when": dt.datetime.now(dt.UTC).isoformat(),
              "tear_sheet": tear(args), "cache": cache_bench()}  # fmt: skip
    t, c = result["tear_sheet"], result["cache"]
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
    print(f"  IC h=1 {t['ic_mean_h1']:.4f}  rank IC {t['rank_ic_mean_h1']:.4f}")
    print(f"feature cache: {c['expressions']} expressions, {c['stocks']} x {c['days']}: cold {c['cold_s']:.2f} s, "
          f"warm {c['warm_s']:.2f} s ({c['hits']} hits)")  # fmt: skip
    out = ROOT / "bench" / "results" / "alpha.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
