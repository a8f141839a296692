"""Multi-horizon TAQ exports: bars against a pandas resample, the artifact, and qlib reading the layout back."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quant.artifacts import artifact_open
from research.analytics.microstructure import bars, horizons
from research.services.taq import taq_aggregates, taq_publish
from research.services.taq_demo import demo_intraday
from tests.research.microstructure.test_tier1 import wh  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def demo() -> tuple[pl.DataFrame, pl.DataFrame]:
    return demo_intraday(symbols=("AAA", "BBB"), days=3, trades_per_day=800, jump_prob=0.5)


def _pandas_resample(b: pl.DataFrame, rule: str) -> pd.DataFrame:
    """An independent reference: pandas resample of the 1-minute bars, per symbol, left-labelled."""
    out = []
    for symbol, part in b.to_pandas().groupby("symbol"):
        p = part.set_index("ts").assign(pv=lambda x: x["vwap"] * x["volume"])
        r = p.resample(rule, label="left", closed="left").agg(
            {
                "open": "first",
                "high": "max",
                "low": "min",
                "close": "last",
                "volume": "sum",
                "pv": "sum",
                "count": "sum",
            }
        )
        r = r[r["count"] > 0].assign(symbol=symbol, vwap=lambda x: x["pv"] / x["volume"])
        out.append(r.reset_index())
    return pd.concat(out).sort_values(["symbol", "ts"]).reset_index(drop=True)


def test_5_and_30_minute_bars_match_a_pandas_resample(demo) -> None:
    b = bars.time_bars(demo[0]).with_columns(date=pl.col("ts").dt.date())
    for every, rule in (("5m", "5min"), ("30m", "30min")):
        ours = horizons.resample_bars(b, every).to_pandas()
        ref = _pandas_resample(b, rule)
        assert len(ours) == len(ref)
        for col in ("open", "high", "low", "close", "volume", "vwap", "count"):
            np.testing.assert_allclose(ours[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-12, err_msg=col)
        assert (ours["ts"].to_numpy() == ref["ts"].to_numpy()).all()
    thirty = horizons.resample_bars(b, "30m")
    assert thirty["ts"].dt.strftime("%H:%M").unique().sort().to_list()[:2] == ["09:30", "10:00"]


def test_daily_bars_by_hand() -> None:
    day = dt.date(2024, 1, 2)
    t0 = dt.datetime(2024, 1, 2, 9, 30)
    b = pl.DataFrame({
        "symbol": ["X"] * 3, "date": [day] * 3, "ts": [t0 + dt.timedelta(minutes=i) for i in range(3)],
        "open": [10.0, 11.0, 9.0], "high": [11.0, 12.0, 10.0], "low": [9.5, 10.5, 8.5], "close": [11.0, 9.5, 9.8],
        "volume": [100.0, 300.0, 0.0], "vwap": [10.5, 11.0, 9.0], "count": [2, 5, 0],
    })  # fmt: skip
    daily = pl.DataFrame({"symbol": ["X"], "date": [day], **{m: [0.1] for m in horizons.DAILY_MEASURES}})
    row = horizons.daily_bars(b, daily).row(0, named=True)
    assert (row["open"], row["high"], row["low"], row["close"]) == (10.0, 12.0, 8.5, 9.8)
    assert row["volume"] == 400 and row["count"] == 7 and row["vwap"] == pytest.approx((1050 + 3300) / 400)
    assert row["rk"] == 0.1


@pytest.mark.django_db
def test_taq_export_writes_the_artifact_and_qlib_reads_the_layout_back(wh, demo, tmp_path, settings) -> None:  # noqa: F811
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    with pytest.raises(CommandError, match="taq_build --demo"):
        call_command("taq_export", stdout=StringIO())
    agg = taq_aggregates(*demo)
    taq_publish(agg, source="demo", writer="test")
    out = StringIO()
    qlib_dir = tmp_path / "qlib"
    call_command("taq_export", "--qlib", str(qlib_dir), "--format", "json", stdout=out)
    got = json.loads(out.getvalue())
    art = artifact_open(got["path"])
    assert art.manifest.kind == "taq_export" and art.manifest.dataset_versions == {"taq_bars_1m": 1, "taq_daily": 1}
    day = pl.read_parquet(Path(got["path"]) / "bars_day.parquet")
    five = pl.read_parquet(Path(got["path"]) / "bars_5min.parquet")
    assert got["rows"] == {"day": 6, "30min": day.height * 13, "5min": five.height} and got["symbols"] == ["AAA", "BBB"]
    np.testing.assert_allclose(day["rv"].to_numpy(), agg.daily.sort("symbol", "date")["rv"].to_numpy())

    import qlib
    from qlib.data import D

    qlib.init(provider_uri=str(qlib_dir), region="us", kernels=1, expression_cache=None, dataset_cache=None)
    q_day = D.features(["AAA"], ["$close", "$rk", "$vwap", "$factor"], freq="day")
    ours = day.filter(pl.col("symbol") == "AAA")
    np.testing.assert_allclose(q_day["$close"].to_numpy(), ours["close"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(q_day["$rk"].to_numpy(), ours["rk"].to_numpy(), rtol=1e-6)
    assert (q_day["$factor"] == 1.0).all()
    calendar = D.calendar(freq="5min")
    assert len(calendar) == five["ts"].n_unique()  # the union of both symbols' bar times
    q_five = D.features(["BBB"], ["$volume", "$close"], freq="5min")
    ours5 = five.filter(pl.col("symbol") == "BBB")
    assert q_five["$volume"].isna().sum() == len(q_five) - ours5.height  # AAA-only bar times are NaN for BBB
    q_five = q_five.dropna()
    assert len(q_five) == ours5.height
    np.testing.assert_allclose(q_five["$volume"].to_numpy(), ours5["volume"].to_numpy(), rtol=1e-6)
    stamps = q_five.index.get_level_values("datetime")
    assert stamps[0] == pd.Timestamp(ours5["ts"][0]) and stamps[-1] == pd.Timestamp(ours5["ts"][-1])
    assert set(D.list_instruments(D.instruments("all"), as_list=True)) == {"AAA", "BBB"}
