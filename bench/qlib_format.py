"""Peer set-up for bench/alpha.py: one OHLCV panel fed to our polars expressions and to qlib's engine.

pyqlib's wheel ships the readers of its binary format (``qlib.data.storage.file_storage``) but not
the writer (``scripts/dump_bin.py`` lives only in qlib's repository), and its
``FileInstrumentStorage._write_instrument`` writes the columns in the wrong order (start, end,
symbol) for its own reader. So this module writes the format itself, exactly as the readers expect
it (qlib 0.9.7):

- ``calendars/day.txt``: one ``YYYY-MM-DD`` per line, every date of the panel, ascending.
- ``instruments/all.txt``: ``SYMBOL<TAB>first date<TAB>last date`` per instrument.
- ``features/<symbol lower>/<field>.day.bin``: little-endian float32; element 0 is the calendar
  index of the instrument's first date, then one value per calendar session up to its last date
  (NaN where missing) — what ``FileFeatureStorage.write`` produces.

The panel is made **dense** first (`dense_panel`): every instrument on every calendar session
between its first and last row, missing values null. Both engines then see the same grid, so
``Ref($close, 5)`` and ``shift(5)`` both mean "5 sessions back" even across a gap.

The 14 expressions (`EXPRESSIONS`) are Alpha158-style factors over close/high/low/volume — qlib's
published data benchmark ("14 features/factors", 800 stocks, 2007–2020, README "Performance of Qlib
Data Server") does not list its expressions. Each is written once in qlib syntax and once in
polars with qlib's semantics: rolling windows use ``min_periods=1`` (pandas ``rolling(N,
min_periods=1)``), std has ddof 1, missing values are skipped inside a window, ``Corr`` is
NaN where either side's rolling std is within 2e-5 of 0.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import polars as pl

FIELDS = ("close", "high", "low", "volume")
FREQ = "day"
CORR_ZERO_STD = 2e-5  # qlib.data.ops.Corr: np.isclose(rolling std, 0, atol=2e-05) -> NaN
EPS = 1e-12  # Alpha158's guard in denominators


@dataclass(frozen=True)
class Factor:
    """One expression in both languages; ``polars`` is evaluated per asset (``.over("asset")``)."""

    name: str
    qlib: str
    polars: pl.Expr


def _mean(e: pl.Expr, n: int) -> pl.Expr:
    return e.rolling_mean(n, min_samples=1)


def _std(e: pl.Expr, n: int) -> pl.Expr:
    return e.rolling_std(n, min_samples=1)


def _corr(a: pl.Expr, b: pl.Expr, n: int) -> pl.Expr:
    flat = (_std(a, n).abs() <= CORR_ZERO_STD) | (_std(b, n).abs() <= CORR_ZERO_STD)
    return pl.when(flat.fill_null(False)).then(None).otherwise(pl.rolling_corr(a, b, window_size=n, min_samples=1))


def _factors() -> tuple[Factor, ...]:
    c, h, lo, v = (pl.col(f) for f in FIELDS)
    d = c - c.shift(1)
    hi20, lo20 = h.rolling_max(20, min_samples=1), lo.rolling_min(20, min_samples=1)
    up, moves = d.clip(lower_bound=0).rolling_sum(14, min_samples=1), d.abs().rolling_sum(14, min_samples=1)
    rsv = "($close-Min($low, 20))/(Max($high, 20)-Min($low, 20)+1e-12)"
    sump = "Sum(Greater($close-Ref($close, 1), 0), 14)/(Sum(Abs($close-Ref($close, 1)), 14)+1e-12)"
    return (
        Factor("RET1", "$close/Ref($close, 1)-1", c / c.shift(1) - 1),
        Factor("ROC5", "Ref($close, 5)/$close", c.shift(5) / c),
        Factor("ROC20", "Ref($close, 20)/$close", c.shift(20) / c),
        Factor("MA5", "Mean($close, 5)/$close", _mean(c, 5) / c),
        Factor("MA20", "Mean($close, 20)/$close", _mean(c, 20) / c),
        Factor("MA60", "Mean($close, 60)/$close", _mean(c, 60) / c),
        Factor("STD20", "Std($close, 20)/$close", _std(c, 20) / c),
        Factor("MAX20", "Max($high, 20)/$close", hi20 / c),
        Factor("MIN20", "Min($low, 20)/$close", lo20 / c),
        Factor("RSV20", rsv, (c - lo20) / (hi20 - lo20 + EPS)),
        Factor("KLEN", "($high-$low)/$close", (h - lo) / c),
        Factor("SUMP14", sump, up / (moves + EPS)),
        Factor("VMA5", "Mean($volume, 5)/($volume+1e-12)", _mean(v, 5) / (v + EPS)),
        Factor("CORR20", "Corr($close, Log($volume+1), 20)", _corr(c, (v + 1).log(), 20)),
    )  # fmt: skip


EXPRESSIONS: tuple[Factor, ...] = _factors()


def dense_panel(frame: pl.DataFrame, fields: Sequence[str] = FIELDS) -> pl.DataFrame:
    """``date, asset, *fields`` on every session of the panel's calendar between each asset's first
    and last row (missing values null), sorted by asset then date."""
    calendar = frame.select(pl.col("date").unique().sort()).with_row_index("i")
    rows = frame.join(calendar, on="date")
    spans = rows.group_by("asset").agg(pl.col("i").min().alias("lo"), pl.col("i").max().alias("hi"))
    grid = spans.select("asset", pl.int_ranges("lo", pl.col("hi") + 1, dtype=pl.UInt32).alias("i")).explode("i")
    grid = grid.join(calendar, on="i").drop("i")
    return grid.join(rows.select("date", "asset", *fields), on=["date", "asset"], how="left").sort("asset", "date")


def symbol(asset: object) -> str:
    return f"P{asset}"


def write_qlib_bin(root: Path, dense: pl.DataFrame, fields: Sequence[str] = FIELDS) -> dict[str, int]:
    """Write ``dense`` (from `dense_panel`) in qlib's format under ``root``; returns the counts written."""
    root = Path(root)
    calendar = dense.select(pl.col("date").unique().sort())["date"]
    (root / "calendars").mkdir(parents=True, exist_ok=True)
    (root / "calendars" / f"{FREQ}.txt").write_text("".join(f"{d.isoformat()}\n" for d in calendar))
    position = {d: i for i, d in enumerate(calendar)}
    lines, files = [], 0
    for (asset,), part in dense.partition_by("asset", as_dict=True, maintain_order=True).items():
        dates = part["date"]
        lines.append(f"{symbol(asset)}\t{dates[0].isoformat()}\t{dates[-1].isoformat()}\n")
        folder = root / "features" / symbol(asset).lower()
        folder.mkdir(parents=True, exist_ok=True)
        start = np.float32(position[dates[0]])
        for f in fields:
            values = part[f].cast(pl.Float32).fill_null(np.nan).to_numpy()
            np.concatenate([[start], values]).astype("<f4").tofile(folder / f"{f}.{FREQ}.bin")
            files += 1
    (root / "instruments").mkdir(parents=True, exist_ok=True)
    (root / "instruments" / "all.txt").write_text("".join(lines))
    return {"sessions": len(calendar), "instruments": len(lines), "files": files}


