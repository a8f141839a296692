"""The demo's market and industry data compared with Ken French's published data (an independent
reference; skipped when the shared data folder is absent)."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

from quant.periods import TRADING_DAYS_PER_YEAR as TD
from tests.support.shared_data import require_shared_file
from warehouse.sources.demo.french import FF10
from warehouse.sources.french import read_french, to_ff_factors, to_ff_industries


def _real_factors() -> pl.DataFrame:
    path = require_shared_file("french", "F-F_Research_Data_Factors_daily.CSV")
    return to_ff_factors(read_french(path), frequency="daily")


def _clustering(x: np.ndarray) -> float:
    sq = (x - x.mean()) ** 2
    return float(np.mean([np.corrcoef(sq[:-k], sq[k:])[0, 1] for k in range(1, 11)]))


def test_market_resembles_the_published_us_market(demo_mid) -> None:
    real = _real_factors().filter(pl.col("date") >= pl.date(2014, 9, 1))
    real_mkt = real["mktrf"].to_numpy()
    demo = demo_mid.datasets["ff_factors"].filter(pl.col("frequency") == "daily")
    demo_mkt = demo["mktrf"].to_numpy()
    real_vol, demo_vol = real_mkt.std() * np.sqrt(TD), demo_mkt.std() * np.sqrt(TD)
    assert 0.17 < real_vol < 0.20  # the published 2014-09..2024-08 number (18.3 %)
    assert 0.6 * real_vol <= demo_vol <= 1.4 * real_vol  # a 4-year GARCH window varies by about ±30 %
    assert stats.kurtosis(real_mkt) > 5 and stats.kurtosis(demo_mkt) > 1.0
    assert _clustering(real_mkt) > 0.2 and _clustering(demo_mkt) > 0.05
    real_rf, demo_rf = real["rf"].mean() * TD, demo["rf"].mean() * TD
    assert 0.0 < real_rf < 0.03 and 0.0 < demo_rf < 0.055


def test_industry_frames_match_ken_french_10_in_shape_and_scale(demo_mid) -> None:
    path = require_shared_file("french", "10_Industry_Portfolios_daily.CSV")
    real_long = to_ff_industries(read_french(path), frequency="daily")
    demo_long = demo_mid.datasets["ff_industries"].filter(pl.col("frequency") == "daily")
    assert real_long.schema == demo_long.schema  # the same warehouse contract from both sources
    assert set(real_long["industry"]) == set(FF10) == set(demo_long["industry"])
    assert set(real_long["weighting"]) <= set(demo_long["weighting"]) == {"value", "equal"}  # the copy is VW only

    def wide(long: pl.DataFrame, factors: pl.DataFrame) -> pl.DataFrame:
        vw = long.filter(pl.col("weighting") == "value").pivot(on="industry", index="date", values="ret")
        return vw.join(factors, on="date")

    real = wide(real_long, _real_factors()).filter(pl.col("date") >= pl.date(2011, 9, 1))
    demo = wide(demo_long, demo_mid.datasets["ff_factors"].filter(pl.col("frequency") == "daily"))

    def residual_vols(frame: pl.DataFrame, mkt: np.ndarray) -> np.ndarray:
        out = []
        for name in FF10:
            y = frame[name].to_numpy()
            ok = np.isfinite(y)
            beta, alpha = np.polyfit(mkt[ok], y[ok], 1)
            out.append((y[ok] - alpha - beta * mkt[ok]).std() * np.sqrt(TD))
        return np.asarray(out)

    real_res = residual_vols(real, (real["mktrf"] + real["rf"]).to_numpy())
    demo_res = residual_vols(demo, (demo["mktrf"] + demo["rf"]).to_numpy())
    # Published industries move 5-20 %/yr around the market; a few hundred names are noisier.
    assert 0.05 < np.median(real_res) < 0.12
    assert np.median(real_res) <= np.median(demo_res) <= 3.0 * np.median(real_res)
