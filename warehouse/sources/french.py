"""Parser for Kenneth R. French Data Library CSV files (and the zips they are published in).

Pure: no network. The files keep their original layout — free-text header lines, one or more
data blocks (each preceded by an optional title line and a header row starting with ``,``)
separated by blank lines, a copyright footer, CRLF or LF line endings.

Conventions
-----------
* Dates: ``YYYYMMDD`` → daily, ``YYYYMM`` → monthly, ``YYYY`` → annual. Every block frame has a
  ``date`` column (Date): the day itself (daily), the **last calendar day** of the month (monthly)
  or 31 December (annual). Monthly blocks also keep ``month`` (Date, first day of the month) and
  annual blocks ``year`` (Int64), so callers can align on the period rather than on a day.
  :func:`to_ff_factors` / :func:`to_ff_industries` re-stamp monthly rows on the month's last NYSE
  session, as the warehouse contract (SCHEMAS.md) requires.
* Values: percent → decimal (divided by 100) for return/factor blocks; blocks that are counts,
  sizes or BE/ME ratios are kept as published (``FrenchBlock.percent`` is False for them).
* Missing values: ``-99.99`` and ``-999`` → null.
* Column names: stripped of padding (``"Hlth "`` → ``"Hlth"``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from quant import calendars

BlockFrequency = Literal["daily", "monthly", "annual"]

MISSING_VALUES = (-99.99, -999.0)
FACTOR_NAMES = {
    "mkt-rf": "mktrf",
    "smb": "smb",
    "hml": "hml",
    "rmw": "rmw",
    "cma": "cma",
    "mom": "umd",
    "umd": "umd",
    "wml": "umd",
    "rf": "rf",
}
FF_FACTOR_COLUMNS = ("mktrf", "smb", "hml", "rmw", "cma", "umd", "rf")
_NOT_PERCENT = ("number of firms", "firm size", "be / me", "be/me", "sum of be")
_DATA_ROW = re.compile(r"^\s*(\d{4}|\d{6}|\d{8})\s*,")


class FrenchParseError(ValueError):
    """The text is not in the Ken French CSV layout."""


@dataclass(frozen=True)
class FrenchBlock:
    """One data block of a Ken French file.

    ``frame`` columns: ``date`` (+ ``month`` or ``year``), then one Float64 column per series.
    ``title`` is the line just above the header row ("" when the block has none, e.g. the first
    block of the factor files); ``source`` is the file (or zip member) name.
    """

    title: str
    frequency: BlockFrequency
    percent: bool
    columns: tuple[str, ...]
    frame: pl.DataFrame
    source: str = ""

    def long(self) -> pl.DataFrame:
        """Tidy long form: ``date, series, value``."""
        return self.frame.unpivot(index="date", on=list(self.columns), variable_name="series")


def _frequency(token: str) -> BlockFrequency:
    return {8: "daily", 6: "monthly", 4: "annual"}[len(token)]  # type: ignore[return-value]


def _block_frame(
    tokens: list[str], rows: list[list[float | None]], columns: Sequence[str], frequency: BlockFrequency
) -> pl.DataFrame:
    data: dict[str, list[dt.date] | list[int]] = {}
    if frequency == "daily":
        data["date"] = [dt.date(int(t[:4]), int(t[4:6]), int(t[6:])) for t in tokens]
    elif frequency == "monthly":
        months = [(int(t[:4]), int(t[4:])) for t in tokens]
        data["date"] = [dt.date(y, m, calendar.monthrange(y, m)[1]) for y, m in months]
        data["month"] = [dt.date(y, m, 1) for y, m in months]
    else:
        data["date"] = [dt.date(int(t), 12, 31) for t in tokens]
        data["year"] = [int(t) for t in tokens]
    schema: dict[str, pl.DataType] = {"date": pl.Date(), "month": pl.Date(), "year": pl.Int64()}
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=schema[k]) for k, v in data.items()})
    values = pl.DataFrame({c: pl.Series(c, [r[i] for r in rows], dtype=pl.Float64) for i, c in enumerate(columns)})
    return pl.concat([frame, values], how="horizontal")


def _parse_value(text: str, scale: float, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise FrenchParseError(f"{where}: non-numeric value {text!r}") from None
    if value in MISSING_VALUES:
        return None
    return value / scale


def parse_french_text(text: str, *, source: str = "") -> list[FrenchBlock]:
    """Parse the text of one Ken French CSV file into its data blocks (in file order).

    Raises
    ------
    FrenchParseError
        When no data block is found, a row has the wrong number of fields, mixes date
        formats within a block, or holds a non-numeric value.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[FrenchBlock] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not (line.lstrip().startswith(",") and i + 1 < len(lines) and _DATA_ROW.match(lines[i + 1])):
            i += 1
            continue
        title = lines[i - 1].strip() if i > 0 else ""
        columns = tuple(c.strip() for c in line.split(",")[1:])
        percent = not any(k in title.lower() for k in _NOT_PERCENT)
        scale = 100.0 if percent else 1.0
        tokens: list[str] = []
        rows: list[list[float | None]] = []
        i += 1
        while i < len(lines) and _DATA_ROW.match(lines[i]):
            fields = lines[i].split(",")
            where = f"{source or 'text'} line {i + 1}"
            if len(fields) - 1 != len(columns):
                raise FrenchParseError(f"{where}: {len(fields) - 1} values for {len(columns)} columns")
            tokens.append(fields[0].strip())
            rows.append([_parse_value(f, scale, where) for f in fields[1:]])
            i += 1
        if len({len(t) for t in tokens}) != 1:
            raise FrenchParseError(f"{source or 'text'}: block {title!r} mixes date formats")
        frequency = _frequency(tokens[0])
        frame = _block_frame(tokens, rows, columns, frequency)
        blocks.append(FrenchBlock(title, frequency, percent, columns, frame, source))
    if not blocks:
        raise FrenchParseError(f"{source or 'text'}: no Ken French data block found")
    return blocks


