"""Post-earnings-announcement drift (Bernard & Thomas 1989) by SUE decile.

Events are earnings announcements (Compustat quarterly ``rdq``) with their standardized unexpected
earnings (:func:`research.analytics.signals.standardized_unexpected_earnings`). Deciles are formed
**within each calendar quarter of the announcement** (1 = most negative surprise, 10 = most
positive), so a decile never uses announcements from the future. Drift = the mean cumulative
abnormal return over sessions ``[drift_start, drift_end]`` after the announcement (default [+2, +60])
of each decile's events; abnormal returns come from :func:`research.analytics.events.abnormal_returns`.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from research.analytics.events import AbnormalReturns

DECILES = 10


def sue_deciles(sue: pl.DataFrame, *, n: int = DECILES) -> pl.DataFrame:
    """``permno, event_date, sue`` → the same plus ``decile`` (1…n) within each calendar quarter of
    ``event_date``; quarters with fewer than ``n`` announcements are dropped."""
    quarter = pl.col("event_date").dt.truncate("1q")
    size = pl.len().over(quarter)
    rank = pl.col("sue").rank("ordinal").over(quarter)
    out = sue.filter(pl.col("sue").is_finite()).with_columns(size.alias("_n"))
    out = out.filter(pl.col("_n") >= n).with_columns(decile=((rank - 1) * n // pl.col("_n") + 1).cast(pl.Int64))
    return out.drop("_n")


def drift_paths(ars: AbnormalReturns, deciles: pl.DataFrame) -> pl.DataFrame:
    """``decile, offset, caar, n``: per decile, the mean AR cumulated from the window start to each
    day (the announcement return, then the drift on top of it)."""
    frame = ars.events.select("event_id").join(deciles.select("event_id", "decile"), on="event_id", how="left")
    dec = frame["decile"].to_numpy()
    rows = []
    for d in range(1, int(np.nanmax(dec)) + 1 if len(dec) else 1):
        sel = dec == d
        if not sel.any():
            continue
        aar = ars.ar[sel].mean(axis=0)
        caar = np.cumsum(aar)
        size = len(aar)
        rows.append(pl.DataFrame({
            "decile": np.full(size, d, dtype=np.int64), "offset": ars.offsets.astype(np.int64),
            "caar": caar, "n": np.full(size, int(sel.sum()), dtype=np.int64),
        }))  # fmt: skip
    if not rows:
        return pl.DataFrame(schema={"decile": pl.Int64, "offset": pl.Int64, "caar": pl.Float64, "n": pl.Int64})
    return pl.concat(rows)


def drift_by_decile(
    ars: AbnormalReturns, deciles: pl.DataFrame, *, drift_start: int = 2, drift_end: int = 60
) -> pl.DataFrame:
    """``decile, n, announcement, drift, drift_se``: mean CAR over [window start, drift_start − 1]
    (the announcement) and over [drift_start, drift_end] (the drift), with the drift's standard
    error (cross-sectional s.d., ddof = 1, / √n)."""
    sel = (ars.offsets >= drift_start) & (ars.offsets <= drift_end)
    frame = (
        ars.events.select("event_id")
        .with_columns(
            drift=pl.Series(ars.ar[:, sel].sum(axis=1)),
            announcement=pl.Series(ars.ar[:, ars.offsets < drift_start].sum(axis=1)),
        )
        .join(deciles.select("event_id", "decile"), on="event_id", how="inner")
    )
    return (
        frame.group_by("decile")
        .agg(
            pl.len().alias("n"),
            pl.col("announcement").mean(),
            pl.col("drift").mean(),
            drift_se=pl.col("drift").std(ddof=1) / pl.len().sqrt(),
        )  # fmt: skip
        .sort("decile")
    )
