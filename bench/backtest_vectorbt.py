"""Same monthly long-short decile portfolio in vectorbt, for speed and agreement.

Runs in its own venv (vectorbt pins numba/pandas versions the project does not want)::

    python3.11 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install vectorbt alphalens-reloaded polars pyarrow
    python bench/run.py --only backtest          # project venv: exports the panel and runs this script

vectorbt gets the close prices implied by our returns and our post-trade target weights on each
rebalance day (``size_type="targetpercent"``, one cash-sharing group, no costs) and we compare its
daily portfolio returns with our gross returns. A name that leaves the data is liquidated to cash
by our engine and held at its last (forward-filled) price by vectorbt: both earn 0 afterwards, so
the series should agree to rounding (measured: max |diff| 3.5e-16 on 3,000 x 4,788).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import vectorbt as vbt


def main(directory: Path) -> None:
    prices = pl.read_parquet(directory / "prices.parquet").to_pandas().set_index("date")
    targets = pl.read_parquet(directory / "targets.parquet").to_pandas().set_index("date")
    ours = pl.read_parquet(directory / "ours.parquet").to_pandas().set_index("date")["gross_return"]
    close = prices.ffill()
    size = pd.DataFrame(np.nan, index=close.index, columns=close.columns)
    size.loc[targets.index, targets.columns] = targets.fillna(0.0).to_numpy()
    size = size.where(~(size.isna() & size.index.isin(targets.index)[:, None]), 0.0)
    timings = []
    for _ in range(2):  # the first call includes numba compilation
        t0 = time.perf_counter()
        portfolio = vbt.Portfolio.from_orders(
            close,
            size=size,
            size_type="targetpercent",
            group_by=True,
            cash_sharing=True,
            init_cash=1e8,
            call_seq="auto",
            freq="1D",
        )
        theirs = portfolio.returns()
        timings.append(time.perf_counter() - t0)
    both = pd.concat([ours, theirs.rename("vbt")], axis=1).dropna().iloc[1:]
    diff = (both["gross_return"] - both["vbt"]).abs()
    print(
        f"vectorbt {vbt.__version__}: {close.shape[1]} names x {close.shape[0]} days in {timings[0]:.2f} s "
        f"(first call, with numba compilation), {timings[1]:.2f} s (second call)"
    )
    print(
        f"  daily return correlation {both.corr().iloc[0, 1]:.6f}, median |diff| {diff.median():.2e}, "
        f"max |diff| {diff.max():.2e}"
    )
    ours_total, theirs_total = (1 + both["gross_return"]).prod() - 1, (1 + both["vbt"]).prod() - 1
    print(f"  total return ours {ours_total:.4f} vs vectorbt {theirs_total:.4f}")
    summary = {
        "vectorbt_version": vbt.__version__, "names": int(close.shape[1]), "days": int(close.shape[0]),
        "seconds_first_call": round(timings[0], 3), "seconds_second_call": round(timings[1], 3),
        "daily_return_correlation": float(both.corr().iloc[0, 1]), "median_abs_diff": float(diff.median()),
        "max_abs_diff": float(diff.max()), "total_return_ours": float(ours_total),
        "total_return_vectorbt": float(theirs_total),
    }  # fmt: skip
    print("JSON " + json.dumps(summary))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
