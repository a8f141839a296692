"""The planted truth of a run: factor returns, exposures, specific variances and a model summary."""

from __future__ import annotations

import numpy as np
import polars as pl

from .config import SECTORS, STYLES, Calibration
from .simulate import SimResult

MODEL_DESCRIPTION = (
    "r[i,t] = rf[t] + beta[i]*market[t] + sector[s(i),t] + sum_k X[i,k,m(t)-1]*style[k,t] + e[i,t]; "
    "styles size/value/momentum/quality/lowvol standardised at each month end (cap-weighted mean 0, "
    "equal-weighted std 1 over shrcd 10/11 on exchcd 1/2/3) and held through the next month; "
    "market GARCH(1,1) Student-t(5); e Student-t(4) with constant variance specific_var."
)


def sector_factor(code: str) -> str:
    return f"sector_{code}"


def factor_names() -> list[str]:
    return ["market", *(sector_factor(c) for c in SECTORS), *STYLES]


def factor_returns(sim: SimResult) -> pl.DataFrame:
    tl, f = sim.timeline, sim.factors
    out = np.arange(tl.out_start, tl.n_days)
    values = np.column_stack([f.market[out], f.sectors[out], f.styles[out]])
    names = factor_names()
    return pl.DataFrame(
        {
            "date": pl.Series(np.repeat(tl.days[out], len(names)).astype("datetime64[D]"), dtype=pl.Date),
            "factor": np.tile(np.asarray(names), len(out)),
            "ret": values.reshape(-1),
        },
        schema={"date": pl.Date, "factor": pl.Utf8, "ret": pl.Float64},
    )


def exposures(sim: SimResult) -> pl.DataFrame:
    """Long frame (date = formation month-end session, permno, factor, value); a row dated d applies
    to the sessions after d up to the next month end. Market exposure = beta, sector = 1."""
    s, e = sim.stocks, sim.exposures
    sidx = e["sidx"]
    sector_names = np.asarray([sector_factor(c) for c in SECTORS])
    n = len(sidx)
    wide = np.column_stack([s.beta[sidx], np.ones(n), e["x"]])
    factor = np.column_stack([np.full(n, "market"), sector_names[s.sector[sidx]], np.tile(np.asarray(STYLES), (n, 1))])
    k = wide.shape[1]
    return pl.DataFrame(
        {
            "date": pl.Series(np.repeat(sim.timeline.days[e["day"]], k).astype("datetime64[D]"), dtype=pl.Date),
            "permno": np.repeat(s.permno[sidx], k),
            "factor": factor.reshape(-1),
            "value": wide.reshape(-1),
        },
        schema={"date": pl.Date, "permno": pl.Int64, "factor": pl.Utf8, "value": pl.Float64},
    )


def specific_var(sim: SimResult, rows: np.ndarray) -> pl.DataFrame:
    s = sim.stocks
    return pl.DataFrame(
        {"permno": s.permno[rows], "specific_var": s.sig_d[rows] ** 2},
        schema={"permno": pl.Int64, "specific_var": pl.Float64},
    )


def _span(days: np.ndarray, mask: np.ndarray) -> str:
    hit = np.flatnonzero(mask)
    if not len(hit):
        return "none"
    return f"{np.datetime64(int(days[hit[0]]), 'D')}..{np.datetime64(int(days[hit[-1]]), 'D')}"


def meta(sim: SimResult, config_hash: str, n_permnos: int, history_digest: str | None = None) -> pl.DataFrame:
    cal, tl, cfg, f = Calibration(), sim.timeline, sim.cfg, sim.factors
    crashes = ",".join(str(np.datetime64(int(tl.days[i]), "D")) for i in f.crash_starts)
    out = slice(tl.out_start, None)
    days = tl.days[out]
    history = (
        "synthetic"
        if history_digest is None
        else f"ken-french:{history_digest[:12]} market/size/value/rf {_span(days, f.real_market[out])}, "
        f"momentum {_span(days, f.real_momentum[out])}"
    )
    return pl.DataFrame(
        {
            "model": [MODEL_DESCRIPTION],
            "config_hash": [config_hash],
            "seed": [cfg.seed],
            "stocks": [cfg.stocks],
            "years": [cfg.years],
            "start": [np.datetime64(int(tl.days[tl.out_start]), "D").astype(object)],
            "end": [cfg.end],
            "n_permnos": [n_permnos],
            "avg_cross_sectional_r2": [float(np.nanmean(sim.r2))],
            "market_vol_target": [cal.market_vol],
            "garch_alpha": [cal.garch_alpha],
            "garch_beta": [cal.garch_beta],
            "t_dof_factor": [cal.t_dof_factor],
            "t_dof_specific": [cal.t_dof_specific],
            "momentum_crash_starts": [crashes],
            "market_history": [history],
            "real_market_share": [float(f.real_market[out].mean())],
        }
    )


