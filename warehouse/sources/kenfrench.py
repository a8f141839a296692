"""Ken French Data Library → ``ff_factors`` and ``ff_industries`` (SCHEMAS.md), through pandas-datareader.

`french_sync` downloads the zipped CSVs with ``pandas_datareader.famafrench.FamaFrenchReader`` (base
URL: the module constant ``pandas_datareader.famafrench._URL``); `french_import` reads the same files
downloaded by hand (a directory of ``.CSV``/``.zip`` files or one ``.zip``) with the same parser, so
both paths give identical frames. Values arrive in percent and are stored as decimals; -99.99 and
-999 (French's missing markers) become null. Monthly rows are dated on the month's last NYSE session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl
from pandas_datareader.famafrench import FamaFrenchReader

from quant.calendars import month_ends
from warehouse.sources.sink import Sink

logger = logging.getLogger("quantdesk.sources.kenfrench")

SOURCE = "kenfrench"
EARLIEST = "1900-01-01"
MISSING = (-99.99, -999.0)
FACTOR_COLUMNS = {"Mkt-RF": "mktrf", "SMB": "smb", "HML": "hml", "RMW": "rmw", "CMA": "cma", "RF": "rf", "Mom": "umd"}
FF_COLUMNS = ("mktrf", "smb", "hml", "rmw", "cma", "umd", "rf")
# file name on the French site -> (kind, frequency, industry scheme)
FILES: dict[str, tuple[str, str, int | None]] = {
    "F-F_Research_Data_Factors": ("three", "monthly", None),
    "F-F_Research_Data_Factors_daily": ("three", "daily", None),
    "F-F_Research_Data_5_Factors_2x3": ("five", "monthly", None),
    "F-F_Research_Data_5_Factors_2x3_daily": ("five", "daily", None),
    "F-F_Momentum_Factor": ("momentum", "monthly", None),
    "F-F_Momentum_Factor_daily": ("momentum", "daily", None),
    **{
        f"{n}_Industry_Portfolios{suffix}": ("industry", freq, n)
        for n in (10, 30, 49)
        for suffix, freq in (("", "monthly"), ("_daily", "daily"))
    },
}  # fmt: skip
# Where the three-factor and five-factor files overlap, the three-factor series win (longer history;
# the five-factor SMB is constructed differently), matching the WRDS query.
PRIORITY = {"three": 0, "momentum": 1, "five": 2}
QUERY_HASH = hashlib.sha256(json.dumps(FILES, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class FrenchResult:
    dataset: str
    rows: int
    version: str


class _Reader(FamaFrenchReader):
    """FamaFrenchReader that normalises line endings to CRLF before its blank-line block split (copies
    of the CSVs that went through git or an editor often have LF only, which would merge all blocks)."""

    def _read_zipfile(self, url: str) -> str:
        return re.sub(r"\r?\n", "\r\n", self._raw_text(url))

    def _raw_text(self, url: str) -> str:
        return super()._read_zipfile(url)


class _LocalFrenchReader(_Reader):
    """The same parsing over a file on disk (CSV, or a zip holding the CSV) instead of a download."""

    def __init__(self, path: Path, **kwargs: object) -> None:
        super().__init__(path.name.split(".")[0].removesuffix("_CSV"), start=EARLIEST, **kwargs)
        self.path = path

    def _raw_text(self, url: str) -> str:
        raw = self.path.read_bytes()
        if zipfile.is_zipfile(io.BytesIO(raw)):
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                raw = zf.read(zf.namelist()[0])
        return raw.decode("utf-8", "ignore")


def _titles(descr: str) -> dict[int, str]:
    """Block number -> title, from the reader's DESCR ("  0 : Average Value Weighted Returns -- Monthly (..)")."""
    titles = {}
    for line in descr.splitlines():
        head, _, rest = line.partition(" : ")
        if head.strip().isdigit():
            titles[int(head)] = rest.rsplit(" (", 1)[0].strip()
    return titles


def _dates(index: pd.PeriodIndex, frequency: str) -> pl.Series:
    if frequency == "daily":
        return pl.Series("date", index.to_timestamp().to_numpy()).cast(pl.Date)
    months = pl.DataFrame({"year": index.year.to_numpy(), "month": index.month.to_numpy()}).cast(pl.Int32)
    first = dt.date(int(months["year"][0]), int(months["month"][0]), 1)
    last = dt.date(int(months["year"][-1]), int(months["month"][-1]), 28) + dt.timedelta(days=4)
    ends = month_ends(first, last).to_frame("session")
    ends = ends.with_columns(year=pl.col("session").dt.year(), month=pl.col("session").dt.month().cast(pl.Int32))
    # Months beyond the calendar's range fall back to the month's last weekday.
    weekday_end = pl.date(pl.col("year"), pl.col("month"), 1).dt.month_end()
    weekday_end = pl.when(weekday_end.dt.weekday() > 5).then(weekday_end.dt.offset_by("-1d")).otherwise(weekday_end)
    weekday_end = pl.when(weekday_end.dt.weekday() > 5).then(weekday_end.dt.offset_by("-1d")).otherwise(weekday_end)
    joined = months.join(ends, on=["year", "month"], how="left", maintain_order="left")
    return joined.select(pl.coalesce("session", weekday_end).alias("date")).to_series()


def _decimal(frame: pd.DataFrame) -> pd.DataFrame:
    values = frame.astype(float)
    return (values.mask(values.isin(MISSING)) / 100.0).round(10)


