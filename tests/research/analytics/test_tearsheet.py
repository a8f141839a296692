from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats

from research.analytics.ic import forward_returns
from research.analytics.report import alpha_report
from research.analytics.tearsheet import tear_sheet


def _data(seed: int = 5, assets: int = 40, days: int = 80) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(days)]
    rets = rng.normal(0, 0.02, (days, assets))
    px = 100 * np.exp(np.cumsum(rets, axis=0))
    sig = np.vstack([rets[1:], np.zeros((1, assets))]) + rng.normal(0, 0.03, (days, assets))
    d = [x for x in dates for _ in range(assets)]
    a = [f"A{j}" for _ in dates for j in range(assets)]
    prices = pl.DataFrame({"date": d, "asset": a, "price": px.ravel()})
    signal = pl.DataFrame({"date": d, "asset": a, "value": sig.ravel()}).filter(pl.col("date").dt.day() % 2 == 0)
    return prices, signal


def test_matches_the_alpha_report_on_the_same_data() -> None:
    prices, signal = _data()
    fwd = forward_returns(prices, (1, 5)).filter(pl.col("date").is_in(signal["date"].unique().implode()))
    sheet = tear_sheet(signal, fwd, h=1, quantiles=5, periods_per_year=252)
    report = alpha_report(signal, prices, horizons=(1, 5), quantiles=5, periods_per_year=252, backend="local")
    h1, h5 = report.horizons
    assert sheet.ic_summary.mean == pytest.approx(h1.ic["mean"], abs=1e-12)
    assert sheet.ic_summary.icir_annualised == pytest.approx(h1.ic["icir_annualised"], abs=1e-10)
    assert sheet.rank_ic_summary.t_stat == pytest.approx(h1.rank_ic["t_stat"], abs=1e-10)
    assert sheet.decay.filter(pl.col("h") == 5)["ic_mean"].item() == pytest.approx(h5.ic["mean"], abs=1e-12)
    assert sheet.long_short_mean == pytest.approx(h1.long_short_mean, abs=1e-12)
    assert sheet.turnover == pytest.approx(report.turnover_top, abs=1e-12)
    assert sheet.autocorrelation == pytest.approx(report.rank_autocorrelation_lag1, abs=1e-12)
    assert sheet.ic_summary.mean > 0.3  # the signal is next-day return + noise


def test_rank_ic_is_scipy_spearman_per_date_and_groups_are_reported() -> None:
    prices, signal = _data()
    fwd = forward_returns(prices, (1,))
    low = pl.col("asset").str.slice(1).cast(pl.Int64) < 20
    label = pl.when(low).then(pl.lit("x")).otherwise(pl.lit("y")).alias("group")
    groups = signal.select("asset").unique().with_columns(label)
    sheet = tear_sheet(signal, fwd, h=1, periods_per_year=252, groups=groups)
    day = sheet.ic["date"][3]
    pair = signal.filter(pl.col("date") == day).join(fwd.filter(pl.col("h") == 1), on=["date", "asset"])
    assert sheet.ic.filter(pl.col("date") == day)["rank_ic"].item() == pytest.approx(
        stats.spearmanr(pair["value"], pair["fwd_ret"]).statistic, abs=1e-12
    )
    assert sheet.group_ic["group"].to_list() == ["x", "y"] and (sheet.group_ic["n_dates"] > 30).all()
    assert sheet.quantiles["quantile"].to_list() == [1, 2, 3, 4, 5]


def test_missing_main_horizon_is_an_error() -> None:
    prices, signal = _data()
    with pytest.raises(ValueError, match="h=21"):
        tear_sheet(signal, forward_returns(prices, (1,)), h=21, periods_per_year=252)
