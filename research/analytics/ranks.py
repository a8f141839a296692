"""Row-wise average-tie ranks of a float matrix (numpy; pure): the sort at the heart of rank IC,
buckets and rank autocorrelation.

Ranks are within each row, 1 = lowest, average ties, over the finite cells only (``NaN`` elsewhere)
— scipy's ``rankdata(method="average")`` on each row's finite values.

How (the exact answer, faster than ``np.argsort``)
--------------------------------------------------
``np.argsort`` of float64 rows costs about three times ``np.sort`` (which is vectorised on AVX2 /
AVX-512). So the lowest :func:`index_bits` mantissa bits of each value are replaced by the cell's
column and the rows are sorted as floats with ``np.sort``: the low bits of the sorted keys are the
sort order. Keys keep the order of the values except among values that differ only in those bits
(relative gap < ~2e-12 for 4,400 columns, or of opposite order among negatives), which share a
truncated key and are therefore neighbours after the sort; every such pair is checked on the true
values: equal values are ties (averaged), and a pair out of order sends its row to an exact
``np.argsort``. ``-0.0`` becomes ``+0.0`` first and non-finite cells become the largest float
(sorted last). The result is exactly that of an argsort-based ranking (tested on ties, ±0,
denormals, ±inf and near-equal values).
"""

from __future__ import annotations

import numpy as np

_LAST = np.finfo(np.float64).max
_LAST_KEY = np.float64(_LAST).view(np.uint64)  # its bits: all mantissa bits set
_MAX_INDEX_BITS = 20  # wider rows: truncated keys would merge too many values; use argsort


def index_bits(cols: int) -> int:
    """Low key bits that hold the column index of a row of ``cols`` cells."""
    return max(1, (max(cols, 1) - 1).bit_length())


def _sort_order(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Per row: the cells' order by value (non-finite last), the rows holding a candidate tie
    (sorted neighbours whose truncated keys are equal), the count of finite cells, and whether
    every cell of the block is finite."""
    rows, cols = x.shape
    bits = index_bits(cols)
    low = np.uint64((1 << bits) - 1)
    buf = np.add(x, 0.0, dtype=np.float64)  # a fresh contiguous copy with -0.0 → +0.0 (equal values, equal keys)
    finite = np.isfinite(buf)
    complete = bool(finite.all())
    n_finite = np.full(rows, cols) if complete else finite.sum(axis=1)
    if not complete:  # non-finite cells sort last as the largest float (NaN would lose its column bits)
        buf[~finite] = _LAST
    key = buf.view(np.uint64)
    key &= ~low  # the float with its lowest mantissa bits replaced by the column: same order, merged near-ties
    key |= np.arange(cols, dtype=np.uint64)
    buf.sort(axis=1)  # a float sort (vectorised); NaN last
    gap = np.bitwise_xor(key[:, 1:], key[:, :-1])  # <= low: the same sign, exponent and leading mantissa
    exact = np.empty(0, dtype=np.intp)  # rows whose order an argsort must give
    if complete:
        check = np.flatnonzero(gap.min(axis=1, initial=np.iinfo(np.uint64).max) <= low)
    else:
        same = gap <= low
        same &= np.arange(1, cols) < n_finite[:, None]  # both neighbours finite
        # a finite value within 2^bits ulps of the largest float shares the sentinel's key and may
        # sort among the non-finite cells: such rows take the exact argsort
        edge = ((key[np.arange(rows), np.maximum(n_finite - 1, 0)] | low) == _LAST_KEY) & (n_finite > 0)
        check, exact = np.flatnonzero(same.any(axis=1) | edge), np.flatnonzero(edge)
    key &= low
    order = key.view(np.intp)
    if exact.size:
        order[exact] = np.argsort(np.where(np.isfinite(x[exact]), x[exact], np.nan), axis=1)
    return order, check, n_finite, complete


_TEMPLATES: dict[tuple[int, int], np.ndarray] = {}


def _template(rows: int, cols: int) -> np.ndarray:
    """Ranks ``1..cols`` on every row (read-only, cached per shape): the ranks of a complete block
    before ties are averaged."""
    out = _TEMPLATES.get((rows, cols))
    if out is None:
        out = np.tile(np.arange(1.0, cols + 1.0), (rows, 1))
        out.flags.writeable = False
        if len(_TEMPLATES) < 16:
            _TEMPLATES[(rows, cols)] = out
    return out


def row_ranks(x: np.ndarray) -> np.ndarray:
    """Average-tie ranks (1 = lowest) within each row over finite cells; NaN elsewhere.

    ``±inf`` cells are not ranked (as NaN): callers pass matrices whose non-finite cells are NaN.
    """
    rows, cols = x.shape
    if x.size == 0:
        return np.full(x.shape, np.nan)
    if index_bits(cols) > _MAX_INDEX_BITS:
        return _ranks_argsort(x)
    order, check, n_finite, complete = _sort_order(x)
    out = np.empty(x.shape)  # every cell is written below: ranks, or NaN past the finite ones
    pos = np.arange(cols)
    complete_no_ties = complete and not check.size
    avg = _template(rows, cols) if complete_no_ties else np.where(pos < n_finite[:, None], pos + 1.0, np.nan)
    if check.size:  # rows with ties or merged keys: exact values decide
        s = np.take_along_axis(x[check], order[check], axis=1)
        with np.errstate(invalid="ignore"):
            bad = (s[:, 1:] < s[:, :-1]).any(axis=1)
        if bad.any():
            rows_bad = check[bad]
            order[rows_bad] = np.argsort(np.where(np.isfinite(x[rows_bad]), x[rows_bad], np.nan), axis=1)
            s[bad] = np.take_along_axis(x[rows_bad], order[rows_bad], axis=1)
        s[~np.isfinite(s)] = np.nan
        avg[check] = _average_ties(s)
    order += (np.arange(rows) * cols)[:, None]  # flat positions: a 1-d scatter is cheaper than put_along_axis
    out.reshape(-1)[order.reshape(-1)] = avg.reshape(-1)
    return out


def _average_ties(s: np.ndarray) -> np.ndarray:
    """Ranks 1..n along each sorted row, averaged over runs of equal values; NaN stays NaN."""
    rows, cols = s.shape
    pos = np.broadcast_to(np.arange(cols), s.shape)
    avg = pos + 1.0
    tie = s[:, 1:] == s[:, :-1]
    if tie.any():
        start = np.ones(s.shape, dtype=bool)
        start[:, 1:] = ~tie
        first = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
        end = np.ones(s.shape, dtype=bool)
        end[:, :-1] = ~tie
        last = np.minimum.accumulate(np.where(end, pos, cols - 1)[:, ::-1], axis=1)[:, ::-1]
        avg = (first + last) / 2.0 + 1.0
    avg[np.isnan(s)] = np.nan
    return avg


def _ranks_argsort(x: np.ndarray) -> np.ndarray:
    """The reference: ``np.argsort`` per row, then :func:`_average_ties`."""
    out = np.full(x.shape, np.nan)
    if x.size == 0:
        return out
    clean = np.where(np.isfinite(x), x, np.nan)
    order = np.argsort(clean, axis=1)  # NaN sort last; the order among ties does not matter
    np.put_along_axis(out, order, _average_ties(np.take_along_axis(clean, order, axis=1)), axis=1)
    return out
