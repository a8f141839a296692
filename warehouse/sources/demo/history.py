"""Real market history for the demo: Ken French daily factors that drive the planted paths.

The demo's market, size, value and momentum factor returns (and the risk-free rate) follow the real
Ken French daily series on the calendar dates the files cover, so the named episodes (GFC 2008-09,
COVID crash 2020, 2022 rate shock, momentum crashes) exist in the demo; every other session keeps
the planted synthetic path (docs/demo-data.md, "Real market history").

:func:`load_market_history` reads the files (the only I/O here; the warehouse service calls it and
hands the result to the pure :func:`warehouse.sources.demo.generate`). Files used, from one folder:

* ``F-F_Research_Data_Factors_daily.CSV`` — Mkt-RF, SMB, HML, RF (1926-07-01 .. 2024-08-30 in the
  202408 vintage);
* ``F-F_Momentum_Factor_daily.CSV`` — Mom (1926-11-03 .. 2022-12-30 in the 202212 vintage).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.sources.french import read_french

THREE_FACTOR_FILE = "F-F_Research_Data_Factors_daily.CSV"
MOMENTUM_FILE = "F-F_Momentum_Factor_daily.CSV"
COLUMNS = ("mktrf", "smb", "hml", "rf", "umd")


@dataclass(frozen=True)
class MarketHistory:
    """Daily decimal factor returns on the dates Ken French publishes (NaN where a series ends)."""

    days: np.ndarray  # int64 days since 1970-01-01, ascending, unique
    series: dict[str, np.ndarray]  # COLUMNS -> float64 (len(days),)
    digest: str  # sha256 of the values: part of the demo config hash

    def on(self, days: np.ndarray) -> dict[str, np.ndarray]:
        """Each series on ``days`` (int64 days since epoch); NaN on days the files do not cover."""
        pos = np.searchsorted(self.days, days)
        pos_c = np.minimum(pos, len(self.days) - 1)
        hit = (pos < len(self.days)) & (self.days[pos_c] == days)
        return {k: np.where(hit, v[pos_c], np.nan) for k, v in self.series.items()}

    def coverage(self, name: str) -> tuple[str, str]:
        """First and last ISO date with a value of series ``name``."""
        ok = np.flatnonzero(np.isfinite(self.series[name]))
        first, last = (np.datetime64(int(self.days[i]), "D") for i in (ok[0], ok[-1]))
        return str(first), str(last)


def history_from_frame(frame: pl.DataFrame) -> MarketHistory:
    """Build a :class:`MarketHistory` from a ``date`` + :data:`COLUMNS` frame (decimals)."""
    missing = [c for c in ("date", *COLUMNS) if c not in frame.columns]
    if missing:
        raise ValueError(f"market history frame lacks columns {missing}")
    frame = frame.sort("date").unique("date", keep="first", maintain_order=True)
    days = frame["date"].cast(pl.Int64).to_numpy()
    series = {c: frame[c].cast(pl.Float64).fill_null(np.nan).to_numpy().copy() for c in COLUMNS}
    h = hashlib.sha256(days.tobytes())
    for c in COLUMNS:
        h.update(c.encode())
        h.update(np.round(series[c], 8).tobytes())
    return MarketHistory(days=days, series=series, digest=h.hexdigest())


def load_market_history(directory: Path | str | None) -> MarketHistory | None:
    """Read the two Ken French daily files from ``directory``; None when the folder or a file is
    absent (the demo then uses its planted synthetic paths on every date)."""
    if directory is None:
        return None
    folder = Path(directory)
    three, mom = folder / THREE_FACTOR_FILE, folder / MOMENTUM_FILE
    if not (three.is_file() and mom.is_file()):
        return None
    f3 = read_french(three)[0].frame.select("date", "Mkt-RF", "SMB", "HML", "RF")
    f3 = f3.rename({"Mkt-RF": "mktrf", "SMB": "smb", "HML": "hml", "RF": "rf"})
    fm = read_french(mom)[0].frame
    fm = fm.select("date", pl.col(fm.columns[-1]).alias("umd"))
    return history_from_frame(f3.join(fm, on="date", how="left"))
