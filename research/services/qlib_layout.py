"""Write bar frames in qlib's file layout (what qlib's ``scripts/dump_bin.py`` produces), so
``qlib.init(provider_uri=DIR)`` and ``D.features(..., freq=...)`` read them:

* ``calendars/<freq>.txt``: every bar time of the frequency, sorted (``%Y-%m-%d`` for ``day``,
  ``%Y-%m-%d %H:%M:%S`` intraday, bar start);
* ``instruments/all.txt``: ``SYMBOL<TAB>first day<TAB>last day 23:59:59`` (one file for all
  frequencies; the end covers the last day's intraday bars);
* ``features/<symbol lower>/<field>.<freq>.bin``: little-endian float32, the first value the
  index of the symbol's first bar in the calendar, then one value per calendar entry up to its last
  bar (NaN where it has none).

Every numeric column becomes a field; ``factor`` is 1.0 (TAQ prices are unadjusted). The folder is
built in a hidden sibling and renamed onto the target, replacing an earlier export whole.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from quant.io import fsync_dir, temp_path_for

KEYS = ("symbol", "date", "ts")


def _stamps(frame: pl.DataFrame, freq: str) -> pl.Series:
    if freq == "day":
        return frame["date"].dt.strftime("%Y-%m-%d")
    return frame["ts"].dt.strftime("%Y-%m-%d %H:%M:%S")


def _write_freq(root: Path, freq: str, frame: pl.DataFrame) -> None:
    stamps = _stamps(frame, freq)
    calendar = stamps.unique().sort()
    (root / "calendars" / f"{freq}.txt").write_text("\n".join(calendar.to_list()) + "\n")
    index = {s: i for i, s in enumerate(calendar.to_list())}
    frame = frame.with_columns(_i=stamps.replace_strict(index, return_dtype=pl.Int64), factor=pl.lit(1.0))
    fields = [c for c, t in frame.schema.items() if c not in KEYS and c != "_i" and t.is_numeric()]
    for (symbol,), part in frame.sort("_i").group_by("symbol", maintain_order=True):
        folder = root / "features" / str(symbol).lower()
        folder.mkdir(parents=True, exist_ok=True)
        pos = part["_i"].to_numpy()
        first = int(pos[0])
        for field in fields:
            values = np.full(int(pos[-1]) - first + 1, np.nan, dtype="<f4")
            values[pos - first] = part[field].cast(pl.Float64).fill_null(np.nan).to_numpy()
            np.concatenate([[np.float32(first)], values]).astype("<f4").tofile(folder / f"{field}.{freq}.bin")


def write_qlib(frames: dict[str, pl.DataFrame], target: Path) -> Path:
    """``frames`` maps a qlib frequency (``day``, ``30min``, ``5min``) to bars with ``symbol``,
    ``date`` (and ``ts`` intraday) and numeric fields; returns ``target``."""
    stage = temp_path_for(target)
    try:
        (stage / "calendars").mkdir(parents=True)
        (stage / "instruments").mkdir()
        spans = []
        for freq, frame in frames.items():
            _write_freq(stage, freq, frame)
            spans.append(frame.group_by("symbol").agg(first=pl.col("date").min(), last=pl.col("date").max()))
        inst = pl.concat(spans).group_by("symbol").agg(pl.col("first").min(), pl.col("last").max()).sort("symbol")
        lines = [f"{s}\t{a:%Y-%m-%d}\t{b:%Y-%m-%d} 23:59:59" for s, a, b in inst.iter_rows()]
        (stage / "instruments" / "all.txt").write_text("\n".join(lines) + "\n")
        old = None
        if target.exists():
            old = temp_path_for(target)
            os.replace(target, old)
        os.replace(stage, target)
        fsync_dir(target.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return target
