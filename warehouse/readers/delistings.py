"""Delisting events and their application to the daily panel, without a join over the panel.

`total_returns` compounds each delisting return into the permno's last trading day on or before
``dlstdt`` (see `warehouse.readers.crsp`). A delisting is one row per permno (the dataset's key),
so both steps look the permno up in a dense array indexed by ``permno - lowest`` (a gather, no
hashing) instead of joining 36M panel rows against a few thousand events: finding the event day
groups only the rows of the month before each ``dlstdt`` (the rare delisting with no trade in
that month is searched in full), and applying the events marks the event rows with one gather and
joins only those. It replaced a DuckDB join of the panel against the delistings plus a
(permno, date) left join of the panel against the events; `bench/run.py --only warehouse` prints
the time against a plain scan of the same columns (bench/results/SUMMARY.md).

Permnos spread over more than ``MAX_LOOKUP`` values (never the case for CRSP's 10000-99999)
fall back to joins, which give the same rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

MAX_LOOKUP = 5_000_000  # entries of the dense permno lookup (8 bytes each) before falling back to a join
_NO_DATE = np.iinfo(np.int32).min + 1000  # "no delisting": no date is on or before it (room for the window)
RECENT_DAYS = 31  # calendar days before dlstdt searched first for the last trading day


def _lookup(permnos: pl.Series) -> tuple[int, int] | None:
    """(lowest permno, table size) for a dense lookup, or None when the range is too wide."""
    if permnos.is_empty():
        return None
    low, high = int(permnos.min()), int(permnos.max())  # type: ignore[arg-type]
    return (low, high - low + 1) if high - low < MAX_LOOKUP else None


def _table(values: np.ndarray, low: int, size: int, at: np.ndarray, fill: float | bool) -> pl.Series:
    """A dense lookup: ``values`` at ``at``, ``fill`` elsewhere and in one extra cell for permnos
    outside [low, low + size)."""
    table = np.full(size + 1, fill, dtype=values.dtype)
    table[at] = values
    return pl.Series(table)


def _position(low: int, size: int) -> pl.Expr:
    """Each row's cell in a dense lookup (the extra last cell for permnos outside the range)."""
    offset = pl.col("permno") - low
    return pl.when((offset >= 0) & (offset < size)).then(offset).otherwise(size)


def event_days(daily: pl.LazyFrame, delist: pl.DataFrame) -> pl.DataFrame:
    """One row per delisting with its last trading day on or before ``dlstdt`` in ``daily``
    (permno, date); delistings with no such row are left out.

    Most stocks trade within ``RECENT_DAYS`` before they delist, so the rows grouped are first only
    those of that window; the few delistings without a row there are searched in full."""
    spec = _lookup(delist["permno"])
    if spec is None:
        rows = daily.select("permno", "date").join(delist.lazy().select("permno", "dlstdt"), on="permno")
        keep = rows.filter(pl.col("date") <= pl.col("dlstdt"))
        return keep.group_by("permno").agg(pl.col("date").max()).collect()
    low, size = spec
    at = (delist["permno"] - low).to_numpy()
    cutoff = _table(delist["dlstdt"].cast(pl.Int32).to_numpy(), low, size, at, _NO_DATE)
    day = pl.col("date").cast(pl.Int32)
    recent = (
        daily.select("permno", "date")
        .with_columns(_cut=pl.lit(cutoff).gather(_position(low, size)))
        .filter((day <= pl.col("_cut")) & (day > pl.col("_cut") - RECENT_DAYS))
        .group_by("permno")
        .agg(pl.col("date").max())
        .collect()
    )
    rest = delist.join(recent, on="permno", how="anti").select("permno", "dlstdt")
    if rest.is_empty():
        return recent
    older = (
        daily.select("permno", "date")
        .filter(pl.col("permno").is_in(rest["permno"].implode()))
        .join(rest.lazy(), on="permno")
        .filter(pl.col("date") <= pl.col("dlstdt"))
        .group_by("permno")
        .agg(pl.col("date").max())
        .collect()
    )
    return pl.concat([recent, older])


def _total(frame: pl.LazyFrame) -> pl.LazyFrame:
    """``total_ret = (1 + coalesce(ret, 0)) * (1 + dlret) - 1`` where there is a dlret, else ret."""
    compounded = (1 + pl.col("ret").fill_null(0.0)) * (1 + pl.col("dlret")) - 1
    return frame.with_columns(total_ret=pl.when(pl.col("dlret").is_null()).then(pl.col("ret")).otherwise(compounded))


def apply_events(daily: pl.LazyFrame, events: pl.DataFrame) -> pl.LazyFrame:
    """``daily`` (permno, date, ret) with ``dlret``, ``total_ret`` and ``dlret_imputed`` from
    ``events`` (one row per permno: permno, date, dlret, dlret_imputed): on the event day the
    delisting return compounded in, on every other row ``total_ret = ret``. Rows come unsorted.

    One gather marks the event rows; the few marked rows are joined with the events and the
    unmarked ones only get constant columns, so no per-row work touches the 36M rows beyond the
    mark (a left join or a gather of every column cost 2-3x more)."""
    columns = ["permno", "date", "ret", "dlret", "total_ret", "dlret_imputed"]
    events = events.select("permno", "date", "dlret", "dlret_imputed")
    spec = _lookup(events["permno"])
    if spec is None:
        joined = daily.join(events.lazy(), on=["permno", "date"], how="left")
        return _total(joined.with_columns(pl.col("dlret_imputed").fill_null(False))).select(columns)
    low, size = spec
    days = _table(events["date"].cast(pl.Int32).to_numpy(), low, size, (events["permno"] - low).to_numpy(), _NO_DATE)
    marked = daily.with_columns(_event=pl.col("date").cast(pl.Int32) == pl.lit(days).gather(_position(low, size)))
    plain = marked.filter(~pl.col("_event")).select(
        "permno", "date", "ret", dlret=pl.lit(None, pl.Float64), total_ret=pl.col("ret"), dlret_imputed=pl.lit(False)
    )
    on_event = _total(marked.filter(pl.col("_event")).drop("_event").join(events.lazy(), on=["permno", "date"]))
    return pl.concat([plain, on_event.select(columns)])
