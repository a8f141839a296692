"""A CRSP-readers test double over in-memory frames, and CRSP data derived from the Yahoo fixtures.

Stands in for ``warehouse.readers`` behind `warehouse.providers.crsp.CrspReaders`.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import polars as pl

from tests.support.yahoo_loopback import FIXTURES

PERMNOS = {"AAPL": 14593, "MSFT": 10107}
SPLIT_DAY = dt.date(2020, 8, 31)
PLANTED = {("AAPL", dt.date(2020, 8, 14)): 0.003, ("MSFT", dt.date(2020, 8, 25)): -0.01}
NOISE = 2e-5  # CRSP vs Yahoo rounding noise on every other day: well inside a 5 bp tolerance


def yahoo_series(symbol: str) -> list[tuple[dt.date, float | None, float | None]]:
    """(New York date, close, adjclose) straight from the chart JSON."""
    result = json.loads((FIXTURES / f"chart_{symbol}.json").read_text())["chart"]["result"][0]
    ny = ZoneInfo("America/New_York")
    days = [dt.datetime.fromtimestamp(t, tz=ny).date() for t in result["timestamp"]]
    closes = result["indicators"]["quote"][0]["close"]
    adj = result["indicators"]["adjclose"][0]["adjclose"]
    return list(zip(days, closes, adj, strict=True))


def crsp_frames(symbols: tuple[str, ...] = ("AAPL", "MSFT")) -> dict[str, pl.DataFrame]:
    """crsp_daily / crsp_names for the fixture symbols. A day Yahoo left empty gets the mid-point of
    its neighbours (CRSP has it); CRSP prices are unadjusted (AAPL x4 before its split, cfacpr 4)."""
    daily, names = [], []
    for symbol in symbols:
        series = yahoo_series(symbol)
        filled = []
        for i, (day, close, adj) in enumerate(series):
            if close is None:
                prev, nxt = series[i - 1], series[i + 1]
                close, adj = (prev[1] + nxt[1]) / 2, (prev[2] + nxt[2]) / 2
            filled.append((day, close, adj))
        for i, (day, close, adj) in enumerate(filled):
            factor = 4.0 if symbol == "AAPL" and day < SPLIT_DAY else 1.0
            ret = None if i == 0 else adj / filled[i - 1][2] - 1.0
            if ret is not None:
                ret += PLANTED.get((symbol, day), NOISE)
            daily.append({"permno": PERMNOS[symbol], "date": day, "ret": ret, "retx": ret, "prc": close * factor,
                          "vol": 1e6, "shrout": 4.3e6, "cfacpr": factor, "cfacshr": factor,
                          "bidlo": close * factor * 0.99, "askhi": close * factor * 1.01})  # fmt: skip
        names.append({"permno": PERMNOS[symbol], "namedt": dt.date(1990, 1, 2), "nameendt": dt.date(2024, 12, 31),
                      "ticker": symbol})  # fmt: skip
    # A reused ticker: "OLDCO" belonged to permno 77777 until 2010, then nobody.
    names.append({"permno": 77777, "namedt": dt.date(2000, 1, 3), "nameendt": dt.date(2010, 6, 30), "ticker": "OLDCO"})
    return {"crsp_daily": pl.DataFrame(daily), "crsp_names": pl.DataFrame(names)}


class FrameReaders:
    def __init__(self, frames: dict[str, pl.DataFrame], fundamentals: pl.DataFrame | None = None) -> None:
        self.frames = frames
        self.funda = fundamentals

    def ticker_to_permno(self, ticker: str, as_of: dt.date) -> int | None:
        hit = self.frames["crsp_names"].filter(
            (pl.col("ticker") == ticker) & (pl.col("namedt") <= as_of) & (pl.col("nameendt") >= as_of)
        )
        return None if hit.height == 0 else int(hit["permno"][0])

    def _daily(self, start: dt.date, end: dt.date, permnos: list[int]) -> pl.DataFrame:
        return self.frames["crsp_daily"].filter(pl.col("permno").is_in(permnos), pl.col("date").is_between(start, end))

    def total_returns(self, start: dt.date, end: dt.date, *, permnos: list[int]) -> pl.DataFrame:
        return self._daily(start, end, permnos).select("permno", "date", "ret", total_ret=pl.col("ret"))

    def crsp_daily(self, start: dt.date, end: dt.date, *, permnos: list[int]) -> pl.DataFrame:
        return self._daily(start, end, permnos)

    def fundamentals(self, start: dt.date, end: dt.date, *, permnos: list[int]) -> pl.DataFrame:
        assert self.funda is not None
        return self.funda.filter(pl.col("permno").is_in(permnos), pl.col("datadate").is_between(start, end))


def factory() -> FrameReaders:
    """For ``settings.CRSP_READERS`` in command tests."""
    return FrameReaders(crsp_frames())
