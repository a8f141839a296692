"""Information-coefficient metrics for cross-sectional signals (pure polars).

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

IC definitions: Pearson correlation of value and fwd_ret per date; rank IC is Spearman —
rank within date with average ties (on the paired sample), then Pearson on the ranks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import polars as pl

MIN_PAIRS = 3
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
        ``date, asset, h, fwd_ret`` with one row per price row and horizon; ``fwd_ret`` is null
        for the last ``h`` calendar dates and where either price is missing or non-positive.
    """
    if any(h < 1 for h in horizons):
        raise ValueError("horizons must be positive integers")
    cal = prices.select(pl.col("date").unique().sort()).with_row_index("idx")
    px = prices.join(cal, on="date").select("date", "idx", "asset", "price")
    parts = []
    for h in horizons:
        target = px.select((pl.col("idx") - h).alias("idx"), "asset", pl.col("price").alias("price_h"))
        joined = px.join(target, on=["idx", "asset"], how="left")
        parts.append(
            joined.select(
                "date",
                "asset",
                pl.lit(h, dtype=pl.Int64).alias("h"),
                pl.when((pl.col("price") > 0) & (pl.col("price_h") > 0))
                .then(pl.col("price_h") / pl.col("price") - 1.0)
                .otherwise(None)
                .alias("fwd_ret"),
            )
        )
    return pl.concat(parts).sort("h", "date", "asset")


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


def _corr(x: pl.Expr, y: pl.Expr) -> pl.Expr:
    """Pearson correlation, null when n < MIN_PAIRS or either side has zero variance."""
    ok = (pl.len() >= MIN_PAIRS) & (x.std() > 0) & (y.std() > 0)
    return pl.when(ok).then(pl.corr(x, y)).otherwise(None)


def ic_by_date(
    signal: pl.DataFrame, fwd: pl.DataFrame, *, groups: pl.DataFrame | None = None
) -> pl.DataFrame:
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
        ``date, [group,] n, ic, rank_ic`` sorted by date; ``ic``/``rank_ic`` null for dates with
        fewer than 3 pairs or zero variance.
    """
    keys = ["date"]
    sig = signal
    if groups is not None:
        on = ["date", "asset"] if "date" in groups.columns else ["asset"]
        sig = signal.join(groups.select(*on, "group"), on=on, how="inner")
        keys = ["date", "group"]
    pairs = paired(sig, fwd, by=keys[1:])
    x, y = pl.col("value"), pl.col("fwd_ret")
    ok = (pl.len() >= MIN_PAIRS) & (x.std() > 0) & (y.std() > 0)  # ranks vary iff the values do
    out = pairs.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("n"),
        _corr(x, y).alias("ic"),
        # Spearman: Pearson on average-tie ranks within the group (polars ranks with "average").
        pl.when(ok).then(pl.corr(x, y, method="spearman")).otherwise(None).alias("rank_ic"),
    )
    # Dates where the signal exists but no pair survives still appear, with n = 0 and null IC.
    all_keys = sig.select(keys).unique()
    out = all_keys.join(out, on=keys, how="left").with_columns(pl.col("n").fill_null(0))
    return out.with_columns(pl.col("ic", "rank_ic").cast(pl.Float64)).sort(keys)


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
    n_null = int(ic.is_null().sum() + ic.is_nan().fill_null(False).sum())
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
    """Pooled share of pairs where sign(value) == sign(fwd_ret) (zeros count as disagreement)."""
    pairs = paired(signal, fwd).filter((pl.col("value") != 0) & (pl.col("fwd_ret") != 0))
    if pairs.is_empty():
        return None
    return float(pairs.select((pl.col("value").sign() == pl.col("fwd_ret").sign()).mean()).item())


def ic_decay(
    signal: pl.DataFrame, prices: pl.DataFrame, *, horizons: Sequence[int] = DEFAULT_HORIZONS
) -> pl.DataFrame:
    """Mean IC and rank IC by horizon: ``h, mean_ic, mean_rank_ic, n_dates, n_null``.

    Each horizon uses :func:`forward_returns` on the price calendar; means over non-null dates.
    """
    fwd = forward_returns(prices, horizons)
    rows = []
    for h in horizons:
        per_date = ic_by_date(signal, fwd.filter(pl.col("h") == h))
        rows.append(
            {
                "h": h,
                "mean_ic": per_date["ic"].mean(),
                "mean_rank_ic": per_date["rank_ic"].mean(),
                "n_dates": int(per_date["ic"].is_not_null().sum()),
                "n_null": int(per_date["ic"].is_null().sum()),
            }
        )
    schema = {
        "h": pl.Int64,
        "mean_ic": pl.Float64,
        "mean_rank_ic": pl.Float64,
        "n_dates": pl.Int64,
        "n_null": pl.Int64,
    }
    return pl.DataFrame(rows, schema=schema)
