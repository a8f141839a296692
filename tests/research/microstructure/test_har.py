"""HAR variants (HAR-J, log HAR) and out-of-sample forecast accuracy against statsmodels on SPY RV."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
from django.core.management import call_command

from research.analytics.microstructure import har
from tests.support.shared_data import require_shared_file


def _spy() -> pl.DataFrame:
    return pl.read_csv(require_shared_file("realized_vol", "SPYRM_highfrequency_2014-2019.csv"))


def _sm_design(rv: np.ndarray, jumps: np.ndarray | None = None) -> pd.DataFrame:
    s = pd.Series(rv)
    frame = pd.DataFrame({"y": s.shift(-1), "d": s, "w": s.rolling(5).mean(), "m": s.rolling(22).mean()})
    if jumps is not None:
        frame["j"] = jumps
    return frame


def _sm_forecast(rv: np.ndarray, jumps: np.ndarray | None = None) -> float:
    """statsmodels OLS on all rows with a target, evaluated at the last row (the next day's forecast)."""
    frame = _sm_design(rv, jumps)
    x_cols = ["d", "w", "m"] + (["j"] if jumps is not None else [])
    fit = sm.OLS(frame["y"], sm.add_constant(frame[x_cols]), missing="drop").fit()
    return float(fit.params.iloc[0] + frame[x_cols].iloc[-1].to_numpy() @ fit.params.iloc[1:].to_numpy())


def test_har_j_matches_statsmodels_on_spy() -> None:
    spy = _spy()
    rv, bpv = spy["RV5"].to_numpy(), spy["BPV5"].to_numpy()
    jumps = np.maximum(rv - bpv, 0.0)
    fit = har.har_fit(rv, jumps=jumps)
    frame = _sm_design(rv, jumps).dropna()
    ols = sm.OLS(frame["y"], sm.add_constant(frame[["d", "w", "m", "j"]])).fit()
    assert list(fit.coefficients) == ["const", "daily", "weekly", "monthly", "jump"]
    np.testing.assert_allclose(list(fit.coefficients.values()), ols.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(list(fit.std_errors.values()), ols.bse.to_numpy(), rtol=1e-9)
    assert fit.r2 == pytest.approx(ols.rsquared, rel=1e-9) and fit.n == int(ols.nobs) == len(rv) - 22
    # SPY 2014-2019 (n = 1,473): the jump coefficient is positive (0.754)
    assert fit.coefficients["jump"] == pytest.approx(0.7539, abs=5e-4)


def test_log_har_matches_statsmodels_on_log_rv() -> None:
    rv = _spy()["RV5"].to_numpy()
    fit = har.har_fit(rv, log=True)
    frame = _sm_design(np.log(rv)).dropna()
    ols = sm.OLS(frame["y"], sm.add_constant(frame[["d", "w", "m"]])).fit()
    np.testing.assert_allclose(list(fit.coefficients.values()), ols.params.to_numpy(), rtol=1e-9)
    assert fit.forecast == pytest.approx(np.exp(_sm_forecast(np.log(rv))), rel=1e-9)


def test_out_of_sample_accuracy_matches_a_statsmodels_refit_loop() -> None:
    spy = _spy().head(320)
    rv, bpv = spy["RV5"].to_numpy(), spy["BPV5"].to_numpy()
    jumps = np.maximum(rv - bpv, 0.0)
    for kwargs, transform in (({}, None), ({"log": True}, np.log), ({"jumps": jumps}, None)):
        got, acc = har.har_evaluate(rv, min_train=260, **kwargs)
        expected = np.full(len(rv), np.nan)
        for t in range(260, len(rv)):
            if transform is np.log:
                raw = np.exp(_sm_forecast(np.log(rv[:t])))
            else:
                raw = _sm_forecast(rv[:t], None if "jumps" not in kwargs else jumps[:t])
            expected[t] = max(raw, rv[:t].min())
        np.testing.assert_allclose(got, expected, rtol=1e-8, equal_nan=True)
        a, f = rv[260:], expected[260:]
        mz = sm.OLS(a, sm.add_constant(f)).fit()
        wald = mz.f_test((np.eye(2), np.array([0.0, 1.0])))
        assert acc.n == 60
        assert acc.rmse == pytest.approx(np.sqrt(np.mean((a - f) ** 2)), rel=1e-9)
        assert acc.qlike == pytest.approx(np.mean(a / f - np.log(a / f) - 1), rel=1e-9)
        assert (acc.mz_alpha, acc.mz_beta) == pytest.approx(tuple(mz.params), rel=1e-8)
        assert acc.mz_r2 == pytest.approx(mz.rsquared, rel=1e-9)
        assert acc.mz_p == pytest.approx(float(wald.pvalue), rel=1e-6)


def test_forecasts_do_not_look_ahead() -> None:
    rv = _spy()["RV5"].to_numpy()[:120].copy()
    before, _ = har.har_evaluate(rv, min_train=60)
    rv[100:] *= 5.0
    after, _ = har.har_evaluate(rv, min_train=60)
    np.testing.assert_array_equal(before[:101], after[:101])  # day 100's forecast uses days < 100
    assert not np.allclose(before[101:], after[101:])


def test_a_perfect_forecast_scores_zero_and_an_unbiased_one_passes_mz() -> None:
    rng = np.random.default_rng(7)
    f = rng.uniform(1e-5, 5e-5, 2000)
    perfect = har.forecast_accuracy(f, f)
    assert perfect.rmse == 0 and perfect.qlike == pytest.approx(0, abs=1e-15) and perfect.mz_beta == pytest.approx(1)
    noisy = har.forecast_accuracy(f * rng.exponential(1.0, 2000), f)  # E[RV | F] = F
    assert noisy.mz_p > 0.01 and noisy.mz_beta == pytest.approx(1, abs=0.15)


def test_har_fit_command_adds_the_variant_and_accuracy_keys(tmp_path: Path) -> None:
    spy = _spy()
    path = tmp_path / "spy.csv"
    spy.select(pl.col("DT").alias("date"), pl.col("RV5").alias("RV"), pl.col("BPV5").alias("BPV")).write_csv(path)
    out = StringIO()
    call_command("har_fit", str(path), "--column", "RV", "--bpv", "BPV", "--format", "json", stdout=out)
    got = json.loads(out.getvalue())
    assert {"coefficients", "std_errors", "r2", "n", "forecast_next", "log"} <= set(got)
    assert got["variant"] == "har_j" and set(got["coefficients"]) == {"const", "daily", "weekly", "monthly", "jump"}
    rv = spy["RV5"].to_numpy()
    _, acc = har.har_evaluate(rv, min_train=250, jumps=np.maximum(rv - spy["BPV5"].to_numpy(), 0.0))
    assert got["accuracy"] == pytest.approx(acc.as_dict()) and got["accuracy"]["n"] == len(rv) - 250
    out = StringIO()
    call_command("har_fit", str(path), "--column", "RV", "--log", "--min-train", "2000", stdout=out)
    assert "LOG-HAR" in out.getvalue() and "needs more than 2002 days" in out.getvalue()


def test_har_j_refuses_log_and_the_command_exits_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "rv.csv"
    pl.DataFrame({"date": ["2020-01-01"], "RV": [1.0]}).write_csv(path)
    with pytest.raises(ValueError, match="levels"):
        har.har_fit(np.ones(40), log=True, jumps=np.zeros(40))
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 22") as refused:
        call_command("har_fit", str(path), "--column", "RV")
    assert refused.value.returncode == 2  # quant.cli.input_error: exit 2 with a one-line message
