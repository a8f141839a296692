"""One query interface over the three TAQ tiers: ``taq_read(kind, symbols, start, end)``.

* Tier 1 kinds (``bars_1m``, ``daily``, ``intraday``) read the published warehouse datasets.
* Raw kinds (``trades``, ``quotes``, ``nbbo``) are read per NYSE session from Tier 3, the local
  full-tick day ``local_dir/<kind>_<YYYYMMDD>.parquet``, when it covers the symbols (its sidecar
  ``.json`` lists the symbols it was fetched for; a file without one, e.g. a day put there by hand,
  is trusted to hold everything); otherwise from Tier 2, WRDS (``client``), and the fetched day is
  kept in ``local_dir`` for the next read. Without a client such a day is reported ``missing``.

Callers estimate and confirm large Tier 2 reads first (``taq_query`` does, from Tier 1 counts).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from quant import calendars
from quant.io import atomic_write_bytes, atomic_write_text
from warehouse.readers.taq import taq_rows
from warehouse.sources.wrds.client import WrdsClient
from warehouse.sources.wrds.taq import Kind, taq_fetch

TIER1 = {"bars_1m": "taq_bars_1m", "daily": "taq_daily", "intraday": "taq_intraday"}
RAW: tuple[Kind, ...] = ("trades", "quotes", "nbbo")


@dataclass(frozen=True)
class TaqRead:
    kind: str
    frame: pl.DataFrame
    tiers: dict[str, str] = field(default_factory=dict)  # per session (ISO date): tier 1 / tier 3 / tier 2 / missing
    rows: dict[str, int] = field(default_factory=dict)  # per session


def _local(path: Path, symbols: list[str]) -> pl.DataFrame | None:
    """The Tier 3 day when it covers ``symbols`` (rows of those symbols only), else None."""
    if not path.exists():
        return None
    sidecar = path.with_suffix(".json")
    if sidecar.exists() and not set(symbols) <= set(json.loads(sidecar.read_text())["symbols"]):
        return None
    frame = pl.read_parquet(path)
    return frame.filter(pl.col("symbol").is_in(symbols)) if "symbol" in frame.columns else frame


def _keep(path: Path, frame: pl.DataFrame, symbols: list[str]) -> None:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    atomic_write_bytes(path, buf.getvalue())
    atomic_write_text(path.with_suffix(".json"), json.dumps({"symbols": sorted(symbols)}))


def taq_read(
    kind: str, *, symbols: list[str], start: dt.date, end: dt.date, local_dir: Path | None = None,
    client: WrdsClient | None = None,
) -> TaqRead:  # fmt: skip
    """Rows of ``kind`` for ``symbols`` over [start, end] from the cheapest tier that has them."""
    if end < start:
        raise ValueError("end is before start")
    if kind in TIER1:
        frame = taq_rows(TIER1[kind]).filter(pl.col("symbol").is_in(symbols) & pl.col("date").is_between(start, end))
        counts = frame.group_by("date").len()
        rows = {d.isoformat(): n for d, n in counts.sort("date").iter_rows()}
        return TaqRead(kind, frame, {d: "tier 1" for d in rows}, rows)
    if kind not in RAW:
        raise ValueError(f"unknown TAQ kind {kind!r}; choose {', '.join([*TIER1, *RAW])}")
    parts, tiers, rows = [], {}, {}
    for day in calendars.sessions(start, end):
        path = local_dir / f"{kind}_{day:%Y%m%d}.parquet" if local_dir is not None else None
        got = _local(path, symbols) if path is not None else None
        tier = "tier 3"
        if got is None and client is not None:
            got, tier = taq_fetch(client, kind, symbols=symbols, day=day), "tier 2"  # type: ignore[arg-type]
            if path is not None:
                _keep(path, got, symbols)
        tiers[day.isoformat()] = tier if got is not None else "missing"
        rows[day.isoformat()] = 0 if got is None else got.height
        if got is not None and got.height:
            parts.append(got)
    return TaqRead(kind, pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame(), tiers, rows)
