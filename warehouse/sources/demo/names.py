"""Tickers, company names, ``crsp_names`` and ``ccm_link`` for the securities of a run.

Tickers change for a few percent of names a year; released tickers (after a delisting or a change)
are reused by other permnos later, never while another permno holds them.
"""

from __future__ import annotations

import heapq

import numpy as np
import polars as pl

from .config import TD, Calibration
from .universe import ADR, ETF, PRIMARY, SECONDARY, Stocks

_SYLLABLES = (
    "AR",
    "BEL",
    "COR",
    "DEN",
    "EX",
    "FAL",
    "GEN",
    "HAR",
    "IN",
    "JON",
    "KEL",
    "LUM",
    "MAR",
    "NOR",
    "OM",
    "PAR",
    "QUA",
    "ROS",
    "SUN",
    "TEL",
    "UNI",
    "VAL",
    "WEST",
    "XEN",
    "YOR",
    "ZEN",
)
_SUFFIX = ("INC", "CORP", "HOLDINGS INC", "GROUP INC", "CO", "TECHNOLOGIES INC", "BANCORP")
_LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def _company(rng: np.random.Generator, kind: int) -> str:
    stem = "".join(rng.choice(_SYLLABLES, int(rng.integers(2, 4))))
    if kind == ETF:
        return f"{stem} SELECT SECTOR ETF TRUST"
    if kind == ADR:
        return f"{stem} PLC ADR"
    return f"{stem} {rng.choice(_SUFFIX)}"


class _Tickers:
    def __init__(self, rng: np.random.Generator, reuse_prob: float) -> None:
        self.rng, self.reuse_prob = rng, reuse_prob
        self.ever: set[str] = set()
        self.pool: list[str] = []

    def take(self) -> str:
        if self.pool and self.rng.random() < self.reuse_prob:
            return self.pool.pop(0)
        while True:
            length = int(self.rng.choice([1, 2, 3, 4], p=[0.02, 0.08, 0.5, 0.4]))
            t = "".join(self.rng.choice(_LETTERS, length))
            if t not in self.ever:
                self.ever.add(t)
                return t

    def release(self, ticker: str) -> None:
        self.pool.append(ticker)


