"""TAQ from WRDS: ``taq_sync_run`` builds Tier 1 day by day (resumable; Tier 2 reads: `research.services.taq_tiers`).

Resume: each finished day's aggregates are kept under ``state_dir/<YYYY-MM-DD>/`` (written atomically,
a ``done`` marker last); a rerun skips those days. The publish at the end merges the new
symbol-days into the current Tier 1 versions (rows of the same symbol-day are replaced).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import polars as pl

from quant import calendars
from quant.io import atomic_write_bytes, atomic_write_text
from research.analytics.microstructure.cleaning import quotes_clean, trades_clean
from research.services.taq import TaqAggregates, taq_aggregates, taq_publish
from warehouse.publish import PublishResult
from warehouse.readers.taq import taq_rows
from warehouse.sources.wrds.client import WrdsClient
from warehouse.sources.wrds.taq import taq_fetch

Progress = Callable[[int, int, dt.date, str], None]
NAMES = ("taq_bars_1m", "taq_daily", "taq_intraday")


def _write(path: Path, frame: pl.DataFrame) -> None:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    atomic_write_bytes(path, buf.getvalue())


def _day(client: WrdsClient, symbols: list[str], day: dt.date, exchanges: list[str] | None) -> TaqAggregates | None:
    trades = taq_fetch(client, "trades", symbols=symbols, day=day)
    quotes = taq_fetch(client, "quotes", symbols=symbols, day=day)
    if trades.is_empty() or quotes.is_empty():
        return None
    t, _ = trades_clean(trades, exchanges=exchanges)
    q, _ = quotes_clean(quotes, exchanges=exchanges)
    return taq_aggregates(t, q) if t.height and q.height else None


def _merge(name: str, new: pl.DataFrame) -> pl.DataFrame:
    old = taq_rows(name)
    if old.is_empty():
        return new
    fresh = new.select("symbol", "date").unique()
    return pl.concat([old.join(fresh, on=["symbol", "date"], how="anti"), new])


def taq_sync_run(
    *,
    client: WrdsClient,
    symbols: list[str],
    start: dt.date,
    end: dt.date,
    state_dir: Path,
    exchanges: list[str] | None = None,
    progress: Progress | None = None,
) -> list[PublishResult]:
    """Fetch, clean and aggregate every NYSE session in [start, end]; publish Tier 1 once at the end."""
    days = list(calendars.sessions(start, end))
    if not days:
        raise ValueError(f"no NYSE session between {start} and {end}")
    for i, day in enumerate(days, 1):
        folder = state_dir / day.isoformat()
        if (folder / "done").exists():
            status = "cached"
        else:
            agg = _day(client, symbols, day, exchanges)
            if agg is not None:
                for name, frame in agg.frames().items():
                    _write(folder / f"{name}.parquet", frame)
            atomic_write_text(folder / "done", "empty\n" if agg is None else "ok\n")
            status = "no data" if agg is None else "fetched"
        if progress is not None:
            progress(i, len(days), day, status)
    frames = {}
    for name in NAMES:
        parts = [pl.read_parquet(p) for d in days if (p := state_dir / d.isoformat() / f"{name}.parquet").exists()]
        if not parts:
            raise ValueError(f"WRDS returned no TAQ rows for {', '.join(symbols)} between {start} and {end}")
        frames[name] = _merge(name, pl.concat(parts))
    merged = TaqAggregates(frames["taq_bars_1m"], frames["taq_daily"], frames["taq_intraday"])
    return taq_publish(merged, source="wrds_taq", writer="taq_sync")


def taq_sync_status(root: Path) -> list[dict[str, object]]:
    """Per sync state folder under ``root`` (one per symbols/exchanges key): days done, days with data, last day."""
    rows: list[dict[str, object]] = []
    if not root.is_dir():
        return rows
    for key in sorted(p for p in root.iterdir() if p.is_dir()):
        done = sorted(d.name for d in key.iterdir() if (d / "done").exists())
        with_data = [d for d in done if (key / d / "taq_daily.parquet").exists()]
        rows.append(
            {"key": key.name, "days": len(done), "with_data": len(with_data), "last": done[-1] if done else None}
        )
    return rows
