"""Information-coefficient metrics for cross-sectional signals (long-format API over the dense core).

Data shapes (long format)
-------------------------
* signal: ``date`` (Date), ``asset`` (Utf8 or Int64), ``value`` (Float64).
* prices: ``date``, ``asset``, ``price`` (Float64, > 0).
* forward returns: ``date``, ``asset``, ``h`` (Int64), ``fwd_ret`` (Float64, decimal).

Forward-return convention
-------------------------
``fwd_ret(d, a, h) = price(d_{i+h}, a) / price(d_i, a) - 1`` where ``d_i = d`` and ``d_0 < d_1 < ...``
is the price file's own calendar (its sorted unique dates). A return never looks beyond that
calendar: the last ``h`` dates have no forward return (null). A missing or non-positive price at
either end also gives null. Returns are simple (not log) and not annualised.

Missing-value policy
--------------------
A (date, asset) pair enters the IC only when both the signal value and the forward return are
present and finite. Dates with fewer than :data:`MIN_PAIRS` pairs, or with zero variance in
either variable, get a null IC; they are kept in the per-date output and counted as
``n_null`` in summaries, never silently dropped.

Every metric is computed once, by the row-wise kernels of :mod:`research.analytics.dense` on
the inputs pivoted to ``dates × assets`` matrices; the frames returned here are unchanged.

IC definitions: Pearson correlation of value and fwd_ret per date; rank IC is Spearman —
rank within date with average ties (on the paired sample), then Pearson on the ranks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from research.analytics import dense, rowstats

MIN_PAIRS = rowstats.MIN_PAIRS
DEFAULT_HORIZONS: tuple[int, ...] = (1, 5, 10, 21, 63)
CONVENTION = (
    "fwd_ret(d, h) = price(d+h) / price(d) - 1, with d+h the h-th later date of the price file's "
    "own calendar (sorted unique dates); simple return, not annualised; the last h dates have none"
)


def forward_returns(prices: pl.DataFrame, horizons: Sequence[int]) -> pl.DataFrame:
    """Forward simple returns on the price file's own calendar.

    Parameters
    ----------
    prices
        Long frame ``date, asset, price``; one row per (date, asset).
    horizons
        Positive integers, in trading dates of the price calendar.

    Returns
    -------
    pl.DataFrame
        ``date, asset, h, fwd_ret`` with one row per price row and horizon, sorted by
        ``h, date, asset``; ``fwd_ret`` is null for the last ``h`` calendar dates and where either
        price is missing or non-positive. Computed by row shifts of the dense price matrix
        (:func:`research.analytics.dense.forward_return_matrix`).
    """
    if any(h < 1 for h in horizons):
        raise ValueError("horizons must be positive integers")
    px = prices.select("date", "asset", "price")
    grid = dense.sorted_grid(px["date"], px["asset"])
    if grid is not None:  # complete sorted panel: the rows are the matrix in order
        matrix = dense.grid_values(px, "price", grid)
        keys = px.select("date", "asset")

        def take(m: np.ndarray) -> np.ndarray:
            return m.reshape(-1)
    else:
        d, a = dense.axis(px["date"]), dense.axis(px["asset"])
        shape = (d.values.len(), a.values.len())
        matrix = dense.fill(d.codes, a.codes, px["price"].cast(pl.Float64).fill_null(np.nan).to_numpy(), shape)
        order = np.lexsort((a.codes, d.codes))
        rows, cols = d.codes[order], a.codes[order]
        keys = px.select("date", "asset")[order]

        def take(m: np.ndarray) -> np.ndarray:
            return m[rows, cols]

    parts = [
        keys.with_columns(
            pl.lit(h, dtype=pl.Int64).alias("h"),
            pl.Series("fwd_ret", take(dense.forward_return_matrix(matrix, h))).fill_nan(None),
        )
        for h in horizons
    ]
    out = pl.concat(parts)
    return out if list(horizons) == sorted(horizons) else out.sort("h", maintain_order=True)


def paired(signal: pl.DataFrame, fwd: pl.DataFrame, *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Inner-join signal and forward return on (date, asset), keeping rows where both are present.

    ``fwd`` must hold a single horizon (``date, asset, fwd_ret``; an ``h`` column is ignored).
    Extra ``by`` columns of ``signal`` are carried along.
    """
    joined = signal.select("date", "asset", "value", *by).join(
        fwd.select("date", "asset", "fwd_ret"), on=["date", "asset"], how="inner"
    )
    return joined.filter(
        pl.col("value").is_not_null()
        & pl.col("value").is_finite()
        & pl.col("fwd_ret").is_not_null()
        & pl.col("fwd_ret").is_finite()
    )


def _signal_and_fwd(signal: pl.DataFrame, fwd: pl.DataFrame) -> tuple[dense.Matrix, np.ndarray]:
    """The signal as a dense matrix over its own dates/assets and ``fwd_ret`` laid on the same axes."""
    sig = dense.pivot(signal, "value")
    return sig, dense.align(fwd, "fwd_ret", sig.dates, sig.assets)


def _ic_frame(dates: pl.Series, arrays: rowstats.HorizonArrays, keep: np.ndarray | None = None) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "date": dates,
            "n": arrays.n.astype(np.int64),
            "ic": arrays.ic,
            "rank_ic": arrays.rank_ic,
        }
    ).with_columns(pl.col("ic", "rank_ic").fill_nan(None))
    return frame if keep is None else frame.filter(pl.Series(keep))


