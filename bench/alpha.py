"""Alpha tear-sheet benchmark: ``python bench/alpha.py [--assets 4400 --days 3500]``.

Synthetic, seeded panel (prices: random-walk log returns; signal: next-day return + noise, so IC
is positive and known). Times the full tear sheet (IC, rank IC, decay at 5 horizons, quintile
returns, top-quintile turnover, rank autocorrelation) and qlib's ``calc_ic`` on the same pairs, and
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
    from research.analytics.tearsheet import tear_sheet
    from research.qlib_adapter import _qlib_ic, qlib_available

    prices, signal = panel(args.assets, args.days)
    fwd, t_fwd = timed(lambda: forward_returns(prices, (1, 5, 10, 21, 63)))
    sheet, t_sheet = timed(lambda: tear_sheet(signal, fwd, h=1, quantiles=5, periods_per_year=252))
    main = fwd.filter(pl.col("h") == 1)
    _, t_ic = timed(lambda: ic_by_date(signal, main))
    out = {"assets": args.assets, "days": args.days, "rows": signal.height, "forward_returns_s": t_fwd,
           "tear_sheet_s": t_sheet, "total_s": t_fwd + t_sheet, "ic_by_date_s": t_ic,
           "ic_mean_h1": sheet.ic_summary.mean, "rank_ic_mean_h1": sheet.rank_ic_summary.mean,
           "decay": sheet.decay.to_dicts(), "turnover_top": sheet.turnover}  # fmt: skip
    if qlib_available():
        q, t_q = timed(lambda: _qlib_ic(signal, main))
        joined = q.join(ic_by_date(signal, main), on="date", suffix="_ours").drop_nulls()
        out.update({"qlib_calc_ic_s": t_q, "qlib_over_ours_ic_ratio": t_q / t_ic,
                    "max_abs_diff_vs_qlib": float((joined["ic"] - joined["ic_ours"]).abs().max())})  # fmt: skip
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
    args = ap.parse_args()
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "polars": pl.__version__}
    result = {"machine": machine,
              "when": dt.datetime.now(dt.UTC).isoformat(),
              "tear_sheet": tear(args), "cache": cache_bench()}  # fmt: skip
    t, c = result["tear_sheet"], result["cache"]
    print(f"tear sheet {t['assets']} assets x {t['days']} days ({t['rows']:,} rows)")
    print(f"  forward returns (5 horizons) {t['forward_returns_s']:8.2f} s")
    print(f"  tear sheet                   {t['tear_sheet_s']:8.2f} s   total {t['total_s']:.2f} s")
    print(f"  IC per date (ours)           {t['ic_by_date_s']:8.2f} s")
    if t.get("qlib_calc_ic_s") is not None:
        print(f"  qlib calc_ic                 {t['qlib_calc_ic_s']:8.2f} s   "
              f"qlib/ours {t['qlib_over_ours_ic_ratio']:.1f}x  "
              f"max |diff| {t['max_abs_diff_vs_qlib']:.1e}")  # fmt: skip
    print(f"  IC h=1 {t['ic_mean_h1']:.4f}  rank IC {t['rank_ic_mean_h1']:.4f}")
    print(f"feature cache: {c['expressions']} expressions, {c['stocks']} x {c['days']}: cold {c['cold_s']:.2f} s, "
          f"warm {c['warm_s']:.2f} s ({c['hits']} hits)")  # fmt: skip
    out = ROOT / "bench" / "results" / "alpha.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
