"""Proof of correctness on the demo warehouse's planted factor model.

Derivation of the expected IC. In the demo, the return of stock i over the 21 sessions after a
month end d is ``r_i = Σ_k X_ik F_k + (market, sector, specific terms)`` where ``X_ik`` is the
planted (standardised) exposure formed at d and ``F_k`` the compounded planted factor return over
those sessions. For a signal s that is a monotone transform of ``X_k`` (our signals recompute the
planted descriptors from the warehouse), ignoring the cross-correlation with the other exposures,

    IC_d = corr_cs(s, r) ≈ cov_cs(X_k, r) / (sd_cs(X_k) sd_cs(r)) ≈ F_k,d · sd_cs(X_k,d) / sd_cs(r_d).

So the per-date IC must track ``F_k · sd(X) / sd(r)`` (tested as a time-series correlation) and
its mean is ``E[F_k] · sd(X) / sd(r)``: with the momentum premium of 5 %/yr (≈ 0.42 %/month),
sd(X) ≈ 1 and sd_cs(r) ≈ 9 % per month, E[IC] ≈ 0.0042 / 0.09 ≈ +0.05 — positive, order 1e-2.
The realised path, not the premium, decides a finite sample, hence the comparison with the
realised F. Measured on 500 × 10 (seed 7): momentum mean IC 0.054 vs 0.047 expected,
correlation 0.88; value 0.85, quality 0.89, lowvol 0.64, size 0.62.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from research.analytics.multiple_testing import multiple_testing_table
from research.selectors import report_frame
from research.services.data import load_research_data
from research.services.reports import signal_forward_returns

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PLANTED = {"momentum": ("momentum", 0.8), "value": ("value", 0.7), "quality": ("quality", 0.7),
           "lowvol": ("lowvol", 0.4), "size": ("size", 0.4)}  # fmt: skip


def _expected_ic(factor: str) -> pl.DataFrame:
    from warehouse.selectors import planted_truth

    data = load_research_data()
    fwd = signal_forward_returns(data).filter(pl.col("h") == 21)
    disp = fwd.group_by("date").agg(pl.col("fwd_ret").std().alias("sd_r"))
    cal = data.prices.select("date").unique().sort("date").with_row_index("idx")
    f = planted_truth("factor_returns").filter(pl.col("factor") == factor).join(cal, on="date").sort("idx")
    f = f.with_columns(pl.col("ret").log1p().rolling_sum(21).shift(-21).exp().sub(1).alias("F"))
    sd_x = planted_truth("exposures").filter(pl.col("factor") == factor).group_by("date").agg(
        pl.col("value").std().alias("sd_x")
    )
    out = f.select("date", "F").join(disp, on="date").join(sd_x, on="date")
    return out.select("date", (pl.col("F") * pl.col("sd_x") / pl.col("sd_r")).alias("expected"))


@pytest.mark.parametrize("signal", list(PLANTED))
def test_planted_factor_ic_tracks_the_planted_factor_return(demo_reports, signal: str) -> None:
    factor, min_corr = PLANTED[signal]
    report = next(r for r in demo_reports if r.signal == signal)
    joined = report_frame(report, "ic").join(_expected_ic(factor), on="date").drop_nulls()
    assert joined.height > 50
    corr = np.corrcoef(joined["ic"].to_numpy(), joined["expected"].to_numpy())[0, 1]
    assert corr > min_corr, f"{signal}: corr(IC, expected) = {corr:.3f}"


def test_momentum_mean_ic_has_the_planted_sign_and_size(demo_reports) -> None:
    report = next(r for r in demo_reports if r.signal == "momentum")
    joined = report_frame(report, "ic").join(_expected_ic("momentum"), on="date").drop_nulls()
    expected = joined["expected"].mean()
    assert np.sign(report.ic_mean) == np.sign(expected)
    assert abs(report.ic_mean - expected) < 0.5 * abs(expected) + 0.01
    assert 0.005 < abs(report.ic_mean) < 0.2  # order 1e-2, as derived


def test_noise_signal_is_indistinguishable_from_zero_and_fails_the_hurdle(demo_reports) -> None:
    noise = next(r for r in demo_reports if r.signal == "noise")
    assert abs(noise.ic_t_stat) < 2
    assert abs(noise.ic_mean) < 0.02
    table = multiple_testing_table([r.signal for r in demo_reports], [r.ic_t_stat for r in demo_reports])
    row = table.filter(pl.col("name") == "noise").row(0, named=True)
    assert not row["passes_t3"] and row["p_bh"] > 0.05 and row["p_bonferroni"] > 0.05


def test_alpha_build_is_idempotent(demo_reports) -> None:
    from research.services.reports import alpha_build

    again = alpha_build(names="momentum,noise")
    assert {r.pk for r in again} <= {r.pk for r in demo_reports}
