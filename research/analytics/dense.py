"""Dense (dates × assets) layout of the alpha metrics: axes, pivots and forward returns
(numpy; pure, no I/O). The row-wise metric kernels are in :mod:`research.analytics.rowstats`.

The long-format functions of :mod:`research.analytics.ic`, :mod:`research.analytics.quantiles`,
:mod:`research.analytics.tearsheet` and :mod:`research.analytics.report` pivot their inputs once
with :func:`pivot` into aligned float64 matrices (rows = sorted unique dates, columns = sorted
unique assets, ``NaN`` = missing or non-finite).

Forward returns: ``P[i + h] / P[i] - 1`` on the price matrix's own row calendar; ``NaN`` for the
last ``h`` rows and where either price is missing or non-positive. :class:`PriceForward` computes
them block by block at a signal's dates and assets, so a tear sheet never holds one full matrix
per horizon.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl

BLOCK_ROWS = 64  # rows per block of the row-wise kernels
WORKERS = min(2, os.cpu_count() or 1)  # the benchmark target is a 2-core box
_LUT_MAX_SPAN = 50_000_000  # integer keys spanning more than this are coded by binary search


@dataclass(frozen=True)
class Axis:
    """Sorted unique keys of one axis (``values``) and each input row's position in it (``codes``)."""

    values: pl.Series
    codes: np.ndarray


def axis(keys: pl.Series) -> Axis:
    """Code a key column against its sorted unique values (dates, integer or string assets)."""
    if keys.dtype.is_integer() or keys.dtype in (pl.Date, pl.Datetime):
        raw = keys.to_physical().cast(pl.Int64).to_numpy()
        if raw.size and not keys.has_nulls():
            lo, hi = int(raw.min()), int(raw.max())
            if hi - lo < _LUT_MAX_SPAN:  # presence table: sorted uniques and codes in O(n), no hashing
                present = np.zeros(hi - lo + 1, dtype=bool)
                present[raw - lo] = True
                u = np.flatnonzero(present) + lo
                lut = np.cumsum(present) - 1
                uniq = pl.Series(keys.name, u).cast(keys.to_physical().dtype).cast(keys.dtype)
                return Axis(uniq, lut[raw - lo])
    uniq = keys.unique().sort()
    if keys.dtype.is_integer() or keys.dtype in (pl.Date, pl.Datetime):
        raw = keys.to_physical().cast(pl.Int64).to_numpy()
        return Axis(uniq, np.searchsorted(uniq.to_physical().cast(pl.Int64).to_numpy(), raw))
    index = pl.DataFrame({"k": uniq, "i": np.arange(uniq.len(), dtype=np.int64)})
    codes = pl.DataFrame({"k": keys}).join(index, on="k", how="left", maintain_order="left")["i"]
    return Axis(uniq, codes.to_numpy())


def positions(keys: pl.Series, on: pl.Series) -> np.ndarray:
    """Position of each of ``keys`` in the sorted unique axis ``on`` (-1 when absent)."""
    if keys.dtype != on.dtype:
        keys = keys.cast(on.dtype)
    frame = pl.DataFrame({"k": on, "i": np.arange(on.len(), dtype=np.int64)})
    found = pl.DataFrame({"k": keys}).join(frame, on="k", how="left", maintain_order="left")["i"]
    return found.fill_null(-1).to_numpy()


