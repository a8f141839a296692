"""Multi-horizon exports of TAQ Tier 1 (daily, 30-minute, 5-minute bars) for research and qlib.

``taq_export`` reads ``taq_bars_1m`` and ``taq_daily`` (current versions), builds the three
horizons (`research.analytics.microstructure.horizons`) and publishes them as one artifact
(`quant.artifacts`, kind ``taq_export``) at ``ANALYTICS_DIR/taq_export/<config hash>/``:
``bars_day.parquet``, ``bars_30min.parquet``, ``bars_5min.parquet``, stamped with the dataset
versions read (the same selection on the same versions returns the existing artifact). With
``qlib_dir`` the same bars are also written in qlib's layout (`research.services.qlib_layout`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings

from quant.artifacts import artifact_publish
from quant.locks import domain_lock
from research.analytics.microstructure.horizons import daily_bars, resample_bars
from research.io import InputError
from research.services.qlib_layout import write_qlib
from warehouse import storage
from warehouse.readers.taq import taq_rows

HORIZONS = {"day": None, "30min": "30m", "5min": "5m"}  # qlib frequency name -> polars duration
SOURCES = ("taq_bars_1m", "taq_daily")


@dataclass(frozen=True)
class TaqExport:
    path: Path
    rows: dict[str, int]
    symbols: list[str]
    first: dt.date
    last: dt.date
    qlib_dir: Path | None


def _selected(dataset: str, symbols: list[str] | None, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    frame = taq_rows(dataset)
    if symbols:
        frame = frame.filter(pl.col("symbol").is_in(symbols))
    if start is not None:
        frame = frame.filter(pl.col("date") >= start)
    if end is not None:
        frame = frame.filter(pl.col("date") <= end)
    return frame


def taq_export(
    *, symbols: list[str] | None = None, start: dt.date | None = None, end: dt.date | None = None,
    qlib_dir: Path | None = None,
) -> TaqExport:  # fmt: skip
    """Export the selection (all symbols/dates by default); InputError when it is empty."""
    versions = {name: storage.current_version(name) for name in SOURCES}
    if None in versions.values():
        raise InputError("TAQ Tier 1 is empty: run python manage.py taq_build --demo (or taq_sync) first")
    bars_1m = _selected("taq_bars_1m", symbols, start, end)
    if bars_1m.is_empty():
        raise InputError("no TAQ Tier 1 bars for that selection of symbols and dates")
    frames = {"day": daily_bars(bars_1m, _selected("taq_daily", symbols, start, end))}
    frames.update({freq: resample_bars(bars_1m, every) for freq, every in HORIZONS.items() if every})
    config = {"symbols": sorted(symbols or []), "start": str(start), "end": str(end), "versions": versions}
    config_hash = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    target = Path(settings.ANALYTICS_DIR) / "taq_export" / config_hash
    rows = {freq: frame.height for freq, frame in frames.items()}
    with domain_lock("analytics", writer=f"taq-export:{config_hash}", wait=30.0):
        artifact = artifact_publish(
            target, kind="taq_export", frames={f"bars_{freq}": frame for freq, frame in frames.items()},
            dataset_versions=versions, config_hash=config_hash, summary={"rows": rows}, extra=config, replace=True,
        )  # fmt: skip
    if qlib_dir is not None:
        write_qlib(frames, qlib_dir)
    day = frames["day"]
    return TaqExport(
        path=artifact.path, rows=rows, symbols=day["symbol"].unique().sort().to_list(),
        first=day["date"].min(), last=day["date"].max(), qlib_dir=qlib_dir,  # type: ignore[arg-type]
    )  # fmt: skip
