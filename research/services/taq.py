"""TAQ Tier 1: local aggregates built from cleaned trades and quotes, published through the warehouse.

``taq_aggregates`` computes three frames (pure, from research.analytics.microstructure):
``taq_bars_1m`` (1-minute OHLCV/VWAP/count), ``taq_daily`` (realized measures, realized kernel, BNS test, spreads,
depth, Roll and Corwin-Schultz) and ``taq_intraday`` (30-minute volume, |return|, spread, depth per
symbol-day). ``taq_publish`` writes them with ``warehouse.publish.publish_dataset`` (validated,
versioned, checksummed); ``taq_demo_build`` does both for the demo generator (quickstart step 36).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from research.analytics.microstructure import bars, kernel, realized, spreads
from research.services.taq_demo import demo_intraday
from warehouse.datasets import get_spec
from warehouse.publish import PublishResult, publish_dataset

BUCKET = "30m"


@dataclass(frozen=True)
class TaqAggregates:
    bars_1m: pl.DataFrame
    daily: pl.DataFrame
    intraday: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        return {"taq_bars_1m": self.bars_1m, "taq_daily": self.daily, "taq_intraday": self.intraday}


def _conform(dataset: str, frame: pl.DataFrame) -> pl.DataFrame:
    spec = get_spec(dataset)
    return frame.select([pl.col(c).cast(t) for c, t in spec.columns.items()])


def _intraday(bars_1m: pl.DataFrame, quotes: pl.DataFrame) -> pl.DataFrame:
    b = bars_1m.sort("symbol", "ts").with_columns(
        bucket=pl.col("ts").dt.truncate(BUCKET).dt.strftime("%H:%M"),
        abs_ret=pl.col("close").log().diff().abs().over("symbol", "date"),
    )
    vol = b.group_by("symbol", "date", "bucket").agg(pl.col("volume").sum(), pl.col("abs_ret").mean())
    vol = vol.with_columns(volume_share=pl.col("volume") / pl.col("volume").sum().over("symbol", "date"))
    qs = spreads.quote_stats(quotes).with_columns(bucket=pl.col("ts").dt.truncate(BUCKET).dt.strftime("%H:%M"))
    w = pl.col("duration")
    q = qs.group_by("symbol", "date", "bucket").agg(
        rel_spread=(pl.col("rel_spread") * w).sum() / w.sum(), depth=(pl.col("depth") * w).sum() / w.sum()
    )
    return vol.join(q, on=["symbol", "date", "bucket"], how="left").sort("symbol", "date", "bucket")


def taq_aggregates(trades: pl.DataFrame, quotes: pl.DataFrame) -> TaqAggregates:
    """Tier 1 frames from cleaned trades (ts, symbol, price, size) and quotes (ts, symbol, bid, ofr, sizes)."""
    b = bars.time_bars(trades).with_columns(date=pl.col("ts").dt.date())
    rm = realized.realized_measures(trades)
    activity = b.group_by("symbol", "date").agg(pl.col("volume").sum(), trades=pl.col("count").sum())
    daily = (
        rm.join(activity, on=["symbol", "date"], how="left")
        .join(kernel.realized_kernel(trades, rm.select("symbol", "date", "rv")), on=["symbol", "date"], how="left")
        .join(spreads.daily_spread_stats(trades, quotes), on=["symbol", "date"], how="left")
        .join(spreads.bar_spreads(b), on=["symbol", "date"], how="left")
    )
    return TaqAggregates(
        bars_1m=_conform("taq_bars_1m", b),
        daily=_conform("taq_daily", daily),
        intraday=_conform("taq_intraday", _intraday(b, quotes)),
    )


def taq_publish(aggregates: TaqAggregates, *, source: str, writer: str) -> list[PublishResult]:
    """Publish the three Tier 1 datasets (each validated and versioned by the warehouse's one path)."""
    results = []
    for name, frame in aggregates.frames().items():
        digest = hashlib.sha256(frame.hash_rows().to_numpy().tobytes()).hexdigest()[:16]
        results.append(publish_dataset(name, frame, source=source, query_hash=digest, writer=writer))
    return results


def taq_demo_build(*, days: int = 60) -> list[PublishResult]:
    """Generate demo trades/quotes and publish their Tier 1 aggregates (source ``demo``)."""
    trades, quotes = demo_intraday(days=days)
    return taq_publish(taq_aggregates(trades, quotes), source="demo", writer="taq_demo")
