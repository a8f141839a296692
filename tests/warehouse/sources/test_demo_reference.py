"""The demo's market and industry data compared with Ken French's published data (an independent
reference; skipped when the shared data folder is absent)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats

from quant.periods import TRADING_DAYS_PER_YEAR as TD
from tests.support.shared_data import require_shared_file
from warehouse.sources.demo.french import FF10


def _read_french(path: Path, header_prefix: str) -> pl.DataFrame:
    """First data block of a Ken French CSV (percent → decimals)."""
    lines = path.read_text(encoding="latin-1").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_prefix))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip() or not line.strip()[0].isdigit():
            break
        rows.append(line)
    cols = ["date", *(c.strip() for c in lines[start].split(",")[1:])]
    frame = pl.read_csv(
        io.StringIO("\n".join(rows)),
        has_header=False,
        new_columns=cols,
        schema_overrides=dict.fromkeys(cols[1:], pl.Float64),
    )
    return frame.with_columns(
        pl.col("date").cast(pl.Utf8).str.strip_chars().str.strptime(pl.Date, "%Y%m%d"),
        *(pl.col(c) / 100.0 for c in cols[1:]),
    )


def _clustering(x: np.ndarray) -> float:
    sq = (x - x.mean()) ** 2
    return float(np.mean([np.corrcoef(sq[:-k], sq[k:])[0, 1] for k in range(1, 11)]))


def test_market_resembles_the_published_us_market(demo_mid) -> None:
    real = _read_french(require_shared_file("french", "F-F_Research_Data_Factors_daily.CSV"), ",Mkt-RF")
    real = real.filter(pl.col("date") >= pl.date(2014, 9, 1))
    real_mkt = real["Mkt-RF"].to_numpy()
    demo = demo_mid.datasets["ff_factors"].filter(pl.col("frequency") == "daily")
    demo_mkt = demo["mktrf"].to_numpy()
    real_vol, demo_vol = real_mkt.std() * np.sqrt(TD), demo_mkt.std() * np.sqrt(TD)
    assert 0.17 < real_vol < 0.20  # the published 2014-09..2024-08 number (18.3 %)
    assert 0.7 * real_vol <= demo_vol <= 1.3 * real_vol
    assert stats.kurtosis(real_mkt) > 5 and stats.kurtosis(demo_mkt) > 1.5
    assert _clustering(real_mkt) > 0.2 and _clustering(demo_mkt) > 0.05
    real_rf, demo_rf = real["RF"].mean() * TD, demo["rf"].mean() * TD
    assert 0.0 < real_rf < 0.03 and 0.0 < demo_rf < 0.055


def test_industry_names_and_scale_match_ken_french_10(demo_mid) -> None:
    path = require_shared_file("french", "10_Industry_Portfolios_daily.CSV")
    real = _read_french(path, ",NoDur")
    assert tuple(real.columns[1:]) == FF10
    ff = _read_french(require_shared_file("french", "F-F_Research_Data_Factors_daily.CSV"), ",Mkt-RF")
    ind = demo_mid.datasets["ff_industries"]
    demo = ind.filter((pl.col("frequency") == "daily") & (pl.col("weighting") == "value"))
    demo = demo.pivot(on="industry", index="date", values="ret").join(
        demo_mid.datasets["ff_factors"].filter(pl.col("frequency") == "daily"), on="date"
    )
    real = real.filter(pl.col("date") >= pl.date(2011, 9, 1)).join(ff, on="date")

    def residual_vols(frame: pl.DataFrame, mkt: np.ndarray) -> np.ndarray:
        out = []
        for name in FF10:
            y = frame[name].to_numpy()
            ok = np.isfinite(y)
            beta, alpha = np.polyfit(mkt[ok], y[ok], 1)
            out.append((y[ok] - alpha - beta * mkt[ok]).std() * np.sqrt(TD))
        return np.asarray(out)

    real_res = residual_vols(real, (real["Mkt-RF"] + real["RF"]).to_numpy())
    demo_res = residual_vols(demo, (demo["mktrf"] + demo["rf"]).to_numpy())
    # Published industries move 5-20 %/yr around the market; a few hundred names are noisier.
    assert 0.05 < np.median(real_res) < 0.12
    assert np.median(real_res) <= np.median(demo_res) <= 3.0 * np.median(real_res)
