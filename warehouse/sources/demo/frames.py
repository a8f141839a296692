"""Polars frames of the WRDS-shaped datasets (SCHEMAS.md) from a finished simulation."""

from __future__ import annotations

import numpy as np
import polars as pl

from warehouse.datasets import DATASETS

from .french import FACTOR_LEGS, FF10
from .fundamentals import Reports
from .simulate import SimResult

F64 = pl.Float64
# Shapes come from the one dataset contract; the demo only decides which columns are money items.
DAILY_SCHEMA = dict(DATASETS["crsp_daily"].columns)
MONTHLY_SCHEMA = dict(DATASETS["crsp_monthly"].columns)
ANNUAL_ITEMS = tuple(c for c, t in DATASETS["compustat_annual"].columns.items() if t == F64)
QUARTERLY_ITEMS = tuple(c for c, t in DATASETS["compustat_quarterly"].columns.items() if t == F64)


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype("datetime64[D]"), dtype=pl.Date)


def _nan_to_null(frame: pl.DataFrame, cols: tuple[str, ...] | list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(c).fill_nan(None) for c in cols)


def crsp_prices(sim: SimResult, part: dict[str, np.ndarray], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    s, days = sim.stocks, sim.timeline.days
    sidx = part["sidx"]
    cfac = np.round(np.exp(s.cum_lk[sidx] - part["cum_lk"]), 8)
    cols: dict[str, object] = {"permno": s.permno[sidx], "date": _dates(days[part["day"]])}
    for c in schema:
        if c in ("permno", "date"):
            continue
        cols[c] = cfac if c in ("cfacpr", "cfacshr") else part[c]
    frame = pl.DataFrame(cols, schema=schema)
    return _nan_to_null(frame, ["ret", "retx"])


def crsp_delist(sim: SimResult, rows: np.ndarray) -> pl.DataFrame:
    s = sim.stocks
    r = rows[s.dlstcd[rows] > 0]
    frame = pl.DataFrame(
        {
            "permno": s.permno[r],
            "dlstdt": _dates(sim.timeline.days[s.end_day[r]]),
            "dlstcd": s.dlstcd[r],
            "dlret": s.dlret[r],
        },
        schema={"permno": pl.Int64, "dlstdt": pl.Date, "dlstcd": pl.Int64, "dlret": F64},
    )
    return _nan_to_null(frame, ["dlret"]).sort("permno")


def _report_frame(parts: list[dict[str, np.ndarray]], present: np.ndarray, end_day: int) -> dict[str, np.ndarray]:
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    keep = present[cols["idx"]] & (cols["rdq"] <= end_day)
    return {k: v[keep] for k, v in cols.items()}


def compustat(
    sim: SimResult, reports: Reports, present: np.ndarray, gv: np.ndarray, gvkey: pl.Series, end_day: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(compustat_annual, compustat_quarterly) for firms whose security appears in the output."""
    from .config import SECTORS

    s = sim.stocks
    a = _report_frame(reports.annual, present, end_day)
    ann = pl.DataFrame(
        {
            "gvkey": gvkey.gather(a["idx"]),
            "datadate": _dates(a["datadate"]),
            "fyear": a["fyear"],
            **{k: a[k] for k in ANNUAL_ITEMS},
            "sich": s.siccd[a["idx"]],
            "gsector": np.asarray(SECTORS)[s.sector[a["idx"]]],
        },
        schema={
            "gvkey": pl.Utf8,
            "datadate": pl.Date,
            "fyear": pl.Int64,
            **dict.fromkeys(ANNUAL_ITEMS, F64),
            "sich": pl.Int64,
            "gsector": pl.Utf8,
        },
    )
    q = _report_frame(reports.quarterly, present, end_day)
    qtr = pl.DataFrame(
        {
            "gvkey": gvkey.gather(q["idx"]),
            "datadate": _dates(q["datadate"]),
            "fyearq": q["fyearq"],
            "fqtr": q["fqtr"],
            "rdq": _dates(q["rdq"]),
            **{k: q[k] for k in QUARTERLY_ITEMS},
        },
        schema={
            "gvkey": pl.Utf8,
            "datadate": pl.Date,
            "fyearq": pl.Int64,
            "fqtr": pl.Int64,
            "rdq": pl.Date,
            **dict.fromkeys(QUARTERLY_ITEMS, F64),
        },
    )
    ann = _nan_to_null(ann, list(ANNUAL_ITEMS)).sort("gvkey", "datadate")
    return ann, _nan_to_null(qtr, list(QUARTERLY_ITEMS)).sort("gvkey", "datadate")


def _monthly_groups(sim: SimResult) -> tuple[np.ndarray, np.ndarray]:
    """Group id per ff row (complete output months only, else -1) and each group's last session."""
    tl = sim.timeline
    block = np.searchsorted(tl.block_start, sim.ff_days, side="right") - 1
    ok = tl.block_complete[block] & (tl.block_start[block] >= tl.out_start)
    gid = np.where(ok, block, -1)
    blocks = np.unique(block[ok])
    return gid, blocks


def _compound(gid: np.ndarray, blocks: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per-block compounded return of the columns of ``x`` (rows with gid == -1 ignored)."""
    x2 = x.reshape(len(x), -1)
    out = np.empty((len(blocks), x2.shape[1]))
    for k, b in enumerate(blocks):
        out[k] = np.prod(1.0 + x2[gid == b], axis=0) - 1.0
    return out


def ff_factors(sim: SimResult) -> pl.DataFrame:
    tl = sim.timeline
    rf = sim.factors.rf[sim.ff_days]
    legs = sim.ff_legs
    spread = {n: legs[:, 2 * k] - legs[:, 2 * k + 1] for k, n in enumerate(FACTOR_LEGS)}
    daily = {
        "frequency": "daily",
        "date": _dates(tl.days[sim.ff_days]),
        "mktrf": sim.ff_market - rf,
        **spread,
        "rf": rf,
    }
    gid, blocks = _monthly_groups(sim)
    m_rf = _compound(gid, blocks, rf)[:, 0]
    m_mkt = _compound(gid, blocks, sim.ff_market)[:, 0]
    m_legs = _compound(gid, blocks, legs)
    monthly = {
        "frequency": "monthly",
        "date": _dates(tl.days[tl.block_end[blocks] - 1]),
        "mktrf": m_mkt - m_rf,
        **{n: m_legs[:, 2 * k] - m_legs[:, 2 * k + 1] for k, n in enumerate(FACTOR_LEGS)},
        "rf": m_rf,
    }
    cols = ["frequency", "date", "mktrf", "smb", "hml", "rmw", "cma", "umd", "rf"]
    schema = {"frequency": pl.Utf8, "date": pl.Date, **{c: F64 for c in cols[2:]}}
    frames = [pl.DataFrame(d, schema=schema).select(cols) for d in (daily, monthly)]
    return _nan_to_null(pl.concat(frames), cols[2:])


def ff_industries(sim: SimResult) -> pl.DataFrame:
    tl = sim.timeline
    gid, blocks = _monthly_groups(sim)
    parts = []
    for weighting, mat in (("value", sim.ind_vw), ("equal", sim.ind_ew)):
        for freq, dates, values in (
            ("daily", tl.days[sim.ff_days], mat),
            ("monthly", tl.days[tl.block_end[blocks] - 1], _compound(gid, blocks, mat)),
        ):
            n = len(dates)
            parts.append(
                pl.DataFrame(
                    {
                        "frequency": freq,
                        "scheme": 10,
                        "weighting": weighting,
                        "date": _dates(np.repeat(dates, len(FF10))),
                        "industry": np.tile(np.asarray(FF10), n),
                        "ret": values.reshape(-1),
                    },
                    schema={
                        "frequency": pl.Utf8,
                        "scheme": pl.Int64,
                        "weighting": pl.Utf8,
                        "date": pl.Date,
                        "industry": pl.Utf8,
                        "ret": F64,
                    },
                )
            )
    return _nan_to_null(pl.concat(parts), ["ret"])
