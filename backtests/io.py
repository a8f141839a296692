"""Read a user's own return series (CSV or Parquet with columns ``date,return``).

Forgiving about the shape, strict about the content: header names are case-insensitive and
``ret``/``returns`` are accepted for ``return`` (with a note); dates may be ISO (``2024-01-31``),
compact (``20240131``) or ISO date-times; empty cells and NA/NaN/null are missing values (kept as
null, dropped later by the metrics and counted). Duplicated dates and non-numeric returns are
rejected with the offending dates / line numbers. Returns that look like percentages are flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from quant.returns_check import return_problem

DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
RETURN_ALIASES = ("return", "returns", "ret")
MISSING_TOKENS = ("", "na", "nan", "null", "none", "n/a", "#n/a")
MAX_LISTED = 10


class ReturnFileError(ValueError):
    """The file cannot be read as a return series; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class ReturnFile:
    """A parsed series (``date: Date``, ``return: Float64`` with nulls) and notes for the user."""

    frame: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def _listed(items: list[str]) -> str:
    more = f" (and {len(items) - MAX_LISTED} more)" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more


def _load_raw(path: Path) -> pl.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(path)
        if suffix in (".csv", ".txt"):
            return pl.read_csv(path, infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ReturnFileError(f"{path}: cannot read file: {exc}") from exc
    raise ReturnFileError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")


def _pick_columns(raw: pl.DataFrame, path: Path, notes: list[str]) -> pl.DataFrame:
    lower = {c.strip().lstrip("\ufeff").lower(): c for c in raw.columns}
    if "date" not in lower:
        raise ReturnFileError(f"{path}: no 'date' column (found: {', '.join(raw.columns)})")
    ret_name = next((a for a in RETURN_ALIASES if a in lower), None)
    if ret_name is None:
        raise ReturnFileError(
            f"{path}: no 'return' column (also accepted: ret, returns; found: {', '.join(raw.columns)})"
        )
    if ret_name != "return":
        notes.append(f"using column {lower[ret_name]!r} as the return column")
    return raw.select(pl.col(lower["date"]).alias("date"), pl.col(lower[ret_name]).alias("return"))


def _parse_dates(col: pl.Series, path: Path) -> pl.Series:
    if col.dtype == pl.Date:
        return col
    if isinstance(col.dtype, pl.Datetime):
        return col.dt.date()
    text = col.cast(pl.String).str.strip_chars()
    for fmt in DATE_FORMATS:
        parsed = text.str.to_datetime(fmt, strict=False).dt.date()
        if parsed.null_count() == text.null_count():
            return parsed.alias("date")
    best = text.str.to_date("%Y-%m-%d", strict=False)
    bad = [f"line {i + 2} ({text[i]!r})" for i in range(text.len()) if best[i] is None]
    raise ReturnFileError(f"{path}: unparseable dates (expected YYYY-MM-DD or YYYYMMDD) at {_listed(bad)}")


def _parse_returns(col: pl.Series, path: Path) -> pl.Series:
    if col.dtype.is_numeric():
        return col.cast(pl.Float64).fill_nan(None)
    text = col.cast(pl.String).str.strip_chars()
    missing = text.is_null() | text.str.to_lowercase().is_in(list(MISSING_TOKENS))
    values = text.cast(pl.Float64, strict=False)
    bad_mask = values.is_null() & ~missing
    if bad_mask.any():
        bad = [f"line {i + 2} ({text[i]!r})" for i in bad_mask.arg_true().to_list()]
        raise ReturnFileError(f"{path}: non-numeric returns at {_listed(bad)}")
    return values.fill_nan(None).alias("return")


def read_return_file(path: str | Path) -> ReturnFile:
    """Parse a return file into a sorted ``date, return`` frame plus notes.

    CSV line numbers in error messages count the header as line 1.

    Raises
    ------
    ReturnFileError
        Missing columns, unparseable dates, non-numeric returns, duplicated dates, empty file.
    """
    path = Path(path)
    if not path.is_file():
        raise ReturnFileError(f"{path}: no such file")
    notes: list[str] = []
    picked = _pick_columns(_load_raw(path), path, notes)
    if picked.height == 0:
        raise ReturnFileError(f"{path}: the file has a header but no rows")
    frame = pl.DataFrame([_parse_dates(picked["date"], path), _parse_returns(picked["return"], path)])
    if frame["date"].null_count():
        lines = [f"line {i + 2}" for i in frame["date"].is_null().arg_true().to_list()]
        raise ReturnFileError(f"{path}: empty dates at {_listed(lines)}")
    problem = return_problem(frame["return"])
    if problem is not None:
        row, why = problem
        mean_abs = frame["return"].filter(frame["return"].is_finite()).abs().mean()
        hint = "; the file looks like percentages: divide by 100" if mean_abs and float(mean_abs) > 1.0 else ""  # type: ignore[arg-type]
        raise ReturnFileError(f"{path}: the return at line {row + 2} ({frame['return'][row]!r}) {why}{hint}")
    dups = frame.filter(pl.col("date").is_duplicated())["date"].unique().sort()
    if dups.len():
        raise ReturnFileError(f"{path}: duplicated dates {_listed([d.isoformat() for d in dups.to_list()])}")
    mean_abs = frame["return"].abs().mean()
    if mean_abs is not None and float(mean_abs) > 1.0:  # type: ignore[arg-type]
        notes.append(
            f"returns look like percentages (mean |return| = {float(mean_abs):.3g} > 1); "  # type: ignore[arg-type]
            "expected fractions (0.01 = 1%) - divide by 100 if so"
        )
    return ReturnFile(frame.sort("date"), notes)


def read_return_series(path: str | Path) -> pl.DataFrame:
    """The ``date, return`` frame of :func:`read_return_file` (notes discarded)."""
    return read_return_file(path).frame
