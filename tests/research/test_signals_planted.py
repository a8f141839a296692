"""Proof of correctness on the demo warehouse's planted factor model.

Derivation of the expected IC. In the demo, the return of stock i over the 21 sessions after a
month end d is, to first order in the daily returns,

    r_i,d = rf + S_i,d + e_i,d,    S_i,d = Σ_j X_ij,d F_j,d,

summed over ALL planted factors j: market (exposure = beta), the sectors (exposure 1 to the
stock's own sector, 0 otherwise) and the five styles (standardised exposures formed at d), with
``F_j,d`` the planted factor return compounded over those 21 sessions and ``e`` the specific
return, independent of the exposures. A signal s built for style k recomputes the planted
descriptor of ``X_k`` from the warehouse (the value signal correlates 0.999 with the planted
value exposure per month end), so its Pearson IC is, cross-sectionally on the IC's own pairs,

    IC_d = corr_cs(s, r_d) ≈ cov_cs(X_k, S_d) / (sd_cs(X_k) · sd_cs(r_d))          (multi-factor)
                           = Σ_j F_j,d · cov_cs(X_k, X_j) / (sd_cs(X_k) · sd_cs(r_d)),

plus ``cov_cs(X_k, e) / (…)``, zero in expectation. The single-factor approximation
``F_k,d · sd_cs(X_k) / sd_cs(r_d)`` keeps only j = k; it is wrong in the level whenever the style
is correlated with other planted exposures that earned a premium over the sample. Value on the
test demo: mean IC 0.016 against 0.034 single-factor; the multi-factor terms are value +0.034,
momentum −0.011 (book-to-market correlates −0.39 with momentum, whose realised premium was
positive), the sectors −0.013 together, size +0.003, lowvol +0.003, market +0.002: 0.016.

Why ``X_k`` and not the signal values: with s in place of ``X_k`` the expectation would follow
the signal whatever it measures (any signal's IC is its covariance with the systematic return
plus noise), so the test would no longer check that the signal recovers the planted exposure.
With ``X_k`` the expectation depends on the planted truth alone, and the test fails if the
signal drifts away from the exposure. The sample is the IC's: the (date, asset) pairs where the
signal and the 21-session forward total return are both present.

The realised path, not the premium, decides a finite sample, hence the comparison with the
realised ``F``: per date (time-series correlation of ``IC_d`` with ``expected_d``) and in the
mean. Measured on the test demo, 300 stocks × 6 years (seed 7): ``MEASURED`` below. The signals
recover their planted exposures (mean per-date Pearson correlation 0.976 for momentum, ≥ 0.998
for the others), and the expectation computed from the signal values instead of ``X_k`` differs
by less than 0.001 in the mean.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from research.analytics.multiple_testing import multiple_testing_table
from research.selectors import report_frame
from research.services.data import ResearchData, load_research_data
from research.services.reports import MAIN_HORIZON, signal_forward_returns

from .conftest import _dirs

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# signal -> (planted style, minimum corr(IC_d, expected_d), minimum per-date corr(signal, X_k)).
# Measured: corr(IC_d, expected_d) 0.947-0.981 (MEASURED below); corr(signal, X_k) at least 0.874
# (momentum, its first dates), 0.972 (lowvol), 0.994-0.998 (value, quality, size). With annual
# reports public a calendar-day 6 months after datadate instead of at the month-end session
# (`warehouse.pit`), quality fell to 0.51 and value to 0.976 on the June month ends 2019-06-28 and
# 2024-06-28 (June 30 a Sunday): the signals missed the December reports the generator had used.
# Minimum per-date corr(signal, planted exposure). On the demo with real market history (issue 15)
# the lowest dates fell to quality 0.9891 and lowvol 0.9442 (the lowvol minimum is the first formation
# date; the means stay above 0.97); 0.99+ / 0.95+ on synthetic paths. Likely cause, not yet proven:
# the 2020 crash widens the cross-section of trailing volatility, so the planted exposure's
# winsorisation (mean ± 3 s.d.) departs more from the raw signal.
PLANTED = {"momentum": ("momentum", 0.9, 0.85), "value": ("value", 0.9, 0.99), "quality": ("quality", 0.9, 0.985),
           "lowvol": ("lowvol", 0.9, 0.93), "size": ("size", 0.9, 0.99)}  # fmt: skip
MAX_MEAN_GAP_T = 2.5  # |mean(IC − expected)| in standard errors; measured at most 1.6 (quality)
MEASURED = """
signal     mean IC   expected: single  multi   corr(IC_d, expected_d): single  multi   gap (t)
momentum    0.0479            0.0531  0.0573                           0.835  0.976   -0.0095 (1.2)
value       0.0159            0.0340  0.0163                           0.892  0.981   -0.0005 (0.1)
quality     0.0353            0.0338  0.0244                           0.886  0.947   +0.0109 (1.6)
lowvol     -0.0362           -0.0042 -0.0258                           0.749  0.955   -0.0104 (1.4)
size       -0.0087           -0.0168 -0.0111                           0.581  0.950   +0.0024 (0.4)
"""


def _compounded_factor_returns(data: ResearchData) -> pl.DataFrame:
    """``date, factor, F``: each planted factor return compounded over the MAIN_HORIZON sessions after date."""
    from warehouse.selectors import planted_truth

    cal = data.prices.select("date").unique().sort("date").with_row_index("idx")
    f = planted_truth("factor_returns").join(cal, on="date").sort("factor", "idx")
    log_sum = pl.col("ret").log1p().rolling_sum(MAIN_HORIZON).shift(-MAIN_HORIZON).over("factor")
    return f.select("date", "factor", (log_sum.exp() - 1).alias("F")).drop_nulls()


def _planted_event_returns(data: ResearchData) -> pl.DataFrame:
    """``date, asset, E``: the planted earnings and index event returns (docs/demo-data.md) summed over
    the MAIN_HORIZON sessions after each date — part of the known return, beside the factors."""
    from warehouse.selectors import planted_truth

    cal = (
        data.prices.select("date")
        .unique()
        .sort("date")
        .with_row_index("idx")
        .with_columns(pl.col("idx").cast(pl.Int64))
    )
    earn = planted_truth("earnings_events").join(cal.rename({"date": "event_date"}), on="event_date")
    index = planted_truth("index_events").join(cal.rename({"date": "announce_date"}), on="announce_date")
    offsets = pl.DataFrame({"off": list(range(61))})
    rows = [
        earn.join(offsets, how="cross").select(
            "permno", (pl.col("idx") + pl.col("off")).alias("s"),
            pl.when(pl.col("off") <= 1).then(pl.col("announcement") / 2).otherwise(pl.col("drift") / 59).alias("amt"),
        ),
        index.join(offsets.filter(pl.col("off") <= 1), how="cross").select(
            "permno", (pl.col("idx") + pl.col("off")).alias("s"), (pl.col("effect") / 2).alias("amt"),
        ),
    ]  # fmt: skip
    daily = pl.concat(rows).group_by("permno", "s").agg(pl.col("amt").sum()).sort("permno", "s")
    cum = daily.with_columns(pl.col("amt").cum_sum().over("permno").alias("C")).select("permno", "s", "C")
    dates = cal.with_columns(end=pl.col("idx") + MAIN_HORIZON)
    assets = cum.select("permno").unique()
    grid = dates.join(assets, how="cross").sort("idx")

    def at(col: str) -> pl.DataFrame:
        left = grid.select("date", "permno", pl.col(col).alias("s")).sort("s")
        # both sides sorted by s; polars cannot verify it per "by" group, hence no check
        joined = left.join_asof(cum.sort("s"), on="s", by="permno", strategy="backward", check_sortedness=False)
        return joined.with_columns(pl.col("C").fill_null(0.0))

    start, end = at("idx"), at("end")
    return end.join(start, on=["date", "permno"], suffix="_0").select(
        "date", pl.col("permno").alias("asset"), (pl.col("C") - pl.col("C_0")).alias("E")
    )


def _expected_ics(data: ResearchData, values: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``signal, date, ic_single, expected, exposure_corr`` per formation date (see the module docstring)."""
    from warehouse.selectors import planted_truth

    fwd = signal_forward_returns(data).filter(pl.col("h") == MAIN_HORIZON).select("date", "asset", "fwd_ret")
    exposures = planted_truth("exposures").rename({"permno": "asset"})
    factor_returns = _compounded_factor_returns(data)
    systematic = (
        exposures.join(factor_returns, on=["date", "factor"])
        .group_by("date", "asset")
        .agg((pl.col("value") * pl.col("F")).sum().alias("S"))
    )
    # the demo's planted event returns are known too (issue 20): PEAD correlates with quality through
    # ROE mean reversion, index changes with size, so they belong in the expectation
    events = _planted_event_returns(data)
    systematic = systematic.join(events, on=["date", "asset"], how="left").select(
        "date", "asset", (pl.col("S") + pl.col("E").fill_null(0.0)).alias("S")
    )
    frames = []
    for signal, (style, _, _) in PLANTED.items():
        x = exposures.filter(pl.col("factor") == style).select("date", "asset", pl.col("value").alias("x"))
        f_k = factor_returns.filter(pl.col("factor") == style).select("date", "F")
        pairs = (
            values[signal].filter(pl.col("value").is_finite())
            .join(fwd.filter(pl.col("fwd_ret").is_finite()), on=["date", "asset"])
            .join(x, on=["date", "asset"])
            .join(systematic, on=["date", "asset"])
        )  # fmt: skip
        per_date = pairs.group_by("date").agg(
            (pl.cov("x", "S") / (pl.col("x").std() * pl.col("fwd_ret").std())).alias("expected"),
            (pl.col("x").std() / pl.col("fwd_ret").std()).alias("_scale"),
            pl.corr("value", "x").alias("exposure_corr"),
        )
        per_date = per_date.join(f_k, on="date").select(
            pl.lit(signal).alias("signal"), "date", (pl.col("F") * pl.col("_scale")).alias("ic_single"),
            "expected", "exposure_corr",
        )  # fmt: skip
        frames.append(per_date)
    return pl.concat(frames).sort("signal", "date")


