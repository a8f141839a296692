from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from research.analytics.multiple_testing import (
    adjust_pvalues,
    multiple_testing_table,
    oos_split,
    passes_hurdle,
    t_to_pvalue,
)

SM_METHOD = {"bonferroni": "bonferroni", "holm": "holm", "bh": "fdr_bh"}


@pytest.mark.parametrize("method", ["bonferroni", "holm", "bh"])
def test_adjustments_match_statsmodels_to_1e_12(method: str) -> None:
    rng = np.random.default_rng(42)
    p = np.concatenate([rng.uniform(0, 0.05, 20), rng.uniform(0, 1, 80), [0.01, 0.01, 1.0]])
    rng.shuffle(p)
    expected = multipletests(p, method=SM_METHOD[method])[1]
    np.testing.assert_allclose(adjust_pvalues(p, method), expected, rtol=0, atol=1e-12)


def test_hand_computed_adjustments() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted: 0.005, 0.01, 0.03, 0.04 (m = 4)
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), [0.04, 0.16, 0.12, 0.02])
    # Holm: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> running max 0.02,0.03,0.06,0.06
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    # BH: 0.005*4/1=0.02, 0.01*4/2=0.02, 0.03*4/3=0.04, 0.04*4/4=0.04 -> running min from the top
    np.testing.assert_allclose(adjust_pvalues(p, "bh"), [0.02, 0.04, 0.04, 0.02])


def test_invalid_pvalues_are_rejected() -> None:
    with pytest.raises(ValueError, match="without NaN"):
        adjust_pvalues([0.1, float("nan")], "bh")
    with pytest.raises(ValueError, match="unknown method"):
        adjust_pvalues([0.1], "sidak")  # type: ignore[arg-type]


def test_hurdle_and_pvalues_of_t_stats() -> None:
    assert passes_hurdle([2.9, -3.1, 3.0, 4.0]).tolist() == [False, True, False, True]
    np.testing.assert_allclose(t_to_pvalue([1.96]), [2 * stats.norm.sf(1.96)], atol=1e-15)
    np.testing.assert_allclose(t_to_pvalue([-2.0], [10]), [2 * stats.t.sf(2.0, 10)], atol=1e-15)


def test_table_flags_signals() -> None:
    table = multiple_testing_table(["mom", "val", "noise"], [3.5, 2.2, 0.3])
    assert table["passes_t3"].to_list() == [True, False, False]
    assert table["significant_bh"].to_list() == [True, True, False]
    p = 2 * stats.norm.sf([3.5, 2.2, 0.3])
    np.testing.assert_allclose(table["p_holm"].to_numpy(), multipletests(p, method="holm")[1], atol=1e-12)


def test_oos_split_by_fraction_with_embargo() -> None:
    dates = pl.Series([dt.date(2024, 1, d) for d in range(1, 11)] * 2)
    split = oos_split(dates, fraction=0.6, embargo=2)
    assert split.cutoff == dt.date(2024, 1, 6)
    assert split.in_sample.len() == 6
    assert split.out_of_sample.to_list() == [dt.date(2024, 1, 9), dt.date(2024, 1, 10)]
    with pytest.raises(ValueError, match="exactly one"):
        oos_split(dates)
    with pytest.raises(ValueError, match="empty"):
        oos_split(dates, cutoff=dt.date(2024, 1, 10))
