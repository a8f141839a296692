"""Ken French Data Library → ``ff_factors`` and ``ff_industries`` (SCHEMAS.md).

`french_sync` downloads the zipped CSVs with pandas-datareader's ``FamaFrenchReader`` (base URL: the
module constant ``pandas_datareader.famafrench._URL``; ``retry_count``, ``pause``, ``session``);
`french_import` reads files downloaded by hand (a directory of ``.CSV``/``.zip`` files, or one file).
Both parse with `warehouse.sources.french` (the project's one Ken French parser), so both paths give
identical frames: percent → decimal, -99.99/-999 → null, monthly rows on the month's last NYSE session.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl
from pandas_datareader.famafrench import FamaFrenchReader

from warehouse.sources.french import FrenchBlock, parse_french_text, read_french, to_ff_factors, to_ff_industries
from warehouse.sources.sink import Sink

logger = logging.getLogger("quantdesk.sources.kenfrench")

SOURCE = "kenfrench"
EARLIEST = "1900-01-01"
FREQUENCIES: tuple[Literal["daily", "monthly"], ...] = ("daily", "monthly")
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
    """pandas-datareader's downloader (URL from ``famafrench._URL``, ``retry_count``, ``pause``,
    ``session``) returning the file's text; the parsing is `warehouse.sources.french`'s."""

    def read_text(self) -> str:
        try:
            return self._read_zipfile(self.url)
        finally:
            self.close()


def frames_from_blocks(files: Iterable[tuple[str, list[FrenchBlock]]]) -> dict[str, pl.DataFrame]:
    """Build ``ff_factors`` / ``ff_industries`` from the parsed blocks of each named file (only those
    the files allow). Factor columns come from the highest-priority file that publishes them."""
    factor_files: list[tuple[int, list[FrenchBlock]]] = []
    industry_blocks: list[FrenchBlock] = []
    for name, blocks in files:
        kind, _, _ = FILES[name]
        if kind == "industry":
            industry_blocks += blocks
        else:
            factor_files.append((PRIORITY[kind], blocks))
    factor_blocks = [b for _, blocks in sorted(factor_files, key=lambda f: f[0]) for b in blocks]
    out: dict[str, pl.DataFrame] = {}
    factors = [
        to_ff_factors(factor_blocks, frequency=freq)
        for freq in FREQUENCIES
        if any(b.frequency == freq and b.percent for b in factor_blocks)
    ]
    if factors:
        out["ff_factors"] = pl.concat(factors).sort("frequency", "date")
    industries = [
        to_ff_industries(industry_blocks, frequency=freq)
        for freq in FREQUENCIES
        if any(b.frequency == freq for b in industry_blocks)
    ]
    if industries:
        out["ff_industries"] = pl.concat(industries).sort("frequency", "scheme", "weighting", "date", "industry")
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
    parsed = []
    for name in names:
        reader = _Reader(name, start=EARLIEST, retry_count=retry_count, pause=pause, session=session)
        blocks = parse_french_text(reader.read_text(), source=name)
        logger.info("Ken French %s: %d block(s) (%s).", name, len(blocks), ", ".join(b.title or "-" for b in blocks))
        parsed.append((name, blocks))
    return _publish(frames_from_blocks(parsed), sink, writer)


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
    return _publish(frames_from_blocks((n, read_french(p)) for n, p in found.items()), sink, writer)