@pytest.fixture(scope="module")
def expected_ic(_demo_session, django_db_blocker) -> pl.DataFrame:  # noqa: ANN001
    """Per-date IC of every planted signal's report beside its single- and multi-factor expectations."""
    from django.test import override_settings

    root, reports = _demo_session
    with django_db_blocker.unblock(), override_settings(**_dirs(root)):
        planted = [r for r in reports if r.signal in PLANTED]
        values = {r.signal: report_frame(r, "values").select("date", "asset", "value") for r in planted}
        ic = pl.concat([report_frame(r, "ic").select(pl.lit(r.signal).alias("signal"), "date", "ic") for r in planted])
        expected = _expected_ics(load_research_data(), values)
    return ic.join(expected, on=["signal", "date"]).drop_nulls()


@pytest.mark.parametrize("signal", list(PLANTED))
def test_planted_signal_recovers_the_planted_exposure(expected_ic, signal: str) -> None:
    corr = expected_ic.filter(pl.col("signal") == signal)["exposure_corr"]
    assert corr.mean() > 0.97, (signal, corr.mean())  # measured 0.976 (momentum) to 0.999
    assert corr.min() > PLANTED[signal][2], (signal, corr.sort().head(3).to_list())


@pytest.mark.parametrize("signal", list(PLANTED))
def test_planted_factor_ic_tracks_the_multi_factor_expected_ic(expected_ic, signal: str) -> None:
    joined = expected_ic.filter(pl.col("signal") == signal)
    assert joined.height > 50
    corr = np.corrcoef(joined["ic"].to_numpy(), joined["expected"].to_numpy())[0, 1]
    assert corr > PLANTED[signal][1], f"{signal}: corr(IC, expected) = {corr:.3f}"


@pytest.mark.parametrize("signal", list(PLANTED))
def test_planted_factor_mean_ic_has_the_planted_sign_and_size(demo_reports, expected_ic, signal: str) -> None:
    """The gap IC − expected is the specific-return term cov_cs(X_k, e)/(…): mean zero, so its mean
    is bounded in standard errors of the per-date gaps (monthly dates, 21-session returns: no overlap)."""
    joined = expected_ic.filter(pl.col("signal") == signal)
    ic, expected = joined["ic"].mean(), joined["expected"].mean()
    report = next(r for r in demo_reports if r.signal == signal)
    assert report.ic_mean == pytest.approx(ic, abs=1e-3)  # the same dates as the report's summary
    assert np.sign(ic) == np.sign(expected)
    assert abs(ic - expected) < 0.5 * abs(expected) + 0.01  # the bound
    gap = joined["ic"] - joined["expected"]
    t = abs(gap.mean()) / (gap.std() / np.sqrt(gap.len()))
    assert t < MAX_MEAN_GAP_T, f"{signal}: mean IC {ic:.4f} vs expected {expected:.4f} (t = {t:.2f})"


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