def build_names(
    rng: np.random.Generator,
    s: Stocks,
    rows: np.ndarray,
    days: np.ndarray,
    out_start: int,
    end_day: int,
    cal: Calibration,
) -> tuple[pl.DataFrame, np.ndarray]:
    """``crsp_names`` for securities ``rows`` and each one's first name date (days since epoch)."""
    first = np.where(
        s.list_day[rows] < 0,
        days[0] - rng.integers(TD // 2, 30 * 365, len(rows)),
        days[np.maximum(s.list_day[rows], 0)],
    )
    last = np.where(s.dlstcd[rows] > 0, days[s.end_day[rows]], end_day)
    lo = np.maximum(first, days[out_start]) + 1
    years = np.maximum(last - lo, 0) / 365.25
    n_change = rng.poisson(cal.ticker_change_rate * years)
    events: list[tuple[int, int, int]] = []  # (day, order, position); order 0 = assign, 1 = release
    for p in range(len(rows)):
        events.append((int(first[p]), 0, p))
        if n_change[p] and last[p] > lo[p]:
            events.extend((int(d), 0, p) for d in np.unique(rng.integers(lo[p], last[p], n_change[p])))
        if s.dlstcd[rows[p]] > 0:
            events.append((int(last[p]) + 1, 1, p))
    heapq.heapify(events)
    tickers = _Tickers(rng, cal.ticker_reuse_prob)
    current: dict[int, str] = {}  # position -> its ticker now
    comnam: dict[int, str] = {}
    out: dict[str, list] = {k: [] for k in ("p", "namedt", "ticker", "comnam")}
    while events:
        day, order, p = heapq.heappop(events)
        if order == 1:
            tickers.release(current.pop(p))
            continue
        if p in current:
            tickers.release(current[p])
        current[p] = tickers.take()
        kind = int(s.kind[rows[p]])
        if p not in comnam or rng.random() < 0.5:
            comnam[p] = _company(rng, kind)
        for k, v in zip(out, (p, day, current[p], comnam[p]), strict=True):
            out[k].append(v)
    frame = pl.DataFrame({"p": out["p"], "namedt": out["namedt"], "ticker": out["ticker"], "comnam": out["comnam"]})
    frame = frame.sort("p", "namedt").with_columns(
        nameendt=pl.col("namedt").shift(-1).over("p") - 1,
    )
    pos = frame["p"].to_numpy()
    nameendt = frame["nameendt"].fill_null(pl.Series(last[pos])).to_numpy()
    names = pl.DataFrame(
        {
            "permno": s.permno[rows][pos],
            "namedt": frame["namedt"].to_numpy().astype("datetime64[D]"),
            "nameendt": nameendt.astype("datetime64[D]"),
            "ticker": frame["ticker"],
            "comnam": frame["comnam"],
            "shrcd": s.shrcd[rows][pos],
            "exchcd": s.exchcd[rows][pos],
            "siccd": s.siccd[rows][pos],
        },
        schema={
            "permno": pl.Int64,
            "namedt": pl.Date,
            "nameendt": pl.Date,
            "ticker": pl.Utf8,
            "comnam": pl.Utf8,
            "shrcd": pl.Int64,
            "exchcd": pl.Int64,
            "siccd": pl.Int64,
        },
    )
    return names, first


def assign_gvkeys(rng: np.random.Generator, s: Stocks) -> np.ndarray:
    """Six-digit gvkey number per security (-1 where none); secondaries share their parent's."""
    gv = np.full(s.n, -1, dtype=np.int64)
    prim = np.flatnonzero(s.kind == PRIMARY)
    gv[prim] = rng.choice(np.arange(1000, 350000), len(prim), replace=False)
    sec = np.flatnonzero(s.kind == SECONDARY)
    gv[sec] = gv[s.parent[sec]]
    return gv


def gvkey_text(gv: np.ndarray) -> pl.Series:
    return pl.Series(gv).cast(pl.Utf8).str.zfill(6)


def build_links(
    rng: np.random.Generator, s: Stocks, rows: np.ndarray, gv: np.ndarray, first: np.ndarray, days: np.ndarray
) -> pl.DataFrame:
    """Primary links (LC/LU, P/C) for every primary common stock; 'J' rows for secondary classes."""
    keep = np.isin(s.kind[rows], (PRIMARY, SECONDARY))
    r, fst = rows[keep], first[keep]
    sec = s.kind[r] == SECONDARY
    parent_present = np.isin(s.parent[r], rows)
    r, fst, sec = r[~sec | parent_present], fst[~sec | parent_present], sec[~sec | parent_present]
    linktype = np.where(sec, "LU", np.where(rng.random(len(r)) < 0.75, "LC", "LU"))
    linkprim = np.where(sec, "J", np.where(rng.random(len(r)) < 0.92, "P", "C"))
    end = np.where(s.dlstcd[r] > 0, days[s.end_day[r]], -1)
    frame = pl.DataFrame(
        {
            "gvkey": gvkey_text(gv[r]),
            "lpermno": s.permno[r],
            "linktype": linktype.astype(str),
            "linkprim": linkprim.astype(str),
            "linkdt": fst.astype("datetime64[D]"),
            "linkenddt": end.astype("datetime64[D]"),
        },
        schema={
            "gvkey": pl.Utf8,
            "lpermno": pl.Int64,
            "linktype": pl.Utf8,
            "linkprim": pl.Utf8,
            "linkdt": pl.Date,
            "linkenddt": pl.Date,
        },
    )
    return frame.with_columns(linkenddt=pl.when(pl.Series(end >= 0)).then(pl.col("linkenddt")).otherwise(None)).sort(
        "gvkey", "lpermno", "linkdt"
    )
