"""The previous long-format (polars group-by) implementation of the alpha metrics, kept ONLY as
the reference the dense product code (research.analytics.dense) is tested against to 1e-12.

Verbatim copy of research/analytics/ic.py and quantiles.py before the dense rewrite, except that
``quantile_returns`` returns a plain tuple ``(by_date, mean, long_short, long_short_mean)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

MIN_PAIRS = 3


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


def sign_agreement(signal: pl.DataFrame, fwd: pl.DataFrame) -> float | None:
    """Pooled share of pairs where sign(value) == sign(fwd_ret) (zeros count as disagreement)."""
    pairs = paired(signal, fwd).filter((pl.col("value") != 0) & (pl.col("fwd_ret") != 0))
    if pairs.is_empty():
        return None
    return float(pairs.select((pl.col("value").sign() == pl.col("fwd_ret").sign()).mean()).item())


def assign_quantiles(signal: pl.DataFrame, q: int) -> pl.DataFrame:
    """``date, asset, value, quantile`` (Int64 1..q) for dates with at least ``q`` valid values."""
    if q < 2:
        raise ValueError("q must be at least 2")
    valid = signal.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    n = pl.len().over("date")
    rank = pl.col("value").rank("average").over("date")
    return (
        valid.filter(n >= q)
        .with_columns((rank * q / n).ceil().clip(1, q).cast(pl.Int64).alias("quantile"))
        .select("date", "asset", "value", "quantile")
        .sort("date", "asset")
    )


def quantile_returns(signal: pl.DataFrame, fwd: pl.DataFrame, q: int) -> tuple:
    """Mean forward return per signal bucket and the top-minus-bottom spread.

    Buckets are formed on the (date, asset) pairs where both signal and forward return exist,
    so every bucket's return uses the same assets as the IC.
    """
    pairs = paired(signal, fwd)
    buckets = assign_quantiles(pairs.select("date", "asset", "value"), q).join(
        pairs.select("date", "asset", "fwd_ret"), on=["date", "asset"]
    )
    by_date = (
        buckets.group_by("date", "quantile")
        .agg(pl.col("fwd_ret").mean().alias("mean_ret"), pl.len().cast(pl.Int64).alias("n"))
        .sort("date", "quantile")
    )
    mean = (
        by_date.group_by("quantile")
        .agg(pl.col("mean_ret").mean(), pl.len().cast(pl.Int64).alias("n_dates"))
        .sort("quantile")
    )
    wide = by_date.filter(pl.col("quantile").is_in([1, q])).pivot(on="quantile", index="date", values="mean_ret")
    if {"1", str(q)} <= set(wide.columns):
        long_short = wide.select("date", (pl.col(str(q)) - pl.col("1")).alias("long_short")).drop_nulls()
    else:
        long_short = pl.DataFrame(schema={"date": pl.Date, "long_short": pl.Float64})
    ls_mean = long_short["long_short"].mean() if long_short.height else None
    return by_date, mean, long_short.sort("date"), ls_mean


def quantile_turnover(signal: pl.DataFrame, q: int, *, bucket: int) -> pl.DataFrame:
    """Membership turnover of one bucket between consecutive signal dates.

    ``turnover_t = 1 - |S_t ∩ S_{t-1}| / |S_t|`` where ``S_t`` is the set of assets in ``bucket``
    on the t-th signal date (the previous date is the previous date of the signal file, not a
    calendar day). The first date has no turnover. Returns ``date, turnover``.
    """
    members = assign_quantiles(signal, q).filter(pl.col("quantile") == bucket).select("date", "asset")
    dates = signal.select(pl.col("date").unique().sort()).with_row_index("idx")
    members = members.join(dates, on="date")
    previous = members.select((pl.col("idx") + 1).alias("idx"), "asset", pl.lit(True).alias("kept"))
    joined = members.join(previous, on=["idx", "asset"], how="left")
    counts = joined.group_by("date", "idx").agg(
        pl.len().alias("size"), pl.col("kept").fill_null(False).sum().alias("kept")
    )
    has_previous = counts.join(members.select((pl.col("idx") + 1).alias("idx")).unique(), on="idx", how="semi")
    return has_previous.select("date", (1.0 - pl.col("kept") / pl.col("size")).alias("turnover")).sort("date")


def rank_autocorrelation(signal: pl.DataFrame, *, lag: int = 1) -> pl.DataFrame:
    """Cross-sectional rank autocorrelation of the signal at ``lag`` signal dates.

    Per date t: Pearson correlation of the assets' within-date ranks (average ties) at t and at
    t - lag, over assets present (non-null) on both dates; null when fewer than 3 assets or zero
    variance. Ranks are computed on each date's full cross-section. Returns ``date, autocorr``.
    """
    valid = signal.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    dates = signal.select(pl.col("date").unique().sort()).with_row_index("idx")
    ranked = valid.join(dates, on="date").with_columns(pl.col("value").rank("average").over("date").alias("r"))
    lagged = ranked.select((pl.col("idx") + lag).alias("idx"), "asset", pl.col("r").alias("r_lag"))
    both = ranked.join(lagged, on=["idx", "asset"], how="inner")
    ok = (pl.len() >= 3) & (pl.col("r").std() > 0) & (pl.col("r_lag").std() > 0)
    return (
        both.group_by("date")
        .agg(pl.when(ok).then(pl.corr("r", "r_lag")).otherwise(None).cast(pl.Float64).alias("autocorr"))
        .sort("date")
    )