def ic_by_date(signal: pl.DataFrame, fwd: pl.DataFrame, *, groups: pl.DataFrame | None = None) -> pl.DataFrame:
    """Pearson IC and rank IC per date (and per group when ``groups`` is given).

    Parameters
    ----------
    signal
        ``date, asset, value``.
    fwd
        ``date, asset, fwd_ret`` for one horizon.
    groups
        Optional ``asset, group`` (static) or ``date, asset, group`` (point in time) mapping,
        e.g. sectors. Assets without a group are left out of the grouped IC.

    Returns
    -------
    pl.DataFrame
        ``date, [group,] n, ic, rank_ic`` sorted by date (then group); ``ic``/``rank_ic`` null for
        dates with fewer than 3 pairs or zero variance. Every signal date (every (date, group)
        holding a signal row) appears, with ``n = 0`` when no pair survives. Computed on the dense
        matrices by :func:`research.analytics.rowstats.horizon_arrays`.
    """
    sig, fwd_m = _signal_and_fwd(signal, fwd)
    if groups is None:
        return _ic_frame(sig.dates, rowstats.horizon_arrays(sig.values, fwd_m))
    return grouped_ic(signal, sig, fwd_m, groups)


def grouped_ic(signal: pl.DataFrame, sig: dense.Matrix, fwd_m: np.ndarray, groups: pl.DataFrame) -> pl.DataFrame:
    """``date, group, n, ic, rank_ic`` of :func:`ic_by_date` from the dense signal ``sig`` (pivot of
    ``signal``) and forward returns ``fwd_m`` on its axes: each group's IC is the dense IC of the
    signal masked to the group's (date, asset) cells."""
    on = ["date", "asset"] if "date" in groups.columns else ["asset"]
    tagged = signal.select("date", "asset").join(groups.select(*on, "group"), on=on, how="inner")
    present = tagged.select(
        pl.Series(dense.positions(tagged["date"], sig.dates)).alias("r"),
        pl.Series(dense.positions(tagged["asset"], sig.assets)).alias("c"),
        "group",
    )
    parts = []
    for (name,), cells in present.partition_by("group", as_dict=True).items():
        member = np.zeros(sig.values.shape, dtype=bool)
        member[cells["r"].to_numpy(), cells["c"].to_numpy()] = True
        arrays = rowstats.horizon_arrays(np.where(member, sig.values, np.nan), fwd_m)
        frame = _ic_frame(sig.dates, arrays, np.asarray(member.any(axis=1)))
        group = pl.lit(name, dtype=groups["group"].dtype).alias("group")
        parts.append(frame.select("date", group, "n", "ic", "rank_ic"))
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "date": pl.Date, "group": groups["group"].dtype, "n": pl.Int64, "ic": pl.Float64, "rank_ic": pl.Float64
    }  # fmt: skip
    return (pl.concat(parts) if parts else pl.DataFrame(schema=schema)).sort("date", "group")


def mean_ic_by_group(per: pl.DataFrame) -> pl.DataFrame:
    """``group, mean_ic, mean_rank_ic, n_dates`` from :func:`grouped_ic`'s per-date frame: time-series
    means over the dates with a non-null IC, sorted by group."""
    return (
        per.group_by("group")
        .agg(
            pl.col("ic").mean().alias("mean_ic"),
            pl.col("rank_ic").mean().alias("mean_rank_ic"),
            pl.col("ic").is_not_null().sum().cast(pl.Int64).alias("n_dates"),
        )
        .sort("group")
        .select("group", "mean_ic", "mean_rank_ic", "n_dates")
    )


@dataclass(frozen=True)
class ICSummary:
    """Summary of a per-date IC series.

    ``std`` uses ddof=1; ``icir = mean / std``; ``icir_annualised = icir * sqrt(periods_per_year)``;
    ``t_stat = mean / (std / sqrt(n))``; ``hit_rate`` = share of non-null dates with IC > 0.
    Statistics use only non-null ICs; ``n_null`` counts dates whose IC is null.
    """

    mean: float | None
    std: float | None
    icir: float | None
    icir_annualised: float | None
    t_stat: float | None
    hit_rate: float | None
    n_dates: int
    n_null: int

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def ic_summary(ic: pl.Series, *, periods_per_year: float) -> ICSummary:
    """Summarise an IC series (see :class:`ICSummary`).

    ``periods_per_year`` is the number of IC observations per year (e.g. 252 for daily signal
    dates); pass it explicitly, e.g. ``quant.periods.periods_per_year("daily")``.
    """
    n_null = int(ic.is_null().sum()) + int(ic.is_nan().fill_null(False).sum())
    values = ic.drop_nulls().drop_nans()
    n = values.len()
    mean = float(values.mean()) if n else None  # type: ignore[arg-type]
    std = float(values.std(ddof=1)) if n >= 2 else None  # type: ignore[arg-type]
    icir = mean / std if (mean is not None and std) else None
    return ICSummary(
        mean=mean,
        std=std,
        icir=icir,
        icir_annualised=icir * math.sqrt(periods_per_year) if icir is not None else None,
        t_stat=mean / (std / math.sqrt(n)) if (mean is not None and std) else None,
        hit_rate=float((values > 0).mean()) if n else None,  # type: ignore[arg-type]
        n_dates=n,
        n_null=n_null,
    )


def sign_agreement(signal: pl.DataFrame, fwd: pl.DataFrame) -> float | None:
    """Pooled share of pairs where sign(value) == sign(fwd_ret) (zeros count as disagreement).

    Pairs with a zero on either side are left out of the denominator too.
    """
    sig, fwd_m = _signal_and_fwd(signal, fwd)
    hits, pairs = rowstats.sign_counts(sig.values, fwd_m)
    return rowstats.pooled_share(hits, pairs)
