from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from research.analytics.crosssection import (
    fill_missing_expr,
    missing_counts,
    process_descriptors,
    sector_neutralize_expr,
    standardize_expr,
    winsorize_mad_expr,
    winsorize_quantile_expr,
)

D1, D2 = dt.date(2024, 1, 2), dt.date(2024, 1, 3)


def test_quantile_winsorising_matches_numpy_per_date() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_t(3, 200)
    df = pl.DataFrame({"date": [D1] * 100 + [D2] * 100, "x": x})
    got = df.select(winsorize_quantile_expr("x", 0.05, 0.95)).get_column("x").to_numpy()
    for sl in (slice(0, 100), slice(100, 200)):
        lo, hi = np.quantile(x[sl], [0.05, 0.95])
        np.testing.assert_allclose(got[sl], np.clip(x[sl], lo, hi))


def test_mad_winsorising_hand_computed() -> None:
    df = pl.DataFrame({"date": [D1] * 5, "x": [1.0, 2.0, 3.0, 4.0, 100.0]})
    got = df.select(winsorize_mad_expr("x", n_mad=3.0)).get_column("x").to_list()
    # median 3, MAD 1 -> bounds 3 ± 3 * 1.4826
    assert got == pytest.approx([1.0, 2.0, 3.0, 4.0, 3 + 3 * 1.4826])


def test_standardise_cap_weighted_mean_equal_weighted_std() -> None:
    df = pl.DataFrame({"date": [D1] * 4, "x": [1.0, 2.0, 3.0, None], "mktcap": [1.0, 1.0, 2.0, 50.0]})
    out = df.with_columns(standardize_expr("x"))
    # weighted mean (1 + 2 + 6) / 4 = 2.25 over non-null x; std(1,2,3; ddof=1) = 1
    assert out.get_column("x").to_list() == [
        pytest.approx(-1.25),
        pytest.approx(-0.25),
        pytest.approx(0.75),
        None,
    ]
    z = out.get_column("x").to_numpy()[:3]
    assert np.average(z, weights=[1, 1, 2]) == pytest.approx(0.0, abs=1e-15)


def test_sector_neutralisation_and_missing_fill() -> None:
    df = pl.DataFrame(
        {
            "date": [D1] * 6,
            "sector": ["a", "a", "a", "b", "b", "c"],
            "x": [1.0, 3.0, None, 10.0, 20.0, None],
        }
    )
    neutral = df.with_columns(sector_neutralize_expr("x"))
    assert neutral.get_column("x").to_list() == [-1.0, 1.0, None, -5.0, 5.0, None]
    filled = df.with_columns(fill_missing_expr("x"))
    # sector a median 2; sector c all missing -> 0
    assert filled.get_column("x").to_list() == [1.0, 3.0, 2.0, 10.0, 20.0, 0.0]
    assert df.with_columns(fill_missing_expr("x", "zero")).get_column("x").to_list()[2] == 0.0
    assert_frame_equal(
        missing_counts(df, ["x"]),
        pl.DataFrame({"date": [D1], "column": ["x"], "n_missing": [2], "n_total": [6]}),
    )


def test_pipeline_is_per_date_and_reports_missing() -> None:
    rng = np.random.default_rng(1)
    n = 50
    df = pl.DataFrame(
        {
            "date": [D1] * n + [D2] * n,
            "sector": (["a", "b"] * n),
            "mktcap": rng.lognormal(20, 1, 2 * n),
            "x": np.where(rng.random(2 * n) < 0.1, np.nan, rng.standard_normal(2 * n)),
        }
    ).with_columns(pl.col("x").fill_nan(None))
    out, report = process_descriptors(df, ["x"])
    assert out.get_column("x").null_count() == 0
    assert report.get_column("n_missing").sum() == df.get_column("x").null_count()
    changed = df.with_columns(pl.when(pl.col("date") == D2).then(pl.col("x") * 100).otherwise(pl.col("x")).alias("x"))
    again, _ = process_descriptors(changed, ["x"])
    assert_frame_equal(out.filter(pl.col("date") == D1), again.filter(pl.col("date") == D1))
    d1 = out.filter(pl.col("date") == D1)
    present = df.filter(pl.col("date") == D1).get_column("x").is_not_null().to_numpy()
    z = d1.get_column("x").to_numpy()[present]
    assert np.std(z, ddof=1) == pytest.approx(1.0, rel=0.2)  # MAD clipping at 5 barely binds
