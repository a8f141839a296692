"""Dense (dates × assets) core of the alpha metrics: the ONE implementation of IC, rank IC,
buckets, turnover and rank autocorrelation (numpy, vectorised across dates; pure, no I/O).

The long-format functions of :mod:`research.analytics.ic`, :mod:`research.analytics.quantiles`
and :mod:`research.analytics.tearsheet` pivot their inputs once with :func:`pivot` into aligned
float64 matrices (rows = sorted unique dates, columns = sorted unique assets, ``NaN`` = missing
or non-finite) and call the row-wise kernels below.

Conventions (identical to the module docstrings of ``ic`` and ``quantiles``)
---------------------------------------------------------------------------
* A cell enters a correlation only when both inputs are finite on that row.
* Pearson per row with two-pass centred moments; ``NaN`` (reported as null) when fewer than
  :data:`MIN_PAIRS` pairs or when either side is constant on the row (min == max).
* Ranks: within row, average ties, 1 = lowest, over the finite cells only (``NaN`` elsewhere).
* Spearman = Pearson on the ranks of the paired sample.
* Buckets: ``ceil(rank * q / n)`` clipped to 1..q; rows with fewer than ``q`` values get none.
* Forward returns: ``P[i + h] / P[i] - 1`` on the price matrix's own row calendar; ``NaN`` for
  the last ``h`` rows and where either price is missing or non-positive.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

MIN_PAIRS = 3
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
    d, a = axis(frame["date"]), axis(frame["asset"])
    vals = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return Matrix(d.values, a.values, fill(d.codes, a.codes, vals, (d.values.len(), a.values.len())))


def align(frame: pl.DataFrame, column: str, dates: pl.Series, assets: pl.Series) -> np.ndarray:
    """Long ``date, asset, <column>`` placed on given date/asset axes; rows off the axes are dropped."""
    r, c = positions(frame["date"], dates), positions(frame["asset"], assets)
    keep = (r >= 0) & (c >= 0)
    vals = frame[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return fill(r[keep], c[keep], vals[keep], (dates.len(), assets.len()))


def forward_return_matrix(prices: np.ndarray, h: int) -> np.ndarray:
    """``P[i + h, j] / P[i, j] - 1`` (NaN for the last ``h`` rows or a missing/non-positive price)."""
    out = np.full(prices.shape, np.nan)
    if h < prices.shape[0]:
        with np.errstate(invalid="ignore", divide="ignore"):
            p0, p1 = prices[:-h], prices[h:]
            ok = (p0 > 0) & (p1 > 0)
            out[:-h] = np.where(ok, p1 / np.where(ok, p0, 1.0) - 1.0, np.nan)
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


def row_ranks(x: np.ndarray) -> np.ndarray:
    """Average-tie ranks (1 = lowest) within each row over finite cells; NaN elsewhere."""
    out = np.empty(x.shape)

    def work(rows: slice) -> None:
        out[rows] = _ranks(x[rows])

    row_blocks(x.shape[0], work)
    return out


def _ranks(x: np.ndarray) -> np.ndarray:
    rows, cols = x.shape
    out = np.full(x.shape, np.nan)
    if x.size == 0:
        return out
    order = np.argsort(x, axis=1)  # NaN sort last; the order among ties does not matter
    s = np.take_along_axis(x, order, axis=1)
    avg = np.broadcast_to(np.arange(1.0, cols + 1.0), (rows, cols)).copy()
    tie = s[:, 1:] == s[:, :-1]
    tied = tie.any(axis=1)
    if tied.any():
        t, st = tie[tied], s[tied]
        pos = np.broadcast_to(np.arange(cols), st.shape)
        start = np.ones(st.shape, dtype=bool)
        start[:, 1:] = ~t
        first = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
        end = np.ones(st.shape, dtype=bool)
        end[:, :-1] = ~t
        last = np.minimum.accumulate(np.where(end, pos, cols - 1)[:, ::-1], axis=1)[:, ::-1]
        avg[tied] = (first + last) / 2.0 + 1.0
    avg[np.isnan(s)] = np.nan
    np.put_along_axis(out, order, avg, axis=1)
    return out


def row_pearson(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row Pearson over cells where both are finite: ``(corr, n)``; NaN when n < 3 or constant
    (see :func:`_pearson`)."""
    corr, n = np.empty(x.shape[0]), np.empty(x.shape[0], dtype=np.int64)

    def work(rows: slice) -> None:
        corr[rows], n[rows] = _pearson(x[rows], y[rows])

    row_blocks(x.shape[0], work)
    return corr, n


