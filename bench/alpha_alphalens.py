"""The same tear sheet in alphalens (the issue's named peer), for speed and agreement.

Runs in its own venv (alphalens-reloaded pulls seaborn/matplotlib and pins peewee < 4, which the
project does not want)::

    python3.11 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install vectorbt alphalens-reloaded polars pyarrow
    python bench/run.py --only alpha             # exports the panel, runs this

Input: a directory with ``prices.parquet`` (date, asset, price) and ``signal.parquet`` (date, asset,
value) written by ``bench/alpha.py``. Timed: ``get_clean_factor_and_forward_returns`` (its data
preparation: forward returns at the same 5 horizons, quintiles), then the metrics of our tear
sheet: ``factor_information_coefficient`` (Spearman per date and horizon),
``mean_return_by_quantile``, ``quantile_turnover`` (top quintile) and
``factor_rank_autocorrelation``. Prints one ``JSON {...}`` line: timings, the mean rank IC per
horizon, and the per-date rank IC at h = 1 (to compare with ours on the dates both keep:
alphalens drops every date whose longest-horizon forward return is missing).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import polars as pl

HORIZONS = (1, 5, 10, 21, 63)


def main(directory: Path) -> None:
    import alphalens as al

    warnings.filterwarnings("ignore")
    prices = pl.read_parquet(directory / "prices.parquet").to_pandas()
    signal = pl.read_parquet(directory / "signal.parquet").to_pandas()
    t0 = time.perf_counter()
    px = prices.pivot(index="date", columns="asset", values="price")  # noqa: PD010 (unique keys: no aggregation)
    px.index = pd.DatetimeIndex(px.index, tz="UTC")
    signal["date"] = pd.DatetimeIndex(signal["date"], tz="UTC")
    factor = signal.set_index(["date", "asset"])["value"]
    t1 = time.perf_counter()
    clean = al.utils.get_clean_factor_and_forward_returns(factor, px, periods=HORIZONS, quantiles=5, max_loss=1.0)
    t2 = time.perf_counter()
    ic = al.performance.factor_information_coefficient(clean)
    t3 = time.perf_counter()
    al.performance.mean_return_by_quantile(clean, by_date=True)
    t4 = time.perf_counter()
    turnover = al.performance.quantile_turnover(clean["factor_quantile"], 5, period=1)
    t5 = time.perf_counter()
    autocorr = al.performance.factor_rank_autocorrelation(clean, period=1)
    t6 = time.perf_counter()
    first = ic.columns[0]
    per_date = {str(d.date()): float(v) for d, v in ic[first].items()}
    out = {
        "alphalens": al.__version__,
        "rows_after_cleaning": len(clean),
        "to_pandas_inputs_s": t1 - t0,
        "clean_factor_and_forward_returns_s": t2 - t1,
        "information_coefficient_s": t3 - t2,
        "mean_return_by_quantile_s": t4 - t3,
        "quantile_turnover_s": t5 - t4,
        "rank_autocorrelation_s": t6 - t5,
        "tear_sheet_metrics_s": t6 - t1,
        "rank_ic_mean": {str(c): float(ic[c].mean()) for c in ic.columns},
        "turnover_top_mean": float(turnover.mean()),
        "rank_autocorrelation_mean": float(autocorr.mean()),
        "rank_ic_h1_by_date": per_date,
    }
    print("JSON " + json.dumps(out))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