def our_features(dense: pl.DataFrame, factors: Sequence[Factor] = EXPRESSIONS) -> pl.DataFrame:
    """All factors in one frame (``date, asset, <name>...``) with polars — the reference values."""
    values = (f.polars.over("asset", order_by="date").fill_nan(None).alias(f.name) for f in factors)
    return dense.select("date", "asset", *values)


def qlib_init(root: Path, *, kernels: int = 1, expression_cache: str | None = None, redis_url: str = "") -> bool:
    """Point qlib at ``root``. Caches off by default (every call computes); ``expression_cache=
    "DiskExpressionCache"`` turns on qlib's on-disk expression cache (``features_cache/`` under
    ``root``), which takes its locks in Redis (``redis_url``, e.g. ``redis://127.0.0.1:6379/3``).
    Returns whether the requested cache is active (qlib silently drops it when Redis is unreachable)."""
    import qlib
    from qlib.config import C

    url = urlsplit(redis_url or "redis://127.0.0.1:6379/1")
    logging.getLogger("redis_lock").setLevel(logging.WARNING)  # one INFO line per lock otherwise
    qlib.init(provider_uri=str(root), region="us", expression_cache=expression_cache, dataset_cache=None,
              kernels=kernels, logging_level=logging.WARNING, redis_host=url.hostname or "127.0.0.1",
              redis_port=url.port or 6379, redis_task_db=int(url.path.strip("/") or 1))  # fmt: skip
    return C["expression_cache"] == expression_cache


def qlib_clear_memory() -> None:
    """Drop qlib's in-process memory cache (calendars, instruments, loaded series) so a run starts cold."""
    from qlib.data.cache import H

    H.clear()


def qlib_warm_up() -> None:
    """One tiny query (the first instrument's ``$close``) so a timed run does not pay qlib's lazy
    first-call imports; call `qlib_clear_memory` after it."""
    from qlib.data import D

    first = D.list_instruments(D.instruments("all"), as_list=True)[:1]
    D.features(first, ["$close"], freq=FREQ)


def qlib_features(factors: Sequence[Factor] = EXPRESSIONS) -> pl.DataFrame:
    """``D.features(D.instruments("all"), [qlib strings])`` over the whole calendar as ``date, asset, <name>...``.

    Asset ids come back as the integers they were written from (``symbol`` reversed).
    """
    from qlib.data import D

    frame = D.features(D.instruments("all"), [f.qlib for f in factors], freq=FREQ)
    frame.columns = [f.name for f in factors]
    out = pl.from_pandas(frame.reset_index())
    return out.select(
        pl.col("datetime").cast(pl.Date).alias("date"),
        pl.col("instrument").str.slice(1).cast(pl.Int64).alias("asset"),
        *(pl.col(f.name).cast(pl.Float64).fill_nan(None) for f in factors),
    )


def compare(ours: pl.DataFrame, theirs: pl.DataFrame, factors: Sequence[Factor] = EXPRESSIONS) -> dict[str, dict]:
    """Per factor: max |ours − qlib|, max relative diff (|diff| / max(|ours|, 1)), and rows where only
    one side is missing. Rows are matched on (date, asset); qlib's float32 inputs bound the agreement."""
    joined = ours.join(theirs, on=["date", "asset"], how="inner", suffix="_qlib")
    out: dict[str, dict] = {"rows_matched": {"ours": ours.height, "qlib": theirs.height, "both": joined.height}}
    for f in factors:
        a, b = pl.col(f.name), pl.col(f"{f.name}_qlib")
        diff = (a - b).abs()
        row = joined.select(
            diff.max().alias("max_abs_diff"),
            (diff / pl.max_horizontal(a.abs(), pl.lit(1.0))).max().alias("max_scaled_diff"),
            (a.is_null() != b.is_null()).sum().alias("missing_mismatch"),
            a.is_not_null().sum().alias("values"),
        ).row(0, named=True)
        out[f.name] = row
    return out