def _block(datasets: dict, number: int, frequency: str) -> pl.DataFrame:
    block = datasets[number]
    block.columns = [str(c).strip() for c in block.columns]
    values = _decimal(block)
    frame = pl.from_pandas(values.reset_index(drop=True))
    return frame.with_columns(_dates(block.index, frequency))


def _factor_frame(parts: list[tuple[str, str, pl.DataFrame]]) -> pl.DataFrame:
    """Outer-join the factor files per frequency; the highest-priority file supplies shared columns."""
    frames = []
    for frequency in ("daily", "monthly"):
        merged: pl.DataFrame | None = None
        for _kind, _, frame in sorted((p for p in parts if p[1] == frequency), key=lambda p: PRIORITY[p[0]]):
            frame = frame.rename({c: FACTOR_COLUMNS[c] for c in frame.columns if c in FACTOR_COLUMNS})
            if merged is None:
                merged = frame
                continue
            new = [c for c in frame.columns if c not in merged.columns]
            merged = merged.join(frame.select(["date", *new]), on="date", how="full", coalesce=True)
        if merged is not None:
            frames.append(merged.with_columns(frequency=pl.lit(frequency)))
    if not frames:
        return pl.DataFrame()
    out = pl.concat(frames, how="diagonal_relaxed")
    missing = [pl.lit(None, dtype=pl.Float64).alias(c) for c in FF_COLUMNS if c not in out.columns]
    out = out.with_columns(missing).select(["frequency", "date", *FF_COLUMNS])
    return out.with_columns(pl.col(c).cast(pl.Float64) for c in FF_COLUMNS).sort("frequency", "date")


def _industry_frame(datasets: dict, scheme: int, frequency: str) -> pl.DataFrame:
    frames = []
    for number, title in _titles(datasets["DESCR"]).items():
        lowered = title.lower()
        if "average" not in lowered or "weighted returns" not in lowered or "annual" in lowered:
            continue
        weighting = "value" if "value weighted" in lowered else "equal"
        wide = _block(datasets, number, frequency)
        long = wide.unpivot(index="date", variable_name="industry", value_name="ret")
        frames.append(long.with_columns(frequency=pl.lit(frequency), scheme=pl.lit(scheme, dtype=pl.Int64),
                                        weighting=pl.lit(weighting)))  # fmt: skip
    return pl.concat(frames).select("frequency", "scheme", "weighting", "date", "industry", "ret")


def frames_from_readers(readers: Iterable[tuple[str, FamaFrenchReader]]) -> dict[str, pl.DataFrame]:
    """Read each file and build ``ff_factors`` / ``ff_industries`` (only those the files allow)."""
    factor_parts: list[tuple[str, str, pl.DataFrame]] = []
    industries: list[pl.DataFrame] = []
    for name, reader in readers:
        kind, frequency, scheme = FILES[name]
        datasets = reader.read()
        if kind == "industry":
            industries.append(_industry_frame(datasets, scheme or 0, frequency))
        else:
            factor_parts.append((kind, frequency, _block(datasets, 0, frequency)))
        logger.info("Ken French %s read (%s).", name, ", ".join(_titles(datasets["DESCR"]).values()))
    out = {}
    if factor_parts:
        out["ff_factors"] = _factor_frame(factor_parts)
    if industries:
        keys = ["frequency", "scheme", "weighting", "date", "industry"]
        out["ff_industries"] = pl.concat(industries).sort(keys)
    return out


def _publish(frames: dict[str, pl.DataFrame], sink: Sink, writer: str) -> list[FrenchResult]:
    results = []
    for dataset, frame in frames.items():
        version = sink.publish(dataset, frame, source=SOURCE, query_hash=QUERY_HASH, writer=writer,
                               expected_rows=frame.height)  # fmt: skip
        results.append(FrenchResult(dataset, frame.height, version))
    return results


def french_sync(
    sink: Sink, *, files: Iterable[str] | None = None, retry_count: int = 3, pause: float = 1.0,
    session: object | None = None, writer: str = "french_sync",
) -> list[FrenchResult]:  # fmt: skip
    """Download the files (default: every file in `FILES`) and publish ``ff_factors`` / ``ff_industries``."""
    names = list(files or FILES)
    unknown = [n for n in names if n not in FILES]
    if unknown:
        raise ValueError(f"Unknown Ken French file(s) {', '.join(unknown)}; known: {', '.join(FILES)}.")
    readers = ((n, _Reader(n, start=EARLIEST, retry_count=retry_count, pause=pause, session=session))
               for n in names)  # fmt: skip
    return _publish(frames_from_readers(readers), sink, writer)


def local_files(path: Path) -> dict[str, Path]:
    """Known French files in a directory (``NAME.CSV``, ``NAME_CSV.zip``...) or a single file."""
    candidates = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    found = {}
    for candidate in candidates:
        stem = candidate.name.split(".")[0].removesuffix("_CSV")
        match = next((name for name in FILES if name.lower() == stem.lower()), None)
        if match and candidate.suffix.lower() in (".csv", ".zip"):
            found[match] = candidate
    return found


def french_import(sink: Sink, path: Path, *, writer: str = "french_import") -> list[FrenchResult]:
    """Publish from hand-downloaded files (a directory of CSV/zip files, or one file)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    found = local_files(path)
    if not found:
        raise ValueError(f"No Ken French files found in {path} (expected names like {', '.join(list(FILES)[:2])}).")
    return _publish(frames_from_readers((n, _LocalFrenchReader(p)) for n, p in found.items()), sink, writer)