def earnings_events(sim: SimResult) -> pl.DataFrame:
    """Planted earnings announcements in the output window: ``permno, rdq, event_date`` (day 0
    session), ``sue``, ``decile`` and the planted ``announcement`` (sessions 0, +1) and ``drift``
    ([+2, +60]) returns, decimals (earnings.py)."""
    from .earnings import decile_effect

    ev, tl, cal = sim.earnings, sim.timeline, Calibration()
    keep = ev["day0"] >= tl.out_start if ev else np.zeros(0, dtype=bool)
    sidx = ev["sidx"][keep] if ev else np.zeros(0, dtype=np.int64)
    decile = ev["decile"][keep] if ev else np.zeros(0, dtype=np.int64)
    return pl.DataFrame(
        {
            "permno": sim.stocks.permno[sidx].astype(np.int64),
            "rdq": pl.Series((ev["rdq"][keep] if ev else np.zeros(0)).astype("datetime64[D]"), dtype=pl.Date),
            "event_date": pl.Series(tl.days[ev["day0"][keep]].astype("datetime64[D]") if ev else [], dtype=pl.Date),
            "sue": ev["sue"][keep] if ev else np.zeros(0),
            "decile": decile.astype(np.int64),
            "announcement": decile_effect(decile, cal.earnings_announcement),
            "drift": decile_effect(decile, cal.earnings_drift),
        },
        schema={
            "permno": pl.Int64,
            "rdq": pl.Date,
            "event_date": pl.Date,
            "sue": pl.Float64,
            "decile": pl.Int64,
            "announcement": pl.Float64,
            "drift": pl.Float64,
        },
    ).sort("event_date", "permno")


def index_frames(sim: SimResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(``index_membership``: permno, start, end — null while a member at the end —, ``index_events``:
    permno, announce_date, effective_date, action, effect) of the planted DEMO index in the output
    window (index.py)."""
    from .index import EFFECTIVE_LAG

    ix, tl, cal = sim.index, sim.timeline, Calibration()
    days = tl.days.astype("datetime64[D]")
    out_start, last = tl.out_start, tl.n_days - 1
    keep = (ix["spell_end"] == -1) | (ix["spell_end"] >= out_start)
    start = np.maximum(ix["spell_start"][keep], out_start)
    end = ix["spell_end"][keep]
    membership = pl.DataFrame(
        {
            "permno": sim.stocks.permno[ix["spell_sidx"][keep]].astype(np.int64),
            "start": pl.Series(days[start], dtype=pl.Date),
            "end": pl.Series(days[np.where(end < 0, last, end)], dtype=pl.Date),
        }
    ).with_columns(pl.when(pl.Series(end < 0)).then(None).otherwise(pl.col("end")).alias("end"))
    ev = ix["day0"] >= out_start
    day0, sign = ix["day0"][ev], ix["sign"][ev]
    events = pl.DataFrame(
        {
            "permno": sim.stocks.permno[ix["sidx"][ev]].astype(np.int64),
            "announce_date": pl.Series(days[day0], dtype=pl.Date),
            "effective_date": pl.Series(days[np.minimum(day0 + EFFECTIVE_LAG, last)], dtype=pl.Date),
            "action": np.where(sign > 0, "add", "delete"),
            "effect": sign * cal.index_announcement,
        },
        schema={
            "permno": pl.Int64,
            "announce_date": pl.Date,
            "effective_date": pl.Date,
            "action": pl.Utf8,
            "effect": pl.Float64,
        },
    )
    return membership.sort("permno", "start"), events.sort("announce_date", "permno")
