"""TAQ pipeline benchmark: ``python bench/taq.py`` (one command; prints a table, writes JSON).

Simulates one day of trades for ``--symbols`` symbols (``--trades`` in total, TAQ-like density,
millisecond stamps so same-timestamp merges happen, a few zero prices, bad sale conditions and
corrections), then times in the same process:

* ours: ``trades_clean`` (all rules, all exchanges) -> ``time_bars`` (1 min) -> ``realized_measures``
  (5-min RV, 5x subsampled RV, BPV, medRV, BNS) -> ``bar_spreads`` (Roll, Corwin-Schultz);
* peer: a straightforward pandas implementation (boolean masks, groupby median/sum, groupby of
  floor('1min') bins, last price per 5-min bin, groupby-apply for RV/BPV and the spreads).

Writes ``bench/results/taq.json`` with the load average: the machine's 2 cores are shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402

from research.analytics.microstructure import bars, cleaning, realized, spreads  # noqa: E402

TARGET_S = 30.0
RESULTS = ROOT / "bench" / "results" / "taq.json"
DAY = dt.date(2024, 6, 3)


def simulate(n_symbols: int, n_trades: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0, 0.8, n_symbols)
    counts = rng.multinomial(n_trades, weights / weights.sum())
    sym = np.repeat(np.arange(n_symbols), counts)
    u = np.linspace(-1, 1, 1000)
    cdf = np.cumsum(1 + 2 * u**2)
    cdf /= cdf[-1]
    ms = (np.interp(rng.random(n_trades), cdf, np.linspace(0, 1, 1000)) * 23_400_000).astype(np.int64)
    order = np.lexsort((ms, sym))
    ms = ms[order]
    steps = rng.normal(0, 0.012 / math.sqrt(counts.mean()), n_trades)
    cum = np.cumsum(steps)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    cum -= np.repeat(cum[starts] - steps[starts], counts)
    base = rng.uniform(10, 300, n_symbols)
    price = np.round(base[sym] * np.exp(cum), 2)
    price[rng.random(n_trades) < 1e-4] = 0.0
    open_ = np.datetime64(f"{DAY}T09:30:00", "us")
    cond = np.where(rng.random(n_trades) < 0.02, "Z", np.where(rng.random(n_trades) < 0.5, "", "F"))
    return pl.DataFrame(
        {
            "symbol": pl.Series(np.char.add("S", sym.astype(str))),
            "ts": open_ + (ms * 1000).astype("timedelta64[us]"),
            "price": price,
            "size": np.round(rng.lognormal(4.5, 1.0, n_trades)).astype(np.int64),
            "ex": rng.choice(np.array(["N", "T", "P", "D"]), n_trades),
            "cond": cond,
            "corr": np.where(rng.random(n_trades) < 1e-3, 1, 0),
        }
    )


def ours(trades: pl.DataFrame) -> dict[str, object]:
    c0 = time.process_time()
    t0 = time.perf_counter()
    clean, _ = cleaning.trades_clean(trades, exchanges=None)
    t1 = time.perf_counter()
    b = bars.time_bars(clean)
    t2 = time.perf_counter()
    rm = realized.realized_measures(clean)
    sp = spreads.bar_spreads(b)
    t3 = time.perf_counter()
    return {"clean_s": t1 - t0, "bars_s": t2 - t1, "daily_s": t3 - t2, "total_s": t3 - t0,
            "cpu_s": time.process_time() - c0, "rows_clean": clean.height, "bars": b.height,
            "rv_mean": float(rm["rv"].mean()),
            "cs_mean": float(sp["cs_spread"].mean())}  # fmt: skip


def _pd_daily(g: pd.DataFrame) -> pd.Series:
    r = np.log(g["price"]).diff().dropna().to_numpy()
    return pd.Series({"rv": np.sum(r**2), "bpv": math.pi / 2 * np.sum(np.abs(r[1:]) * np.abs(r[:-1]))})


def _pd_spreads(g: pd.DataFrame) -> pd.Series:
    dp = np.diff(np.log(g["close"].to_numpy()))
    cov = np.cov(dp[1:], dp[:-1])[0, 1] if len(dp) > 3 else np.nan
    h, lo = g["high"].to_numpy(), g["low"].to_numpy()
    beta = np.log(h[1:] / lo[1:]) ** 2 + np.log(h[:-1] / lo[:-1]) ** 2
    gamma = np.log(np.maximum(h[1:], h[:-1]) / np.minimum(lo[1:], lo[:-1])) ** 2
    k = 3 - 2 * math.sqrt(2)
    a = (np.sqrt(2 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
    s = np.maximum(2 * (np.exp(a) - 1) / (1 + np.exp(a)), 0)
    return pd.Series({"roll": 2 * math.sqrt(-cov) if cov < 0 else 0.0, "cs": s.mean()})


def peer(trades: pl.DataFrame) -> dict[str, object]:
    df = trades.to_pandas()
    c0 = time.process_time()
    t0 = time.perf_counter()
    tm = df["ts"].dt.time
    keep = (df["price"] != 0) & (tm >= dt.time(9, 30)) & (tm <= dt.time(16, 0)) & (df["corr"] == 0)
    keep &= df["cond"].str.replace(r"\s", "", regex=True).isin(cleaning.VALID_CONDS)
    clean = df[keep].groupby(["symbol", "ts"], sort=True).agg(price=("price", "median"), size=("size", "sum"))
    clean = clean.reset_index()
    t1 = time.perf_counter()
    clean["minute"] = clean["ts"].dt.floor("1min")
    clean["pv"] = clean["price"] * clean["size"]
    b = clean.groupby(["symbol", "minute"]).agg(
        open=("price", "first"), high=("price", "max"), low=("price", "min"), close=("price", "last"),
        volume=("size", "sum"), pv=("pv", "sum"), count=("price", "size"),
    )  # fmt: skip
    b["vwap"] = b["pv"] / b["volume"]
    b = b.reset_index()
    t2 = time.perf_counter()
    five = clean.groupby(["symbol", clean["ts"].dt.floor("5min")])["price"].last().reset_index()
    rv = five.groupby("symbol").apply(_pd_daily, include_groups=False)
    sp = b.groupby("symbol").apply(_pd_spreads, include_groups=False)
    t3 = time.perf_counter()
    return {"clean_s": t1 - t0, "bars_s": t2 - t1, "daily_s": t3 - t2, "total_s": t3 - t0,
            "cpu_s": time.process_time() - c0, "rows_clean": len(clean), "bars": len(b),
            "rv_mean": float(rv["rv"].mean()),
            "cs_mean": float(sp["cs"].mean())}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--trades", type=int, default=20_000_000)
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.perf_counter()
    trades = simulate(args.symbols, args.trades)
    sim_s = time.perf_counter() - started
    ours_res = ours(trades)
    peer_res = peer(trades)
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "polars": pl.__version__,
                    "pandas": pd.__version__, "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
                    "note": "2 cores shared with other engineers' jobs; see the load averages"},
        "when": dt.datetime.now(dt.UTC).isoformat(),
        "symbols": args.symbols, "trades": args.trades, "simulate_s": sim_s, "target_s": TARGET_S,
        "ours": ours_res, "pandas_peer": peer_res,
        "speedup_vs_pandas": peer_res["total_s"] / ours_res["total_s"],
        "meets_target": ours_res["total_s"] < TARGET_S,
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'stage':10}{'ours (s)':>10}{'pandas (s)':>12}")
    for k in ("clean_s", "bars_s", "daily_s", "total_s", "cpu_s"):
        print(f"{k[:-2]:10}{ours_res[k]:>10.2f}{peer_res[k]:>12.2f}")
    print(f"speedup {result['speedup_vs_pandas']:.1f}x; target {TARGET_S:.0f} s met: {result['meets_target']}; "
          f"load {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
