"""bench/qlib_format.py: the qlib binary format we write is read back by qlib itself, and qlib's engine
computes the 14 benchmark expressions to float32 precision of our polars versions."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from bench import qlib_format as qf

DATES = [dt.date(2024, 1, 2) + dt.timedelta(days=i) for i in range(40)]


def _panel(seed: int = 5) -> pl.DataFrame:
    """Three assets with random-walk prices; asset 2 misses two sessions, asset 3 starts late."""
    rng = np.random.default_rng(seed)
    parts = []
    for asset in (1, 2, 3):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.03, len(DATES))))
        parts.append(pl.DataFrame({
            "date": DATES, "asset": asset, "close": close, "high": close * (1 + rng.uniform(0, 0.02, len(DATES))),
            "low": close * (1 - rng.uniform(0, 0.02, len(DATES))), "volume": rng.integers(0, 5000, len(DATES)) * 1.0,
        }))  # fmt: skip
    panel = pl.concat(parts)
    gaps = (pl.col("asset") == 2) & pl.col("date").is_in([DATES[10], DATES[11]])
    late = (pl.col("asset") == 3) & (pl.col("date") < DATES[7])
    return panel.filter(~gaps & ~late)


def test_dense_panel_puts_every_session_between_first_and_last_row() -> None:
    dense = qf.dense_panel(_panel())
    assert dense.group_by("asset").len().sort("asset")["len"].to_list() == [40, 40, 33]
    missing = dense.filter(pl.col("close").is_null())
    assert missing.select("asset", "date").rows() == [(2, DATES[10]), (2, DATES[11])]


def test_it_writes_qlibs_layout(tmp_path: Path) -> None:
    dense = qf.dense_panel(_panel())
    counts = qf.write_qlib_bin(tmp_path, dense)
    assert counts == {"sessions": 40, "instruments": 3, "files": 12}
    assert (tmp_path / "calendars" / "day.txt").read_text().splitlines()[:2] == ["2024-01-02", "2024-01-03"]
    assert (tmp_path / "instruments" / "all.txt").read_text().splitlines()[2] == "P3\t2024-01-09\t2024-02-10"
    raw = np.fromfile(tmp_path / "features" / "p3" / "close.day.bin", dtype="<f4")
    assert raw[0] == 7  # calendar index of P3's first session
    expected = dense.filter(pl.col("asset") == 3)["close"].to_numpy().astype(np.float32)
    np.testing.assert_array_equal(raw[1:], expected)
    gap = np.fromfile(tmp_path / "features" / "p2" / "volume.day.bin", dtype="<f4")
    assert raw.size == 34 and gap.size == 41 and np.isnan(gap[1 + 10]) and np.isnan(gap[1 + 11])


def test_polars_expressions_follow_qlibs_min_periods_one_semantics() -> None:
    dense = qf.dense_panel(_panel()).filter(pl.col("asset") == 1)
    ours = qf.our_features(dense)
    close = dense["close"].to_numpy()
    assert ours["MA5"][0] == pytest.approx(1.0)  # one observation: Mean($close, 5) = $close
    assert ours["MA5"][2] == pytest.approx(close[:3].mean() / close[2])
    assert ours["STD20"][0] is None  # ddof 1 on one observation
    assert ours["STD20"][25] == pytest.approx(np.std(close[6:26], ddof=1) / close[25])
    assert ours["ROC5"][4] is None and ours["ROC5"][5] == pytest.approx(close[0] / close[5])


def test_qlib_reads_the_bins_and_agrees_with_our_expressions(tmp_path: Path) -> None:
    pytest.importorskip("qlib")
    dense = qf.dense_panel(_panel())
    qf.write_qlib_bin(tmp_path, dense)
    qf.qlib_init(tmp_path, kernels=1)
    qf.qlib_clear_memory()
    closes = qf.qlib_features((qf.Factor("close", "$close", pl.col("close")),))
    back = closes.join(dense, on=["date", "asset"], suffix="_in").sort("asset", "date")
    assert back.height == dense.height == 113
    np.testing.assert_array_equal(back["close"].to_numpy(), back["close_in"].cast(pl.Float32).to_numpy())
    theirs, ours = qf.qlib_features(), qf.our_features(dense)
    report = qf.compare(ours, theirs)
    assert report["rows_matched"] == {"ours": 113, "qlib": 113, "both": 113}
    joined = ours.join(theirs, on=["date", "asset"], suffix="_qlib")
    for f in qf.EXPRESSIONS:
        assert report[f.name]["missing_mismatch"] == 0, f.name
        a, b = joined[f.name].to_numpy(), joined[f"{f.name}_qlib"].to_numpy()
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5, equal_nan=True, err_msg=f.name)
    # null on each asset's first row, on asset 2's two missing sessions and on the session after them
    assert report["RET1"]["values"] == 113 - 3 - 3


@pytest.mark.redis
def test_qlib_expression_cache_is_filled_then_read_back_unchanged(tmp_path: Path, redis_url: str) -> None:
    pytest.importorskip("qlib")
    dense = qf.dense_panel(_panel())
    qf.write_qlib_bin(tmp_path, dense)
    assert qf.qlib_init(tmp_path, kernels=1)
    qf.qlib_clear_memory()
    cold = qf.qlib_features()
    assert qf.qlib_init(tmp_path, kernels=1, expression_cache="DiskExpressionCache", redis_url=redis_url)
    qf.qlib_clear_memory()
    filled = qf.qlib_features()
    cached = sorted(p.name for p in (tmp_path / "features_cache" / "p2").iterdir() if p.suffix == ".meta")
    assert len(cached) == len(qf.EXPRESSIONS)  # one cache entry (+ .meta) per expression and instrument
    qf.qlib_clear_memory()
    warm = qf.qlib_features()
    assert filled.equals(cold) and warm.equals(cold)
    meta = tmp_path / "features_cache" / "p2" / cached[0]
    assert pickle.loads(meta.read_bytes())["meta"]["visits"] == 2  # created at 1, the warm run read it
