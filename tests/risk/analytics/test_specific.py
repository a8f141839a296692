from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from risk.analytics.specific import bayesian_shrinkage, ewma_specific_vol, structural_fill

D = [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)]


def test_ewma_specific_vol_hand_computed() -> None:
    resid = pl.DataFrame(
        {
            "date": D + [D[0], D[2]],
            "permno": [1, 1, 1, 2, 2],
            "resid": [0.01, -0.02, 0.03, 0.02, None],
        }
    )
    out = ewma_specific_vol(resid, half_life=1.0)
    # permno 1 weights 0.25, 0.5, 1; permno 2 has a single valid observation.
    v1 = (0.25 * 0.01**2 + 0.5 * 0.02**2 + 0.03**2) / 1.75
    expected = pl.DataFrame({"permno": [1, 2], "specific_vol": [np.sqrt(v1), 0.02], "n_obs": [3, 1]})
    assert_frame_equal(out, expected)


def test_bayesian_shrinkage_hand_computed() -> None:
    frame = pl.DataFrame({"permno": [1, 2, 3, 4], "specific_vol": [0.01, 0.02, 0.03, 0.06], "mktcap": [1.0] * 4})
    out = bayesian_shrinkage(frame, n_groups=1, q=0.1)
    prior = 0.03
    delta = np.sqrt((0.02**2 + 0.01**2 + 0.0 + 0.03**2) / 4)
    vols = np.array([0.01, 0.02, 0.03, 0.06])
    v = 0.1 * np.abs(vols - prior) / (delta + 0.1 * np.abs(vols - prior))
    np.testing.assert_allclose(out.get_column("shrunk_vol").to_numpy(), v * prior + (1 - v) * vols)
    assert out.get_column("vol_prior").to_list() == pytest.approx([prior] * 4)
    assert out.get_column("shrunk_vol")[2] == pytest.approx(0.03)  # already at the prior


def test_bayesian_shrinkage_uses_cap_weighted_size_groups() -> None:
    frame = pl.DataFrame(
        {"permno": [1, 2, 3, 4], "specific_vol": [0.04, 0.02, 0.01, 0.05], "mktcap": [1.0, 3.0, 10.0, 30.0]}
    )
    out = bayesian_shrinkage(frame, n_groups=2)
    assert out.get_column("size_group").to_list() == [0, 0, 1, 1]
    assert out.get_column("vol_prior").to_list() == pytest.approx(
        [0.025, 0.025, 0.04, 0.04]
    )  # (1*.04+3*.02)/4, (10*.01+30*.05)/40


def test_structural_fill_predicts_short_history_names() -> None:
    rng = np.random.default_rng(0)
    size = rng.standard_normal(50)
    vol = np.exp(-4.0 - 0.3 * size)  # exact structural relation
    frame = pl.DataFrame(
        {
            "permno": np.arange(50),
            "specific_vol": np.where(np.arange(50) < 5, 0.5, vol),  # short names have junk vols
            "n_obs": np.where(np.arange(50) < 5, 10, 250),
            "mktcap": np.exp(20 + size),
            "size": size,
        }
    )
    out = structural_fill(frame, exposures=["size"], min_obs=63)
    np.testing.assert_allclose(out.get_column("final_vol").to_numpy()[:5], 1.05 * vol[:5], rtol=1e-10)
    np.testing.assert_allclose(out.get_column("final_vol").to_numpy()[5:], vol[5:])
    assert out.get_column("structural").sum() == 5