def fill(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Scatter ``values`` into a NaN matrix; non-finite values stay NaN; duplicate cells raise."""
    flat = rows * shape[1] + cols
    vals = np.asarray(values, dtype=np.float64)
    if flat.size == shape[0] * shape[1] and np.array_equal(flat, np.arange(flat.size)):
        out = vals.copy()  # already a complete grid in (date, asset) order
    else:
        increasing = flat.size < 2 or bool((flat[1:] > flat[:-1]).all())
        if not increasing and np.bincount(flat, minlength=shape[0] * shape[1]).max(initial=0) > 1:
            raise ValueError("duplicate (date, asset) rows: each (date, asset) must appear once")
        out = np.full(shape[0] * shape[1], np.nan)
        out[flat] = vals
    out[~np.isfinite(out)] = np.nan
    return out.reshape(shape)


@dataclass(frozen=True)
class Matrix:
    """A dense panel: ``values[i, j]`` for ``dates[i]``, ``assets[j]`` (NaN = missing)."""

    dates: pl.Series
    assets: pl.Series
    values: np.ndarray


def pivot(frame: pl.DataFrame, column: str) -> Matrix:
    """Long ``date, asset, <column>`` → :class:`Matrix` over the frame's own dates and assets.

    Every date present in the frame gets a row, even when all of its values are null.
    """
    grid = sorted_grid(frame["date"], frame["asset"])
    if grid is not None:  # already every (date, asset) once, in order: a reshape, no scatter
        return Matrix(*grid, grid_values(frame, column, grid))
    d, a = axis(frame["date"]), axis(frame["asset"])
    vals = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return Matrix(d.values, a.values, fill(d.codes, a.codes, vals, (d.values.len(), a.values.len())))


def pivots(*frames: tuple[pl.DataFrame, str]) -> list[Matrix]:
    """:func:`pivot` of several ``(frame, column)`` at once, on up to :data:`WORKERS` threads
    (polars and numpy release the GIL in the conversions and checks)."""
    if WORKERS < 2 or len(frames) < 2:
        return [pivot(frame, column) for frame, column in frames]
    with ThreadPoolExecutor(min(WORKERS, len(frames))) as pool:
        return list(pool.map(lambda fc: pivot(*fc), frames))


def grid_values(frame: pl.DataFrame, column: str, grid: tuple[pl.Series, pl.Series]) -> np.ndarray:
    """``column`` of a frame whose rows are the complete panel ``grid`` (:func:`sorted_grid`), as
    the (dates × assets) matrix; non-finite values become NaN."""
    vals = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy().reshape(grid[0].len(), grid[1].len())
    return np.where(np.isfinite(vals), vals, np.nan)


def sorted_grid(dates: pl.Series, assets: pl.Series) -> tuple[pl.Series, pl.Series] | None:
    """The (dates, assets) axes when the rows are sorted by (date, asset) and hold every pair
    exactly once (a complete panel, the usual shape of a file written from a matrix); else None.

    Checked in a few vectorised passes: the first date's block fixes the asset row, every block
    repeats it, block dates are constant within and strictly increasing across blocks.
    """
    n = dates.len()
    temporal = dates.dtype in (pl.Date, pl.Datetime) or dates.dtype.is_integer()
    if n == 0 or not temporal or not assets.dtype.is_integer() or dates.has_nulls() or assets.has_nulls():
        return None
    dr, ar = dates.to_physical().to_numpy(), assets.to_numpy()
    width = int(np.searchsorted(dr, dr[0], side="right"))  # meaningful only if sorted: verified below
    if width == 0 or n % width:
        return None
    d2, a2 = dr.reshape(n // width, width), ar.reshape(n // width, width)
    firsts, row = d2[:, 0], a2[0]
    if not ((np.diff(firsts) > 0).all() and (np.diff(row) > 0).all()):
        return None
    if not ((d2 == firsts[:, None]).all() and (a2 == row).all()):
        return None
    axis_dates = pl.Series(dates.name, firsts).cast(dates.to_physical().dtype).cast(dates.dtype)
    return axis_dates, assets.head(width)


def align(frame: pl.DataFrame, column: str, dates: pl.Series, assets: pl.Series) -> np.ndarray:
    """Long ``date, asset, <column>`` placed on given date/asset axes; rows off the axes are dropped."""
    grid = sorted_grid(frame["date"], frame["asset"])
    if grid is not None and grid[0].equals(dates) and grid[1].equals(assets):  # same complete panel: a reshape
        return grid_values(frame, column, grid)
    r, c = positions(frame["date"], dates), positions(frame["asset"], assets)
    keep = (r >= 0) & (c >= 0)
    vals = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return fill(r[keep], c[keep], vals[keep], (dates.len(), assets.len()))


def _simple_return(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """``p1 / p0 - 1`` where both prices are positive, NaN elsewhere."""
    if p0.size and p0.min() > 0 and p1.min() > 0:  # NaN fails the test: every price positive and known
        out = np.divide(p1, p0)
        out -= 1.0
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (p0 > 0) & (p1 > 0)
        return np.where(ok, p1 / np.where(ok, p0, 1.0) - 1.0, np.nan)


def forward_return_matrix(prices: np.ndarray, h: int) -> np.ndarray:
    """``P[i + h, j] / P[i, j] - 1`` (NaN for the last ``h`` rows or a missing/non-positive price)."""
    out = np.full(prices.shape, np.nan)
    if h < prices.shape[0]:
        out[:-h] = _simple_return(prices[:-h], prices[h:])
    return out


class Forward(Protocol):
    """Forward returns on a signal's (dates × assets) axes, handed out one row block at a time."""

    def block(self, h: int, rows: slice) -> np.ndarray:
        """Horizon-``h`` forward returns of the signal rows ``rows`` (all assets)."""
        ...

    def matrix(self, h: int) -> np.ndarray:
        """The whole horizon-``h`` matrix."""
        ...


@dataclass(frozen=True)
class MatrixForward:
    """:class:`Forward` over precomputed matrices (one per horizon, on the signal's axes)."""

    matrices: dict[int, np.ndarray]

    def block(self, h: int, rows: slice) -> np.ndarray:
        return self.matrices[h][rows]

    def matrix(self, h: int) -> np.ndarray:
        return self.matrices[h]


@dataclass(frozen=True)
class PriceForward:
    """:class:`Forward` computed from a price :class:`Matrix` at a signal's ``dates`` × ``assets``
    (:func:`forward_return_matrix` taken there). Dates absent from the price calendar, and assets
    absent from the prices, get NaN."""

    prices: Matrix
    rows: np.ndarray  # price row of each signal date (-1: absent)
    cols: np.ndarray  # price column of each signal asset (-1: absent)
    same_columns: bool  # the signal's assets are exactly the price columns, in order

    @classmethod
    def on(cls, prices: Matrix, dates: pl.Series, assets: pl.Series) -> PriceForward:
        cols = positions(assets, prices.assets)
        same = cols.size == prices.assets.len() and bool((cols == np.arange(cols.size)).all())
        return cls(prices, positions(dates, prices.dates), cols, same)

    def block(self, h: int, rows: slice) -> np.ndarray:
        if h < 1:
            raise ValueError("horizons must be positive integers")
        values, r = self.prices.values, self.rows[rows]
        valid = (r >= 0) & (r + h < values.shape[0])
        lo = int(r[0]) if r.size else 0
        if valid.all() and r.size and bool((r == np.arange(lo, lo + r.size)).all()):
            p0, p1 = values[lo : lo + r.size], values[lo + h : lo + h + r.size]  # views, no copy
        else:
            src = np.where(valid, r, 0)
            p0, p1 = values[src], values[np.where(valid, r + h, 0)]
        if not self.same_columns:
            c = np.maximum(self.cols, 0)
            p0, p1 = p0[:, c], p1[:, c]
        out = _simple_return(p0, p1)
        if not valid.all():
            out[~valid] = np.nan
        if not self.same_columns:
            out[:, self.cols < 0] = np.nan
        return out

    def matrix(self, h: int) -> np.ndarray:
        out = np.empty((self.rows.size, self.cols.size))

        def work(rows: slice) -> None:
            out[rows] = self.block(h, rows)

        row_blocks(self.rows.size, work)
        return out


def row_blocks(n_rows: int, work: Callable[[slice], None]) -> None:
    """Run ``work`` on consecutive row blocks of :data:`BLOCK_ROWS` rows, on up to
    :data:`WORKERS` threads (numpy releases the GIL in sorts and ufuncs; blocks also keep the
    working set in cache). Row-wise kernels give the same numbers whatever the blocking."""
    blocks = [slice(i, min(i + BLOCK_ROWS, n_rows)) for i in range(0, n_rows, BLOCK_ROWS)]
    if WORKERS < 2 or len(blocks) < 2:
        for block in blocks:
            work(block)
        return
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(work, blocks))
