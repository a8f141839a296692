"""Readers for user-supplied research files (CSV or Parquet, long format) and warehouse inputs.

Every reader validates and raises :class:`InputError` with a message naming the file, the
problem and (for duplicates) the offending keys, so commands can turn it into a CommandError.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from quant.returns_check import return_problem
from warehouse import readers, storage

WAREHOUSE_HINT = "run `python manage.py warehouse_sync --source demo` (or french_import / a WRDS sync) first"


class InputError(ValueError):
    """A user input file is missing, malformed or inconsistent."""


def _read_any(path: Path) -> pl.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path)
        if suffix in (".csv", ".txt"):
            return pl.read_csv(path, infer_schema_length=0)  # all Utf8; we cast with clear errors
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from exc
    raise InputError(f"{path}: unsupported extension {suffix!r} (use .csv or .parquet)")


def _cast_date(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    col = frame["date"]
    if col.dtype == pl.Date:
        return frame
    if col.dtype == pl.Datetime:
        return frame.with_columns(pl.col("date").dt.date())
    text = col.cast(pl.Utf8).str.strip_chars()
    # ISO dates (or compact YYYYMMDD) only: day/month order of "02/01/2024" is ambiguous.
    parsed = pl.select(
        pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False), text.str.to_date("%Y%m%d", strict=False))
    ).to_series()
    bad = col.filter(parsed.is_null() & col.is_not_null())
    if bad.len() or col.null_count():
        example = bad[0] if bad.len() else None
        raise InputError(
            f"{path}: column 'date' has values that are not dates (e.g. {example!r}); use YYYY-MM-DD or YYYYMMDD"
        )
    return frame.with_columns(parsed.alias("date"))


def _cast_float(frame: pl.DataFrame, column: str, path: Path) -> pl.DataFrame:
    col = frame[column]
    if col.dtype.is_numeric():
        parsed = col.cast(pl.Float64)
        _refuse_infinite(parsed, column, path)
        return frame.with_columns(parsed.alias(column))
    text = col.cast(pl.Utf8).str.strip_chars()
    empty = text.is_null() | (text == "") | text.str.to_lowercase().is_in(["na", "nan", "null"])
    parsed = text.cast(pl.Float64, strict=False)
    bad = text.filter(parsed.is_null() & ~empty)
    if bad.len():
        raise InputError(f"{path}: column {column!r} has non-numeric values, e.g. {bad[0]!r}")
    _refuse_infinite(parsed, column, path)
    return frame.with_columns(parsed.alias(column))


def _refuse_infinite(values: pl.Series, column: str, path: Path) -> None:
    infinite = values.filter(values.is_infinite())
    if infinite.len():
        raise InputError(f"{path}: column {column!r} has non-finite values, e.g. {infinite[0]!r}")


def _check_columns(frame: pl.DataFrame, required: Sequence[str], path: Path) -> pl.DataFrame:
    renamed = frame.rename({c: c.strip().lower() for c in frame.columns})
    missing = [c for c in required if c not in renamed.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; found {frame.columns}, need {list(required)}")
    return renamed.select(required)


def _check_unique(frame: pl.DataFrame, keys: Sequence[str], path: Path) -> None:
    dupes = frame.group_by(keys).len().filter(pl.col("len") > 1).sort(keys)
    if dupes.height:
        shown = ", ".join(str(tuple(r[:-1])) for r in dupes.head(5).rows())
        raise InputError(f"{path}: {dupes.height} duplicate ({', '.join(keys)}) key(s), e.g. {shown}")


def read_long(path: Path | str, value_column: str) -> pl.DataFrame:
    """Read a long file ``date, asset, <value_column>``; asset is kept as Utf8."""
    path = Path(path)
    frame = _check_columns(_read_any(path), ["date", "asset", value_column], path)
    if frame.is_empty():
        raise InputError(f"{path}: no rows")
    frame = frame.with_columns(pl.col("asset").cast(pl.Utf8).str.strip_chars())
    frame = _cast_float(_cast_date(frame, path), value_column, path)
    _check_unique(frame, ["date", "asset"], path)
    return frame.sort("date", "asset")


def read_signal(path: Path | str) -> pl.DataFrame:
    """Signal file ``date, asset, value``."""
    return read_long(path, "value")


def read_prices(path: Path | str) -> pl.DataFrame:
    """Price file ``date, asset, price`` (prices must be positive where present)."""
    frame = read_long(path, "price")
    if frame.filter(pl.col("price") <= 0).height:
        raise InputError(f"{path}: column 'price' has zero or negative values")
    return frame


def read_returns(path: Path | str) -> pl.DataFrame:
    """Return series ``date, return`` (decimal simple returns, one row per date)."""
    path = Path(path)
    frame = _check_columns(_read_any(path), ["date", "return"], path)
    if frame.is_empty():
        raise InputError(f"{path}: no rows")
    frame = _cast_float(_cast_date(frame, path), "return", path)
    problem = return_problem(frame["return"])
    if problem is not None:
        row, why = problem
        raise InputError(f"{path}: the return on {frame['date'][row]} ({frame['return'][row]!r}) {why}")
    _check_unique(frame, ["date"], path)
    return frame.sort("date")


def read_groups(path: Path | str) -> pl.DataFrame:
    """Group (e.g. sector) file: ``asset, group`` (static) or ``date, asset, group`` (point in time)."""
    path = Path(path)
    raw = _read_any(path)
    lowered = [c.strip().lower() for c in raw.columns]
    keys = ["date", "asset"] if "date" in lowered else ["asset"]
    frame = _check_columns(raw, [*keys, "group"], path).with_columns(
        pl.col("asset").cast(pl.Utf8).str.strip_chars(), pl.col("group").cast(pl.Utf8)
    )
    if "date" in keys:
        frame = _cast_date(frame, path)
    _check_unique(frame, keys, path)
    return frame


def check_overlap(signal: pl.DataFrame, prices: pl.DataFrame) -> None:
    """Raise when the signal and price files share no (date, asset) pair."""
    common = signal.join(prices, on=["date", "asset"], how="semi")
    if common.is_empty():
        raise InputError(
            "the signal and price files have no (date, asset) in common "
            f"(signal {signal['date'].min()}..{signal['date'].max()}, "
            f"prices {prices['date'].min()}..{prices['date'].max()})"
        )


def _require(dataset: str) -> None:
    if storage.current_version(dataset) is None:
        raise InputError(f"the warehouse has no {dataset!r} dataset; {WAREHOUSE_HINT}")


def warehouse_span() -> tuple[dt.date, dt.date]:
    """First and last date of ``crsp_daily`` (its current manifest)."""
    _require("crsp_daily")
    manifest = storage.load_manifest("crsp_daily", storage.resolve_version("crsp_daily"))
    if not manifest.date_min or not manifest.date_max:
        raise InputError(f"warehouse dataset 'crsp_daily' is empty; {WAREHOUSE_HINT}")
    return dt.date.fromisoformat(str(manifest.date_min)[:10]), dt.date.fromisoformat(str(manifest.date_max)[:10])


def warehouse_prices(start: dt.date | None = None, end: dt.date | None = None) -> pl.DataFrame:
    """Total-return price index per permno (``date, asset, price``) from ``warehouse.readers.total_returns``.

    ``price = prod(1 + total_ret)`` per permno (missing returns count as 0; delisting returns
    included), so forward returns are total returns unaffected by splits; ``asset`` is the permno.
    """
    lo, hi = warehouse_span()
    frame = readers.total_returns(start or lo, end or hi).collect().sort("permno", "date")
    if frame.is_empty():
        raise InputError(f"warehouse dataset 'crsp_daily' has no rows in range; {WAREHOUSE_HINT}")
    return frame.select(
        "date",
        pl.col("permno").alias("asset"),
        (1.0 + pl.col("total_ret").fill_null(0.0)).cum_prod().over("permno").alias("price"),
    )


def warehouse_factors(frequency: str, start: dt.date | None = None, end: dt.date | None = None) -> pl.DataFrame:
    """``ff_factors`` rows of one frequency via ``warehouse.readers.ff_factors``:
    ``date, mktrf, smb, hml, rmw, cma, umd, rf``."""
    _require("ff_factors")
    frame = readers.ff_factors(frequency, start or dt.date(1900, 1, 1), end or dt.date(2999, 12, 31))
    if frame.is_empty():
        raise InputError(f"warehouse ff_factors has no {frequency} rows; {WAREHOUSE_HINT}")
    return frame.sort("date")


def french_factors(path: Path | str, *, model: str, frequency: str) -> pl.DataFrame:
    """Factors from Ken French CSV/zip files (a file, a zip, or a directory of them).

    In a directory only files whose name contains "factor" are read (the library's naming).

    Returns the ``ff_factors`` shape without ``frequency``. When several files publish the same
    factor, the file matching the model wins: the 5-factor file (it has RMW) for ff5/ff6, a
    file without RMW (the 3-factor file) for ff3 — so SMB/HML always come from the model's own
    construction. Momentum (Mom) only supplies ``umd``.
    """
    from warehouse.sources.french import FrenchParseError, read_french, to_ff_factors

    path = Path(path)
    if path.is_dir():
        # Only factor files (the library names them *Factor*): industry files are large and unused.
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".zip") and "factor" in p.name.lower())
    elif path.is_file():
        files = [path]
    else:
        raise InputError(f"{path}: no such file or directory of Ken French files")
    blocks = []
    for file in files:
        try:
            blocks += read_french(file)
        except FrenchParseError:
            continue  # not a Ken French file: ignore it in a directory
    wants_rmw = model in ("ff5", "ff6")
    blocks.sort(key=lambda b: ("RMW" in b.columns) != wants_rmw)
    try:
        frame = to_ff_factors(blocks, frequency=frequency)  # type: ignore[arg-type]
    except FrenchParseError as exc:
        raise InputError(f"{path}: {exc}") from exc
    return frame.drop("frequency")


def permno_assets(signal: pl.DataFrame) -> pl.DataFrame:
    """Cast a user signal's ``asset`` to integer permnos (for ``--warehouse``), or InputError."""
    try:
        return signal.with_columns(pl.col("asset").cast(pl.Int64, strict=True))
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        raise InputError(f"with --warehouse the signal's asset column must hold CRSP permnos ({exc})") from None
