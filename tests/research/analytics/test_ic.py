from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import stats

from research.analytics.ic import forward_returns, ic_by_date, ic_summary, sign_agreement

D = [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 5), dt.date(2024, 1, 8)]


def _prices() -> pl.DataFrame:
    # B has no price on D[1]: its 1-day forward return from D[0] must be null, never D[2]'s.
    return pl.DataFrame(
        {
            "date": [D[0], D[1], D[2], D[3], D[0], D[2], D[3]],
            "asset": ["A", "A", "A", "A", "B", "B", "B"],
            "price": [100.0, 110.0, 99.0, 99.0, 50.0, 55.0, 60.0],
        }
    )


def test_forward_returns_use_the_price_calendar_and_null_the_tail() -> None:
    fwd = forward_returns(_prices(), [1, 2])
    expected = pl.DataFrame(
        {
            "date": [D[0], D[0], D[1], D[2], D[2], D[3], D[3], D[0], D[0], D[1], D[2], D[2], D[3], D[3]],
            "asset": ["A", "B", "A", "A", "B", "A", "B"] * 2,
            "h": [1] * 7 + [2] * 7,
            "fwd_ret": [
                0.1,
                None,
                -0.1,
                0.0,
                60 / 55 - 1,
                None,
                None,
                -0.01,
                0.1,
                -0.1,
                None,
                None,
                None,
                None,
            ],
        }
    ).sort("h", "date", "asset")
    assert_frame_equal(fwd, expected.select("date", "asset", "h", "fwd_ret"), check_dtypes=False)


def test_forward_returns_ignore_prices_after_the_horizon() -> None:
    base = forward_returns(_prices(), [1]).filter(pl.col("date") <= D[1])
    changed = _prices().with_columns(
        pl.when(pl.col("date") > D[2]).then(pl.col("price") * 3).otherwise(pl.col("price")).alias("price")
    )
    after = forward_returns(changed, [1]).filter(pl.col("date") <= D[1])
    assert_frame_equal(base, after)


def test_forward_returns_reject_non_positive_horizons() -> None:
    with pytest.raises(ValueError, match="positive"):
        forward_returns(_prices(), [0])


def _pairs() -> tuple[pl.DataFrame, pl.DataFrame]:
    signal = pl.DataFrame(
        {
            "date": [D[0]] * 5 + [D[1]] * 3 + [D[2]] * 4,
            "asset": ["a", "b", "c", "d", "e", "a", "b", "c", "a", "b", "c", "d"],
            # D[0]: ties (1, 1) and e has a null signal; D[1]: c has no fwd → 2 pairs; D[2]: constant.
            "value": [1.0, 1.0, 2.0, 3.0, None, 0.5, 0.1, 0.3, 2.0, 2.0, 2.0, 2.0],
        }
    )
    fwd = pl.DataFrame(
        {
            "date": [D[0]] * 5 + [D[1]] * 2 + [D[2]] * 4,
            "asset": ["a", "b", "c", "d", "e", "a", "b", "a", "b", "c", "d"],
            "fwd_ret": [0.01, 0.03, 0.02, 0.05, 0.07, 0.01, -0.02, 0.01, 0.02, 0.03, 0.04],
        }
    )
    return signal, fwd


def test_ic_and_rank_ic_match_numpy_and_scipy_with_ties_and_missing_values() -> None:
    signal, fwd = _pairs()
    out = ic_by_date(signal, fwd)
    x, y = [1.0, 1.0, 2.0, 3.0], [0.01, 0.03, 0.02, 0.05]
    first = out.row(0, named=True)
    assert first["n"] == 4
    assert first["ic"] == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-14)
    assert first["rank_ic"] == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-14)
    # Spearman by hand: ranks x = (1.5, 1.5, 3, 4), y = (1, 3, 2, 4)
    assert first["rank_ic"] == pytest.approx(np.corrcoef([1.5, 1.5, 3, 4], [1, 3, 2, 4])[0, 1], abs=1e-14)
    assert out["n"].to_list() == [4, 2, 4]
    assert out["ic"][1] is None and out["rank_ic"][1] is None  # fewer than 3 pairs
    assert out["ic"][2] is None and out["rank_ic"][2] is None  # zero signal variance


def test_grouped_ic_equals_ic_on_each_group_subset() -> None:
    rng = np.random.default_rng(7)
    n = 60
    signal = pl.DataFrame(
        {
            "date": [D[i // 20] for i in range(n)],
            "asset": [f"x{i % 20}" for i in range(n)],
            "value": rng.normal(size=n),
        }
    )
    fwd = signal.select("date", "asset", pl.Series("fwd_ret", rng.normal(size=n)))
    groups = pl.DataFrame({"asset": [f"x{i}" for i in range(20)], "group": ["g1"] * 12 + ["g2"] * 8})
    out = ic_by_date(signal, fwd, groups=groups)
    assert out.height == 6
    g2 = groups.filter(pl.col("group") == "g2")["asset"].implode()
    direct = ic_by_date(signal.filter(pl.col("asset").is_in(g2)), fwd)
    got = out.filter(pl.col("group") == "g2").drop("group")
    assert_frame_equal(got, direct)


def test_ic_summary_statistics_are_hand_computed() -> None:
    ic = pl.Series("ic", [0.1, 0.2, -0.05, None])
    s = ic_summary(ic, periods_per_year=252)
    mean = 0.25 / 3
    std = math.sqrt(((0.1 - mean) ** 2 + (0.2 - mean) ** 2 + (-0.05 - mean) ** 2) / 2)
    assert s.mean == pytest.approx(mean, abs=1e-15)
    assert s.std == pytest.approx(std, abs=1e-15)
    assert s.icir == pytest.approx(mean / std, abs=1e-14)
    assert s.icir_annualised == pytest.approx(mean / std * math.sqrt(252), abs=1e-12)
    assert s.t_stat == pytest.approx(mean / (std / math.sqrt(3)), abs=1e-14)
    assert s.t_stat == pytest.approx(stats.ttest_1samp([0.1, 0.2, -0.05], 0.0).statistic, abs=1e-12)
    assert s.hit_rate == pytest.approx(2 / 3)
    assert (s.n_dates, s.n_null) == (3, 1)


def test_ic_summary_of_one_value_has_no_dispersion() -> None:
    s = ic_summary(pl.Series([0.3]), periods_per_year=12)
    assert s.mean == pytest.approx(0.3) and s.std is None and s.icir is None and s.t_stat is None


def test_sign_agreement_counts_matching_signs() -> None:
    signal, fwd = _pairs()
    # pairs with non-zero values: D0 4 pairs all positive value & fwd → 4 agree; D1 a(+,+) b(+,-);
    # D2 4 pairs agree → 9 of 10
    assert sign_agreement(signal, fwd) == pytest.approx(9 / 10)
