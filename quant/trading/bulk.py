"""Vectorised average-cost accounting of many fills at once (pure polars/numpy, no Django).

Gives, per symbol, what :func:`quant.trading.ledger.fill_effect` applied row by row in file order
gives: quantity, cost basis, realized P&L (net of fees), trade cash and fees. Money is carried
as integers of 1e-8 dollars (``Int128``), so quantities, trade cash and fees are **exact** and
equal to the row path; every traded amount is ``round8(|q| * p)`` with banker's rounding, like
the ledger.

The cost basis is a linear recurrence (adds: ``B += b``; partial closes: ``B *= |Q_after| /
|Q_before|``; a close or flip restarts it), evaluated in float64 in log space per segment:
``B_final = sum_s b_s * exp(L_end - L_s)``. The row path rounds each release to 8 decimals, so
the basis (and the realized P&L derived from it through the ledger invariant
``realized - basis = cash - fees``) may differ from it by at most about ``5e-9`` dollars per
partial close — floats enter only there. The identities of the stored book stay exact because
realized is derived from the stored (rounded) basis.
"""

from __future__ import annotations

import numpy as np
import polars as pl

ZERO = pl.lit(0, pl.Int128)
UNIT = 10**8
"""Integer units per dollar or share (the stored 8 decimals)."""


def to_units(expr: pl.Expr) -> pl.Expr:
    """A Decimal(38, 8) column as Int128 units of 1e-8."""
    return (expr * UNIT).cast(pl.Int128)


def mul_round8(a_units: pl.Expr, b_units: pl.Expr) -> pl.Expr:
    """``round8(a * b)`` in units for non-negative unit columns (banker's rounding, exact)."""
    product = a_units * b_units
    whole, rest = product // UNIT, product % UNIT
    half = UNIT // 2
    up = (rest > half) | ((rest == half) & (whole % 2 == 1))
    return whole + up.cast(pl.Int128)


def positions_from_fills(fills: pl.DataFrame, start: pl.DataFrame | None = None) -> pl.DataFrame:
    """Fold ``fills`` (file order) into positions.

    Parameters
    ----------
    fills
        ``symbol`` (str), ``qty`` (Int128 units, signed: buy > 0), ``price`` and ``fees`` (Int128
        units, price > 0, fees >= 0).
    start
        Optional opening state: ``symbol``, ``qty``, ``basis``, ``realized`` (Int128 units).

    Returns
    -------
    One row per symbol: ``symbol``, ``qty``, ``basis``, ``realized``, ``cash`` (trade cash of
    the fills, signed), ``fees``, ``n_fills`` — money and shares in Int128 units of 1e-8.
    """
    rows = fills.select("symbol", "qty", "price", "fees").with_columns(
        pl.lit(0, pl.Int128).alias("basis0"), pl.lit(0, pl.Int128).alias("realized0"), pl.lit(1).alias("real")
    )
    if start is not None and start.height:
        opening = start.select(
            "symbol", "qty", pl.lit(0, pl.Int128).alias("price"), pl.lit(0, pl.Int128).alias("fees"),
            pl.col("basis").alias("basis0"), pl.col("realized").alias("realized0"), pl.lit(0).alias("real"),
        )  # fmt: skip
        rows = pl.concat([opening, rows.select(opening.columns)], how="vertical_relaxed")
    rows = rows.with_columns(pl.col("qty", "price", "fees", "basis0", "realized0").cast(pl.Int128))
    rows = rows.sort("symbol", maintain_order=True)
    q = pl.col("qty")
    rows = rows.with_columns(pos=q.cum_sum().over("symbol")).with_columns(prev=pl.col("pos") - q)
    prev, pos = pl.col("prev"), pl.col("pos")
    same = (prev == 0) | ((prev > 0) == (q > 0))
    amount = mul_round8(q.abs(), pl.col("price"))
    closed_amount = mul_round8(prev.abs(), pl.col("price"))
    sign_q = pl.when(q > 0).then(1).otherwise(-1).cast(pl.Int128)
    rows = rows.with_columns(
        amount=amount,
        kind=pl.when(pl.col("real") == 0).then(pl.lit("start"))
        .when(same).then(pl.lit("add"))
        .when(pos == 0).then(pl.lit("close"))
        .when((pos > 0) == (prev > 0)).then(pl.lit("reduce"))
        .otherwise(pl.lit("flip")),
    ).with_columns(
        b=pl.when(pl.col("kind") == "start").then(pl.col("basis0"))
        .when(pl.col("kind") == "add").then(sign_q * pl.col("amount"))
        .when(pl.col("kind") == "flip").then(sign_q * (pl.col("amount") - closed_amount))
        .otherwise(pl.lit(0, pl.Int128)),
        cash=pl.when(pl.col("real") == 1).then(ZERO - sign_q * pl.col("amount")).otherwise(ZERO),
    )  # fmt: skip
    kind = rows["kind"].to_numpy()
    symbol_start = np.r_[True, rows["symbol"].to_numpy()[1:] != rows["symbol"].to_numpy()[:-1]]
    reset = symbol_start | (kind == "close") | (kind == "flip")
    segment = np.cumsum(reset)
    ratio = np.ones(len(kind))
    reducing = kind == "reduce"
    pos_f, prev_f = rows["pos"].cast(pl.Float64).to_numpy(), rows["prev"].cast(pl.Float64).to_numpy()
    ratio[reducing] = np.abs(pos_f[reducing]) / np.abs(prev_f[reducing])
    log_ratio = np.where(reset, 0.0, np.log(ratio))
    frame = rows.with_columns(
        seg=pl.Series(segment), lr=pl.Series(log_ratio), b_f=pl.col("b").cast(pl.Float64)
    ).with_columns(L=pl.col("lr").cum_sum().over("seg"))
    # B_final: the last segment of each symbol, each b scaled by the releases after it
    last = frame.group_by("symbol", maintain_order=True).agg(pl.col("seg").last().alias("last_seg"))
    frame = frame.join(last, on="symbol").filter(pl.col("seg") == pl.col("last_seg"))
    basis = frame.group_by("symbol").agg(
        basis=((pl.col("b_f") * (pl.col("L").last() - pl.col("L")).exp()).sum()).round(0).cast(pl.Int128)
    )
    totals = rows.group_by("symbol").agg(
        qty=pl.col("qty").sum(), cash=pl.col("cash").sum(), fees=pl.col("fees").sum(),
        basis0=pl.col("basis0").sum(), realized0=pl.col("realized0").sum(), n_fills=pl.col("real").sum(),
    )  # fmt: skip
    out = totals.join(basis, on="symbol", how="left").with_columns(pl.col("basis").fill_null(0))
    out = out.with_columns(basis=pl.when(pl.col("qty") == 0).then(pl.lit(0, pl.Int128)).otherwise(pl.col("basis")))
    # the ledger invariant: realized - basis == realized0 - basis0 + cash - fees
    out = out.with_columns(
        realized=pl.col("realized0") - pl.col("basis0") + pl.col("cash") - pl.col("fees") + pl.col("basis")
    )
    return out.select("symbol", "qty", "basis", "realized", "cash", "fees", "n_fills").sort("symbol")