def _pearson(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Block kernel of :func:`row_pearson`.

    Two-pass: centred on the row means of the paired cells, then ``sum(dx dy) / sqrt(sum dx² sum dy²)``.
    "Constant" means all paired values of a side are equal (checked exactly with min == max).
    """
    m = np.isfinite(x) & np.isfinite(y)
    n = m.sum(axis=1)
    full = bool(m.all())
    xm = x if full else np.where(m, x, 0.0)
    ym = y if full else np.where(m, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        safe_n = np.maximum(n, 1)[:, None]
        dx = xm - xm.sum(axis=1, keepdims=True) / safe_n
        dy = ym - ym.sum(axis=1, keepdims=True) / safe_n
        if not full:
            dx[~m] = 0.0
            dy[~m] = 0.0
        sxy = np.einsum("ij,ij->i", dx, dy)
        corr = sxy / np.sqrt(np.einsum("ij,ij->i", dx, dx) * np.einsum("ij,ij->i", dy, dy))
    varies = _varies(xm, m, full) & _varies(ym, m, full)
    return np.where((n >= MIN_PAIRS) & varies, corr, np.nan), n


def _varies(x: np.ndarray, m: np.ndarray, full: bool) -> np.ndarray:
    """Rows whose masked values are not all equal (rows with < 2 values: False)."""
    if full:
        return x.max(axis=1, initial=-np.inf) > x.min(axis=1, initial=np.inf)
    hi = np.where(m, x, -np.inf).max(axis=1, initial=-np.inf)
    lo = np.where(m, x, np.inf).min(axis=1, initial=np.inf)
    return hi > lo


def _paired_ranks(x: np.ndarray, y: np.ndarray, x_ranks: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of ``x`` and ``y`` on the paired sample (cells where both are finite).

    ``x_ranks`` (ranks of ``x`` on its own finite cells) is reused on rows where pairing drops
    nothing from ``x``; other rows are re-ranked. Likewise ``y`` is copied only where pairing
    drops some of its cells.
    """
    fx, fy = np.isfinite(x), np.isfinite(y)
    m = fx & fy
    if x_ranks is None:
        rx = _ranks(np.where(m, x, np.nan))
    else:
        redo = (m != fx).any(axis=1)
        rx = x_ranks.copy()
        if redo.any():
            rx[redo] = _ranks(np.where(m[redo], x[redo], np.nan))
    masked_y = (m != fy).any(axis=1)
    if masked_y.any():
        y = y.copy()
        y[masked_y] = np.where(m[masked_y], y[masked_y], np.nan)
    return rx, _ranks(y)


def buckets(ranks: np.ndarray, q: int) -> np.ndarray:
    """Bucket 1..q per cell from within-row ranks (0 = no bucket: missing or row with < q values)."""
    if q < 2:
        raise ValueError("q must be at least 2")
    out = np.empty(ranks.shape, dtype=np.int64)

    def work(rows: slice) -> None:
        r = ranks[rows]
        n = np.isfinite(r).sum(axis=1)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            b = np.clip(np.ceil(r * q / n), 1, q)
        out[rows] = np.where(np.isfinite(b) & (n >= q), b, 0)

    row_blocks(ranks.shape[0], work)
    return out


def bucket_means(b: np.ndarray, y: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row and bucket: mean of ``y`` over members with finite ``y`` and their count (``(rows, q)``)."""
    rows = b.shape[0]
    spill = rows * q  # non-members and missing returns go to one extra bin, dropped below
    idx = np.where((b > 0) & np.isfinite(y), np.arange(rows)[:, None] * q + b - 1, spill).ravel()
    counts = np.bincount(idx, minlength=spill + 1)[:-1].reshape(rows, q)
    sums = np.bincount(idx, weights=y.ravel(), minlength=spill + 1)[:-1].reshape(rows, q)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    return means, counts.astype(np.int64)


def membership_turnover(b: np.ndarray, bucket: int, lag: int = 1) -> np.ndarray:
    """``1 - |S_t ∩ S_{t-lag}| / |S_t|`` per row (NaN for the first ``lag`` rows or empty S_t / S_{t-lag})."""
    s = b == bucket
    out = np.full(b.shape[0], np.nan)
    if b.shape[0] > lag:
        size, prev = s[lag:].sum(axis=1), s[:-lag].sum(axis=1)
        kept = (s[lag:] & s[:-lag]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lag:] = np.where((size > 0) & (prev > 0), 1.0 - kept / size, np.nan)
    return out


def lagged_pearson(r: np.ndarray, lag: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per row t: Pearson of row t and row t - lag over cells finite on both, and that cell count
    (NaN / 0 for the first ``lag`` rows)."""
    out, n = np.full(r.shape[0], np.nan), np.zeros(r.shape[0], dtype=np.int64)
    if r.shape[0] > lag:
        out[lag:], n[lag:] = row_pearson(r[lag:], r[:-lag])
    return out, n


def nanmean(x: np.ndarray) -> float | None:
    """Mean of the finite entries, None when there are none."""
    v = x[np.isfinite(x)]
    return float(v.mean()) if v.size else None


def horizons_matrix(prices: Matrix, horizons: Sequence[int]) -> dict[int, np.ndarray]:
    """Forward-return matrices per horizon on the price calendar."""
    if any(h < 1 for h in horizons):
        raise ValueError("horizons must be positive integers")
    return {int(h): forward_return_matrix(prices.values, int(h)) for h in horizons}


def reindex(m: Matrix, dates: pl.Series, assets: pl.Series) -> np.ndarray:
    """``m.values`` re-laid on other date/asset axes (NaN where ``m`` has no such date or asset)."""
    r, c = positions(dates, m.dates), positions(assets, m.assets)
    out = np.full((dates.len(), assets.len()), np.nan)
    rr, cc = np.nonzero(r >= 0)[0], np.nonzero(c >= 0)[0]
    if rr.size and cc.size:
        out[np.ix_(rr, cc)] = m.values[np.ix_(r[rr], c[cc])]
    return out


@dataclass(frozen=True)
class HorizonArrays:
    """Per signal date of one horizon: pair count, IC, rank IC; with buckets: bucket means/counts."""

    n: np.ndarray
    ic: np.ndarray
    rank_ic: np.ndarray
    bucket_mean: np.ndarray | None = None
    bucket_count: np.ndarray | None = None


def horizon_arrays(
    signal: np.ndarray, fwd: np.ndarray, *, signal_ranks: np.ndarray | None = None, q: int | None = None
) -> HorizonArrays:
    """IC, rank IC (and with ``q`` the bucket mean returns formed on the paired sample) per row.

    ``signal_ranks`` (:func:`row_ranks` of ``signal``) saves re-ranking rows where every finite
    signal cell has a finite forward return.
    """
    rows = signal.shape[0]
    n, ic, rank_ic = np.empty(rows, dtype=np.int64), np.empty(rows), np.empty(rows)
    means = np.empty((rows, q)) if q is not None else None
    counts = np.empty((rows, q), dtype=np.int64) if q is not None else None

    def work(sl: slice) -> None:
        x, y = signal[sl], fwd[sl]
        ic[sl], n[sl] = _pearson(x, y)
        rx, ry = _paired_ranks(x, y, None if signal_ranks is None else signal_ranks[sl])
        rank_ic[sl] = _pearson(rx, ry)[0]
        if q is not None:
            means[sl], counts[sl] = bucket_means(buckets(rx, q), np.where(np.isfinite(rx), y, np.nan), q)  # type: ignore[index]

    row_blocks(rows, work)
    return HorizonArrays(n, ic, rank_ic, means, counts)



def reindex_forward_returns(prices: Matrix, h: int, dates: pl.Series, assets: pl.Series) -> np.ndarray:
    """:func:`forward_return_matrix` of ``prices`` taken at ``dates`` x ``assets`` only.

    Dates absent from the price calendar, and assets absent from the price file, get NaN.
    """
    if h < 1:
        raise ValueError("horizons must be positive integers")
    r, c = positions(dates, prices.dates), positions(assets, prices.assets)
    out = np.full((dates.len(), assets.len()), np.nan)
    rr = np.nonzero((r >= 0) & (r + h < prices.dates.len()))[0]
    cc = np.nonzero(c >= 0)[0]
    if not (rr.size and cc.size):
        return out
    src_rows, src_cols = r[rr], c[cc]
    all_cols = cc.size == assets.len() == prices.assets.len() and bool((src_cols == np.arange(cc.size)).all())
    # consecutive source and target rows: row blocks are views, not copies
    contiguous = bool((np.diff(src_rows) == 1).all() and (np.diff(rr) == 1).all())

    def work(block: slice) -> None:
        if contiguous:
            lo, hi = int(src_rows[0]) + block.start, int(src_rows[0]) + block.stop
            p0, p1 = prices.values[lo:hi], prices.values[lo + h : hi + h]
        else:
            rows = src_rows[block]
            p0, p1 = prices.values[rows], prices.values[rows + h]
        if not all_cols:
            p0, p1 = p0[:, src_cols], p1[:, src_cols]
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = (p0 > 0) & (p1 > 0)
            fwd = np.where(ok, p1 / np.where(ok, p0, 1.0) - 1.0, np.nan)
        if all_cols and contiguous:
            out[int(rr[0]) + block.start : int(rr[0]) + block.stop] = fwd
        elif all_cols:
            out[rr[block]] = fwd
        else:
            out[np.ix_(rr[block], cc)] = fwd

    row_blocks(rr.size, work)
    return out
