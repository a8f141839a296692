from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from research.analytics.ic import ic_by_date
from research.qlib_adapter import compute_ic, qlib_available


def _random_data(seed: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    n_dates, n_assets = 15, 25
    n = n_dates * n_assets
    dates = [dt.date(2023, 1, 1) + dt.timedelta(days=i // n_assets) for i in range(n)]
    assets = [f"id{i % n_assets}" for i in range(n)]
    value = rng.integers(0, 6, n).astype(float)  # many ties
    value[rng.random(n) < 0.15] = np.nan
    ret = rng.normal(0, 0.02, n)
    signal = pl.DataFrame({"date": dates, "asset": assets, "value": value}).with_columns(pl.col("value").fill_nan(None))
    fwd = pl.DataFrame({"date": dates, "asset": assets, "fwd_ret": ret})
    fwd = fwd.filter(pl.int_range(pl.len()) % 9 != 0)  # missing forward returns
    # one date with only 2 pairs, one with a constant signal
    signal = signal.with_columns(
        pl.when(pl.col("date") == dt.date(2023, 1, 3)).then(1.0).otherwise(pl.col("value")).alias("value")
    )
    asset_no = pl.col("asset").str.slice(2).cast(pl.Int64)
    fwd = fwd.filter(~((pl.col("date") == dt.date(2023, 1, 5)) & (asset_no > 1)))
    return signal, fwd


@pytest.mark.skipif(not qlib_available(), reason="pyqlib is not installed")
def test_qlib_and_local_backends_agree_to_1e_10() -> None:
    signal, fwd = _random_data()
    via_qlib = compute_ic(signal, fwd, backend="qlib")
    local = compute_ic(signal, fwd, backend="local")
    assert_frame_equal(via_qlib, local, check_exact=False, abs_tol=1e-10, rel_tol=0)
    assert via_qlib.filter(pl.col("date") == dt.date(2023, 1, 3))["ic"].item() is None
    assert via_qlib.filter(pl.col("date") == dt.date(2023, 1, 5))["ic"].item() is None
    assert via_qlib["ic"].null_count() == 2


def test_local_backend_is_the_polars_implementation() -> None:
    signal, fwd = _random_data(9)
    assert_frame_equal(compute_ic(signal, fwd, backend="local"), ic_by_date(signal, fwd))


def test_unknown_backend_is_rejected() -> None:
    signal, fwd = _random_data()
    with pytest.raises(ValueError, match="unknown backend"):
        compute_ic(signal, fwd, backend="zipline")  # type: ignore[arg-type]


def test_auto_falls_back_to_local_when_qlib_cannot_be_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    signal, fwd = _random_data(12)
    monkeypatch.setitem(sys.modules, "qlib.contrib.eva.alpha", None)  # import raises ImportError
    monkeypatch.setattr("research.qlib_adapter.qlib_available", lambda: True)
    assert_frame_equal(compute_ic(signal, fwd, backend="auto"), ic_by_date(signal, fwd))
    with pytest.raises(RuntimeError, match="cannot be imported"):
        compute_ic(signal, fwd, backend="qlib")
