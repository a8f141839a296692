"""The demo's market, size, value, momentum and rf follow the real Ken French daily factors on the
dates the files cover, and keep the planted synthetic draws elsewhere (docs/demo-data.md)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from warehouse.sources.demo import DemoConfig, generate
from warehouse.sources.demo.config import STYLES, Calibration, rng_for
from warehouse.sources.demo.factors import simulate_factors
from warehouse.sources.demo.timeline import build_timeline


@pytest.fixture(scope="module")
def history(market_history):  # noqa: ANN001, ANN201
    if market_history is None:
        pytest.skip("shared reference data folder (../shared/data/french) is absent")
    return market_history


def _paths(cfg: DemoConfig, history):  # noqa: ANN001, ANN202
    tl = build_timeline(cfg)
    real = None if history is None else history.on(tl.days)
    return tl, simulate_factors(rng_for(cfg.seed, "factors"), tl.n_days, tl.out_start, Calibration(), real), real


def test_paths_are_the_real_series_where_covered_and_the_planted_draws_elsewhere(history) -> None:  # noqa: ANN001
    cfg = DemoConfig(stocks=100, years=4, seed=3)  # 2021..2024: Mom ends 2022-12-30, the rest 2024-08-30
    tl, f, real = _paths(cfg, history)
    _, syn, _ = _paths(cfg, None)
    days = tl.days.astype("datetime64[D]")
    on = np.isfinite(real["mktrf"])
    assert on.any() and not on.all() and str(days[on][-1]) == "2024-08-30"
    np.testing.assert_array_equal(f.market[on], real["mktrf"][on])
    np.testing.assert_array_equal(f.rf[on], real["rf"][on])
    scale = dict(zip(("size", "value", "momentum"), Calibration().real_style_scale, strict=True))
    np.testing.assert_allclose(f.styles[on, STYLES.index("size")], scale["size"] * real["smb"][on], rtol=1e-12)
    np.testing.assert_allclose(f.styles[on, STYLES.index("value")], scale["value"] * real["hml"][on], rtol=1e-12)
    mom = np.isfinite(real["umd"])
    assert str(days[mom][-1]) == "2022-12-30"
    np.testing.assert_allclose(f.styles[mom, STYLES.index("momentum")], 0.4 * real["umd"][mom], rtol=1e-12)
    # the same draws as a run without history: planted-only styles everywhere, value after the files end
    # (sector factors are the same draws too, scaled by the volatility regime the real market sets)
    for style in ("quality", "lowvol"):
        np.testing.assert_array_equal(f.styles[:, STYLES.index(style)], syn.styles[:, STYLES.index(style)])
    off = ~on
    np.testing.assert_array_equal(f.styles[off, STYLES.index("value")], syn.styles[off, STYLES.index("value")])
    assert f.real_market.sum() == on.sum() and f.real_momentum.sum() == mom.sum()
    # planted crashes only where momentum is synthetic
    assert len(f.crash_starts) and all(not mom[s] for s in f.crash_starts)


def test_named_episodes_exist_in_the_published_factors(history) -> None:  # noqa: ANN001
    out = generate(DemoConfig(stocks=200, years=2, seed=5, end=dt.date(2020, 12, 31)), history=history)
    ff = out.datasets["ff_factors"].filter(pl.col("frequency") == "daily")
    covid = ff.filter(pl.col("date").is_between(dt.date(2020, 2, 19), dt.date(2020, 3, 23)))
    crash = float((1 + covid["mktrf"]).product() - 1)
    planted = out.planted["factor_returns"].filter(
        (pl.col("factor") == "market") & pl.col("date").is_between(dt.date(2020, 2, 19), dt.date(2020, 3, 23))
    )
    french = float((1 + planted["ret"]).product() - 1)
    assert french == pytest.approx(-0.340, abs=0.005)  # Ken French Mkt-RF, 2020-02-19..03-23
    assert crash < -0.25  # the demo's cap-weighted market of 200 names carries it (plus sector noise)
    meta = out.planted["meta"]
    assert meta["market_history"][0].startswith(f"ken-french:{history.digest[:12]}")
    assert meta["real_market_share"][0] == 1.0
    cfg = DemoConfig(stocks=200, years=2, seed=5, end=dt.date(2020, 12, 31))
    assert out.config_hash == cfg.hash(history.digest) != cfg.hash(None)  # a rebuild when the history changes
