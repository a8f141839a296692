"""Vectorised average-cost accounting of many fills at once (pure polars/numpy, no Django).

Gives, per symbol, what :func:`quant.trading.ledger.fill_effect` applied row by row in file order
gives: quantity, cost basis, realized P&L (net of fees), trade cash and fees. Money is carried
as int64 integers of 1e-8 dollars, so quantities, trade cash and fees are **exact** and equal to
the row path; every traded amount is ``round8(|q| * p)`` with banker's rounding, like the ledger
(computed exactly by splitting the factors into whole and fractional parts).

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

UNIT = 10**8
"""Integer units per dollar or share (the stored 8 decimals)."""


def to_units(expr: pl.Expr) -> pl.Expr:
    """A Decimal(38, 8) column as Int64 units of 1e-8 (values below 9.2e10)."""
    return (expr * UNIT).cast(pl.Int64)


def mul_round8_np(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``round8(a * b)`` in int64 units for non-negative int64 unit arrays, exact as long as the
    result fits int64 (|a * b| < 9.2e10 dollars): the factors are split into whole and fraction."""
    a_whole, a_frac = np.divmod(a, UNIT)
    b_whole, b_frac = np.divmod(b, UNIT)
    low_whole, rest = np.divmod(a_frac * b_frac, UNIT)
    whole = a_whole * b_whole * UNIT + a_whole * b_frac + a_frac * b_whole + low_whole
    half = UNIT // 2
    return whole + ((rest > half) | ((rest == half) & (whole % 2 == 1)))


START, ADD, CLOSE, REDUCE, FLIP = 0, 1, 2, 3, 4


def dense_codes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 of integer ``keys`` in order of first appearance, and the row of each code's
    first appearance (hash-based: no sort of the million rows)."""
    frame = pl.DataFrame({"key": keys}).with_row_index("row")
    first = frame.group_by("key", maintain_order=True).agg(pl.col("row").first()).with_row_index("code")
    codes = frame.join(first.select("key", "code"), on="key", how="left", maintain_order="left")["code"]
    return codes.to_numpy().astype(np.int64), first["row"].to_numpy()


def _codes(symbols: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Dense integer codes of ``symbols`` and the symbol of each code."""
    codes, first = dense_codes(symbols.cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy())
    return codes, symbols.gather(first)


def positions_from_fills(fills: pl.DataFrame, start: pl.DataFrame | None = None) -> pl.DataFrame:
    """Fold ``fills`` (file order) into positions.

    Parameters
    ----------
    fills
        ``symbol`` (str), ``qty`` (integer units of 1e-8 shares, signed: buy > 0), ``price`` and
        ``fees`` (integer units of 1e-8 dollars, price > 0, fees >= 0).
    start
        Optional opening state: ``symbol``, ``qty``, ``basis``, ``realized`` (integer units).

    Returns
    -------
    One row per symbol: ``symbol``, ``qty``, ``basis``, ``realized``, ``cash`` (trade cash of
    the fills, signed), ``fees``, ``n_fills`` — Int64 units of 1e-8 shares or dollars. Every
    traded amount must stay below 9.2e10 dollars (int64 units); the caller checks.
    """
    n0 = 0 if start is None else start.height
    parts = [fills["symbol"]] if start is None else [start["symbol"], fills["symbol"]]
    codes, names = _codes(pl.concat(parts))

    def col(fill_col: str | None, start_col: str | None) -> np.ndarray:
        tail = fills[fill_col].cast(pl.Int64).to_numpy() if fill_col else np.zeros(fills.height, np.int64)
        if start is None or not n0:
            return tail
        head = start[start_col].cast(pl.Int64).to_numpy() if start_col else np.zeros(n0, np.int64)
        return np.concatenate([head, tail])

    qty, price, fees = col("qty", "qty"), col("price", None), col("fees", None)
    basis0, realized0 = col(None, "basis"), col(None, "realized")
    real = np.r_[np.zeros(n0, bool), np.ones(fills.height, bool)]
    small = codes.astype(np.int16 if len(codes) and codes.max() < 2**15 else np.int32)
    order = np.argsort(small, kind="stable")  # by symbol, file order kept inside a symbol (radix sort)
    codes, qty, price, fees, real = codes[order], qty[order], price[order], fees[order], real[order]
    basis0, realized0 = basis0[order], realized0[order]
    n = len(codes)
    first = np.r_[True, codes[1:] != codes[:-1]] if n else np.zeros(0, bool)
    group_start = np.flatnonzero(first)
    cum = np.cumsum(qty)
    before_group = np.r_[0, cum[:-1]][group_start]
    pos = cum - np.repeat(before_group, np.diff(np.r_[group_start, n]))
    prev = pos - qty
    sign_q = np.where(qty > 0, 1, -1)
    amount = mul_round8_np(np.abs(qty), price)
    kind = np.select(
        [~real, (prev == 0) | ((prev > 0) == (qty > 0)), pos == 0, (pos > 0) == (prev > 0)],
        [START, ADD, CLOSE, REDUCE], FLIP,
    )  # fmt: skip
    b = np.select([kind == START, kind == ADD], [basis0, sign_q * amount], 0)
    flips = np.flatnonzero(kind == FLIP)
    b[flips] = sign_q[flips] * (amount[flips] - mul_round8_np(np.abs(prev[flips]), price[flips]))
    cash = np.where(real, -sign_q * amount, 0)
    reset = first | (kind == CLOSE) | (kind == FLIP)
    segment = np.cumsum(reset)
    log_ratio = np.zeros(n)
    reducing = kind == REDUCE
    log_ratio[reducing] = np.log(np.abs(pos[reducing]) / np.abs(prev[reducing]))
    # only the last segment of each symbol holds basis at the end; scale each b by the later releases
    group = np.cumsum(first) - 1
    group_end = np.r_[group_start[1:], n] - 1
    in_last = segment == segment[group_end][group]
    tail = pl.DataFrame({"g": group[in_last], "seg": segment[in_last], "lr": log_ratio[in_last],
                         "b": b[in_last].astype(np.float64)})  # fmt: skip
    tail = tail.with_columns(after=pl.col("lr").shift(-1, fill_value=0.0).over("seg"))
    tail = tail.with_columns(factor=pl.col("after").cum_sum(reverse=True).over("seg").exp())
    basis_f = np.zeros(len(group_start))
    np.add.at(basis_f, tail["g"].to_numpy(), (tail["b"] * tail["factor"]).to_numpy())
    sums = {name: np.add.reduceat(arr, group_start) if n else arr[:0]
            for name, arr in (("qty", qty), ("cash", cash), ("fees", fees), ("basis0", basis0),
                              ("realized0", realized0), ("n_fills", real.astype(np.int64)))}  # fmt: skip
    basis = np.where(sums["qty"] == 0, 0, np.rint(basis_f).astype(np.int64))
    # the ledger invariant: realized - basis == realized0 - basis0 + cash - fees
    realized = sums["realized0"] - sums["basis0"] + sums["cash"] - sums["fees"] + basis
    out = pl.DataFrame({"symbol": names.gather(codes[group_start]), "qty": sums["qty"], "basis": basis,
                        "realized": realized, **{k: sums[k] for k in ("cash", "fees", "n_fills")}})  # fmt: skip
    return out.sort("symbol")
