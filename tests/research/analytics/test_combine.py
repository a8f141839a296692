from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats

from research.analytics.combine import (
    combination_weights,
    combine_signals,
    signal_correlation,
    signal_performance,
    zscores,
)

N_DATES, N_ASSETS = 30, 12
DATES = [dt.date(2022, 1, 3) + dt.timedelta(days=i) for i in range(N_DATES)]
ASSETS = [f"x{i:02d}" for i in range(N_ASSETS)]


def _data(seed: int = 4) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    ret = rng.normal(0, 0.02, (N_DATES, N_ASSETS))
    good = ret + rng.normal(0, 0.02, ret.shape)  # informative
    weak = ret + rng.normal(0, 0.2, ret.shape)  # barely informative
    noise = rng.normal(0, 1, ret.shape)
    rows = []
    for name, mat in (("good", good), ("weak", weak), ("noise", noise)):
        rows.append(
            pl.DataFrame(
                {
                    "date": [d for d in DATES for _ in ASSETS],
                    "asset": ASSETS * N_DATES,
                    "signal": name,
                    "value": mat.ravel(),
                }
            )
        )
    fwd = pl.DataFrame({"date": [d for d in DATES for _ in ASSETS], "asset": ASSETS * N_DATES, "fwd_ret": ret.ravel()})
    return pl.concat(rows), fwd


def test_ic_weights_use_only_ics_known_by_each_date() -> None:
    signals, fwd = _data()
    h, window = 3, 5
    weights = combination_weights(signals, fwd, method="ic", horizon=h, window=window)
    perf = signal_performance(signals, fwd)
    t = 12  # known measurement dates: indices 5..9 (t - h - window + 1 .. t - h)
    known = perf.filter(pl.col("date").is_in(DATES[5:10]))
    mean = known.group_by("signal").agg(pl.col("ic").mean()).sort("signal")
    expected = mean["ic"].to_numpy() / np.abs(mean["ic"].to_numpy()).sum()
    got = weights.filter(pl.col("date") == DATES[t]).sort("signal")["weight"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-14)
    # First date with weights: h + min_periods - 1 = index 4
    assert weights["date"].min() == DATES[4]


def test_icir_and_vol_parity_weights_are_hand_computed() -> None:
    signals, fwd = _data()
    perf = signal_performance(signals, fwd)
    known = perf.filter(pl.col("date").is_in(DATES[1:9]))  # t = 10, h = 2, window 8 -> 1..8
    agg = (
        known.group_by("signal")
        .agg(
            (pl.col("ic").mean() / pl.col("ic").std(ddof=1)).alias("icir"),
            (1.0 / pl.col("factor_ret").std(ddof=1)).alias("inv_vol"),
        )
        .sort("signal")
    )
    for method, column in (("icir", "icir"), ("vol_parity", "inv_vol")):
        w = combination_weights(signals, fwd, method=method, horizon=2, window=8)
        got = w.filter(pl.col("date") == DATES[10]).sort("signal")["weight"].to_numpy()
        raw = agg[column].to_numpy()
        np.testing.assert_allclose(got, raw / np.abs(raw).sum(), atol=1e-14)


def test_factor_return_is_the_cross_sectional_slope_on_the_zscore() -> None:
    signals, fwd = _data()
    perf = signal_performance(signals, fwd)
    z = zscores(signals).filter((pl.col("date") == DATES[0]) & (pl.col("signal") == "good")).sort("asset")
    r = fwd.filter(pl.col("date") == DATES[0]).sort("asset")["fwd_ret"].to_numpy()
    slope = stats.linregress(z["z"].to_numpy(), r).slope
    got = perf.filter((pl.col("date") == DATES[0]) & (pl.col("signal") == "good"))["factor_ret"].item()
    assert got == pytest.approx(slope, abs=1e-14)


def test_ridge_weights_match_numpy_ridge_on_the_known_window() -> None:
    signals, fwd = _data()
    lam, h, window, t = 0.5, 1, 6, 9
    w = combination_weights(signals, fwd, method="ridge", horizon=h, window=window, ridge_lambda=lam)
    z = zscores(signals).pivot(on="signal", index=["date", "asset"], values="z")
    known = DATES[t - h - window + 1 : t - h + 1]
    data = z.join(fwd, on=["date", "asset"]).filter(pl.col("date").is_in(known))
    data = data.with_columns(pl.col("fwd_ret") - pl.col("fwd_ret").mean().over("date"))
    x = data.select("good", "noise", "weak").to_numpy()
    y = data["fwd_ret"].to_numpy()
    beta = np.linalg.solve(x.T @ x + lam * len(y) * np.eye(3), x.T @ y)
    got = w.filter(pl.col("date") == DATES[t]).sort("signal")["weight"].to_numpy()
    np.testing.assert_allclose(got, beta / np.abs(beta).sum(), atol=1e-12)
    assert got[0] > abs(got[1])  # "good" dominates "noise"


@pytest.mark.parametrize("method", ["ic", "icir", "vol_parity", "ridge"])
def test_weights_do_not_look_ahead(method: str) -> None:
    signals, fwd = _data()
    h, t0 = 5, 15
    base = combination_weights(signals, fwd, method=method, horizon=h, window=10)
    # Forward returns measured at dates after t0 - h are not yet known at t0: scramble them.
    rng = np.random.default_rng(99)
    late = pl.col("date") > DATES[t0 - h]
    noise = pl.Series(rng.normal(0, 1, fwd.height))
    perturbed = fwd.with_columns(pl.when(late).then(noise).otherwise(pl.col("fwd_ret")).alias("fwd_ret"))
    changed = combination_weights(signals, perturbed, method=method, horizon=h, window=10)
    keep = pl.col("date") <= DATES[t0]
    assert_frame_equal(base.filter(keep), changed.filter(keep))
    assert not base.filter(~keep).equals(changed.filter(~keep))


def test_combined_signal_is_the_weighted_zscore_sum() -> None:
    signals, fwd = _data()
    weights = combination_weights(signals, fwd, method="equal", horizon=1, window=5)
    combined = combine_signals(signals, weights)
    z = zscores(signals).filter((pl.col("date") == DATES[0]) & (pl.col("asset") == "x03"))
    expected = z["z"].sum() / 3
    got = combined.filter((pl.col("date") == DATES[0]) & (pl.col("asset") == "x03"))["value"].item()
    assert got == pytest.approx(expected, abs=1e-14)


def test_signal_correlation_averages_daily_spearman() -> None:
    signals, _ = _data()
    corr = signal_correlation(signals)
    assert corr["signal"].to_list() == ["good", "noise", "weak"]
    wide = signals.pivot(on="signal", index=["date", "asset"], values="value")
    daily = [stats.spearmanr(g["good"], g["weak"]).statistic for _, g in wide.group_by("date")]
    assert corr["weak"][0] == pytest.approx(np.mean(daily), abs=1e-12)
    assert corr["good"][0] == 1.0 and corr["good"][2] == corr["weak"][0]


def test_unknown_method_is_rejected() -> None:
    signals, fwd = _data()
    with pytest.raises(ValueError, match="unknown method"):
        combination_weights(signals, fwd, method="magic", horizon=1, window=3)  # type: ignore[arg-type]