def read_french(path: Path | str) -> list[FrenchBlock]:
    """Read a Ken French ``.csv`` file or a ``.zip`` holding one or more of them."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        blocks: list[FrenchBlock] = []
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if name.lower().endswith(".csv"):
                    raw = archive.read(name)
                    blocks += parse_french_text(_decode(raw), source=f"{path.name}:{name}")
        if not blocks:
            raise FrenchParseError(f"{path}: the zip holds no .csv file")
        return blocks
    return parse_french_text(_decode(path.read_bytes()), source=path.name)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return io.TextIOWrapper(io.BytesIO(raw), encoding="latin-1").read()


def _month_end_sessions(month_starts: pl.Series) -> pl.DataFrame:
    """Map month starts to the month's last NYSE session (``month`` → ``date``)."""
    if month_starts.is_empty():
        return pl.DataFrame(schema={"month": pl.Date, "session": pl.Date})
    start = month_starts.min()
    last = month_starts.max()
    end = dt.date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])  # type: ignore[union-attr]
    ends = calendars.month_ends(start, end)  # type: ignore[arg-type]
    return pl.DataFrame({"session": ends}).with_columns(month=pl.col("session").dt.truncate("1mo"))


def _stamp(frame: pl.DataFrame, frequency: str) -> pl.DataFrame:
    if frequency != "monthly":
        return frame
    sessions = _month_end_sessions(frame["month"])
    return (
        frame.join(sessions, on="month", how="left").with_columns(date=pl.coalesce("session", "date")).drop("session")
    )


def to_ff_factors(blocks: Iterable[FrenchBlock], *, frequency: Literal["daily", "monthly"]) -> pl.DataFrame:
    """Build the warehouse ``ff_factors`` frame from factor blocks of one frequency.

    Blocks are taken in the order given and a factor column comes from the **first** block
    that publishes it (the whole column, never mixed across files: the SMB of the 3-factor and
    5-factor files differ). Rows are the union of dates; factors a block lacks are null.
    Monthly ``date`` is the month's last NYSE session.
    """
    merged: pl.DataFrame | None = None
    taken: set[str] = set()
    for block in blocks:
        if block.frequency != frequency or not block.percent:
            continue
        renames = {c: FACTOR_NAMES[c.lower()] for c in block.columns if c.lower() in FACTOR_NAMES}
        new = {c: n for c, n in renames.items() if n not in taken}
        if not new:
            continue
        key = ["date", "month"] if frequency == "monthly" else ["date"]
        part = block.frame.select(*key, *[pl.col(c).alias(n) for c, n in new.items()])
        merged = part if merged is None else merged.join(part, on=key, how="full", coalesce=True)
        taken |= set(new.values())
    if merged is None:
        raise FrenchParseError(f"no {frequency} factor block (Mkt-RF, SMB, ... columns) was given")
    merged = _stamp(merged, frequency)
    return merged.select(
        pl.lit(frequency).alias("frequency"),
        pl.col("date"),
        *[(pl.col(c) if c in taken else pl.lit(None)).cast(pl.Float64).alias(c) for c in FF_FACTOR_COLUMNS],
    ).sort("date")


def _weighting(title: str) -> str | None:
    lowered = title.lower()
    if "return" not in lowered:
        return None
    if "value weighted" in lowered or "value-weighted" in lowered:
        return "value"
    if "equal weighted" in lowered or "equal-weighted" in lowered:
        return "equal"
    return None


def to_ff_industries(blocks: Iterable[FrenchBlock], *, frequency: Literal["daily", "monthly"]) -> pl.DataFrame:
    """Build the warehouse ``ff_industries`` frame (long: one row per date and industry).

    Uses the return blocks titled "Average Value/Equal Weighted Returns" of the frequency;
    ``scheme`` is the number of industry columns (10/30/49); null returns (missing -99.99)
    are kept as null rows. Monthly ``date`` is the month's last NYSE session.
    """
    parts: list[pl.DataFrame] = []
    for block in blocks:
        weighting = _weighting(block.title)
        if block.frequency != frequency or weighting is None:
            continue
        key = ["date", "month"] if frequency == "monthly" else ["date"]
        long = block.frame.unpivot(index=key, on=list(block.columns), variable_name="industry", value_name="ret")
        long = _stamp(long, frequency)
        parts.append(
            long.select(
                pl.lit(frequency).alias("frequency"),
                pl.lit(len(block.columns), dtype=pl.Int64).alias("scheme"),
                pl.lit(weighting).alias("weighting"),
                "date",
                "industry",
                pl.col("ret").cast(pl.Float64),
            )
        )
    if not parts:
        raise FrenchParseError(f"no {frequency} industry return block was given")
    return pl.concat(parts).sort("weighting", "date", "industry")
