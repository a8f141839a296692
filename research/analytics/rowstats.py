"""Row-wise kernels of the alpha metrics over dense (dates × assets) matrices: the ONE
implementation of IC, rank IC, buckets, bucket returns, turnover and rank autocorrelation
(numpy, vectorised across dates; pure, no I/O). Axes and forward returns: :mod:`.dense`.

Conventions (identical to the module docstrings of ``ic`` and ``quantiles``)
---------------------------------------------------------------------------
* A cell enters a correlation only when both inputs are finite on that row.
* Pearson per row with two-pass centred moments; ``NaN`` (reported as null) when fewer than
  :data:`MIN_PAIRS` pairs or when either side is constant on the row (min == max).
* Ranks: within row, average ties, 1 = lowest, over the finite cells only (:mod:`.ranks`).
* Spearman = Pearson on the ranks of the paired sample. On rows where every cell pairs, it is
  computed from exact sums: average-tie ranks are multiples of 1/2, so ``Σ rx·ry``, ``Σ r²`` and
  ``n (n+1)² / 4`` are exact in float64 (below 2^50 for any row under ~100,000 cells) and the
  only rounding is the final division.
* Buckets: ``ceil(rank * q / n)`` clipped to 1..q; rows with fewer than ``q`` values get none.

Every kernel works on blocks of rows (:func:`research.analytics.dense.row_blocks`); results do not
depend on the blocking. :func:`sheet_arrays` runs every horizon of a tear sheet in ONE pass over
the signal's row blocks, with forward returns computed per block (no full matrix per horizon).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from research.analytics.dense import Forward, row_blocks
from research.analytics.ranks import row_ranks as _ranks

MIN_PAIRS = 3


def row_ranks(x: np.ndarray) -> np.ndarray:
    """Average-tie ranks (1 = lowest) within each row over finite cells; NaN elsewhere."""
    out = np.empty(x.shape)

    def work(rows: slice) -> None:
        out[rows] = _ranks(x[rows])

    row_blocks(x.shape[0], work)
    return out


@dataclass(frozen=True)
class _Centred:
    """One side of :func:`_pearson` on a block whose cells are all finite, reused across horizons;
    with the side's ranks, also ``Σ r² - n (n+1)² / 4`` of :func:`_rank_pearson` (``rank_ss``)."""

    d: np.ndarray  # x minus its row mean
    ss: np.ndarray  # Σ d² per row
    varies: np.ndarray
    rank_ss: np.ndarray | None = None
    buckets: np.ndarray | None = None  # :func:`_buckets` of the ranks (every cell ranked)


def _rank_offset(n: int) -> float:
    return n * (n + 1) ** 2 / 4.0  # n · mean², mean = (n + 1) / 2


def _centred(x: np.ndarray, ranks: np.ndarray | None = None, q: int | None = None) -> _Centred | None:
    if not np.isfinite(x).all():
        return None
    d = x - x.sum(axis=1, keepdims=True) / max(x.shape[1], 1)
    rank_ss = None if ranks is None else np.einsum("ij,ij->i", ranks, ranks) - _rank_offset(x.shape[1])
    buckets = None if ranks is None or q is None else _buckets(ranks, q, complete=True)
    varies = _varies(x, np.ones(x.shape, dtype=bool), True)
    return _Centred(d, np.einsum("ij,ij->i", d, d), varies, rank_ss, buckets)


def _pearson(x: np.ndarray, y: np.ndarray, cx: _Centred | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-row Pearson over cells where both are finite, ``(corr, n)``: centred on the row means
    of the paired cells, then ``sum(dx dy) / sqrt(sum dx² sum dy²)``; "constant" = all paired
    values of a side equal. ``cx`` (:func:`_centred` of ``x``) is used when every cell of both
    sides is finite."""
    m = np.isfinite(x) & np.isfinite(y) if cx is None else np.isfinite(y)  # cx: x is all finite
    n = m.sum(axis=1)
    full = bool(m.all())
    if full and cx is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            dy = y - y.sum(axis=1, keepdims=True) / max(y.shape[1], 1)
            corr = np.einsum("ij,ij->i", cx.d, dy) / np.sqrt(cx.ss * np.einsum("ij,ij->i", dy, dy))
        varies = cx.varies & _varies(y, m, True)
        return np.where((n >= MIN_PAIRS) & varies, corr, np.nan), n
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


def _rank_pearson(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """Pearson of paired ranks (NaN in the same cells of both): exact sums on complete rows
    (see the module docstring), :func:`_pearson` on the others."""
    out = np.full(rx.shape[0], np.nan)
    complete = ~np.isnan(rx).any(axis=1)
    if complete.any():
        a, b = (rx, ry) if complete.all() else (rx[complete], ry[complete])
        n = a.shape[1]
        c = _rank_offset(n)
        sxy = np.einsum("ij,ij->i", a, b) - c
        sxx = np.einsum("ij,ij->i", a, a) - c
        syy = np.einsum("ij,ij->i", b, b) - c
        with np.errstate(invalid="ignore", divide="ignore"):
            out[complete] = np.where((n >= MIN_PAIRS) & (sxx > 0) & (syy > 0), sxy / np.sqrt(sxx * syy), np.nan)
    if not complete.all():
        rest = ~complete
        out[rest] = _pearson(rx[rest], ry[rest])[0]
    return out


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
        rx = x_ranks
        if redo.any():
            rx = x_ranks.copy()
            rx[redo] = _ranks(np.where(m[redo], x[redo], np.nan))
    masked_y = (m != fy).any(axis=1)
    if masked_y.any():
        y = y.copy()
        y[masked_y] = np.where(m[masked_y], y[masked_y], np.nan)
    return rx, _ranks(y)


def _buckets(r: np.ndarray, q: int, *, complete: bool = False) -> np.ndarray:
    """Bucket 1..q of each rank (0: unranked, or a row with fewer than q ranks); ``complete``:
    every cell of ``r`` is ranked (the same numbers, computed in place without masks)."""
    if complete:
        if r.shape[1] < q:
            return np.zeros(r.shape, dtype=np.int64)
        b = r * q
        b /= r.shape[1]
        np.ceil(b, out=b)
        np.clip(b, 1, q, out=b)
        return b.astype(np.int64)
    n = np.isfinite(r).sum(axis=1)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.clip(np.ceil(r * q / n), 1, q)
    return np.where(np.isfinite(b) & (n >= q), b, 0).astype(np.int64)


def bucket_means(b: np.ndarray, y: np.ndarray, q: int, *, complete: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per row and bucket: mean of ``y`` over members with finite ``y`` and their count (``(rows, q)``);
    ``complete``: every cell is in a bucket (``b > 0``) and every ``y`` is finite (no masks)."""
    rows = b.shape[0]
    spill = rows * q  # non-members and missing returns go to one extra bin, dropped below
    if complete:
        idx = (b + (np.arange(rows)[:, None] * q - 1)).ravel()
    else:
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


@dataclass(frozen=True)
class HorizonArrays:
    """Per signal date of one horizon: pair count, IC, rank IC; with buckets: bucket means/counts;
    ``sign_hits`` / ``sign_pairs``: pairs with sign(signal) == sign(return), pairs with no zero."""

    n: np.ndarray
    ic: np.ndarray
    rank_ic: np.ndarray
    bucket_mean: np.ndarray | None = None
    bucket_count: np.ndarray | None = None
    sign_hits: np.ndarray | None = None
    sign_pairs: np.ndarray | None = None


def _empty(rows: int, q: int | None, signs: bool) -> HorizonArrays:
    return HorizonArrays(
        np.empty(rows, dtype=np.int64), np.empty(rows), np.empty(rows),
        np.empty((rows, q)) if q else None, np.empty((rows, q), dtype=np.int64) if q else None,
        np.empty(rows, dtype=np.int64) if signs else None, np.empty(rows, dtype=np.int64) if signs else None,
    )  # fmt: skip


def _fill(
    out: HorizonArrays,
    sl: slice,
    x: np.ndarray,
    y: np.ndarray,
    rx: np.ndarray | None,
    q: int | None,
    cx: _Centred | None = None,
) -> None:
    """Every per-row metric of one block of one horizon into ``out`` (rows ``sl``)."""
    if cx is not None and rx is not None and cx.rank_ss is not None and np.isfinite(y).all():
        _fill_complete(out, sl, x, y, rx, q, cx)
        return
    out.ic[sl], out.n[sl] = _pearson(x, y, cx)
    px, py = _paired_ranks(x, y, rx)
    out.rank_ic[sl] = _rank_pearson(px, py)
    if out.sign_hits is not None and out.sign_pairs is not None:
        out.sign_hits[sl], out.sign_pairs[sl] = sign_counts(x, y)
    if q is not None:
        out.bucket_mean[sl], out.bucket_count[sl] = bucket_means(  # type: ignore[index]
            _buckets(px, q), np.where(np.isfinite(px), y, np.nan), q
        )


def _fill_complete(
    out: HorizonArrays, sl: slice, x: np.ndarray, y: np.ndarray, rx: np.ndarray, q: int | None, cx: _Centred
) -> None:
    """:func:`_fill` of a block where every cell of both sides is finite: the same arithmetic as
    the general path (so the same numbers), without its masks; the signal side's centred values,
    ranks and rank sum of squares (``cx``) are shared by every horizon."""
    cols = y.shape[1]
    dy = y - y.sum(axis=1, keepdims=True) / max(cols, 1)
    ry = _ranks(y)
    c = _rank_offset(cols)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.einsum("ij,ij->i", cx.d, dy) / np.sqrt(cx.ss * np.einsum("ij,ij->i", dy, dy))
        sxy = np.einsum("ij,ij->i", rx, ry) - c
        syy = np.einsum("ij,ij->i", ry, ry) - c  # exact: 0 exactly when every y of the row is equal
        rank_ic = sxy / np.sqrt(cx.rank_ss * syy)
    varies = cx.varies & (syy > 0)  # the y side of "not constant", without a max/min pass
    enough = cols >= MIN_PAIRS
    out.n[sl] = cols
    out.ic[sl] = np.where(enough & varies, corr, np.nan)
    out.rank_ic[sl] = np.where(enough & (cx.rank_ss > 0) & (syy > 0), rank_ic, np.nan)  # type: ignore[operator]
    if out.sign_hits is not None and out.sign_pairs is not None:
        out.sign_hits[sl], out.sign_pairs[sl] = sign_counts(x, y)
    if q is not None:
        assert cx.buckets is not None  # sheet_arrays centres the signal with its q
        every = cols >= q  # else no cell is in a bucket
        out.bucket_mean[sl], out.bucket_count[sl] = bucket_means(cx.buckets, y, q, complete=every)  # type: ignore[index]


def sign_counts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: pairs with sign(x) == sign(y), and pairs where both are finite and non-zero."""
    with np.errstate(invalid="ignore"):
        sx, sy = np.sign(x), np.sign(y)  # NaN where missing: NaN == NaN is False, NaN != 0 is True
        nonzero = (sx != 0) & (sy != 0) & np.isfinite(sx) & np.isfinite(sy)
    return (nonzero & (sx == sy)).sum(axis=1), nonzero.sum(axis=1)


def pooled_share(hits: np.ndarray, pairs: np.ndarray) -> float | None:
    """``Σ hits / Σ pairs`` over all rows (None when there is no pair): the pooled sign agreement."""
    total = int(pairs.sum())
    return int(hits.sum()) / total if total else None


def horizon_arrays(
    signal: np.ndarray,
    fwd: np.ndarray,
    *,
    signal_ranks: np.ndarray | None = None,
    q: int | None = None,
    signs: bool = False,
) -> HorizonArrays:
    """IC, rank IC (with ``signs`` the sign-agreement counts, with ``q`` the bucket mean returns formed on the paired
    sample) per row. ``signal_ranks`` (:func:`row_ranks` of ``signal``) saves re-ranking rows
    where every finite signal cell has a finite forward return."""
    out = _empty(signal.shape[0], q, signs)

    def work(sl: slice) -> None:
        _fill(out, sl, signal[sl], fwd[sl], None if signal_ranks is None else signal_ranks[sl], q)

    row_blocks(signal.shape[0], work)
    return out


@dataclass(frozen=True)
class LagArrays:
    """Per signal date, against the previous one (NaN on the first): ``turnover[b]`` the membership
    turnover of bucket ``b`` (:func:`membership_turnover`), ``autocorrelation`` the Pearson
    correlation of the two dates' signal ranks over the assets ranked on both."""

    turnover: dict[int, np.ndarray]
    autocorrelation: np.ndarray


def _lag_block(
    prev: np.ndarray | None, rx: np.ndarray, q: int, buckets: Collection[int], bx: np.ndarray | None
) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """:class:`LagArrays` rows of one block from its ranks ``rx`` (and their buckets ``bx`` when
    known) and the ranks of the row before it (``prev``; None for the first block): the same
    row-wise kernels as on the whole matrix."""
    ext = rx if prev is None else np.vstack([prev, rx])
    skip = 0 if prev is None else 1
    turnover = {}
    if buckets:  # membership of every bucket asked for, from one bucketing of the block
        if bx is None:  # an incomplete block: bucket its ranks with the row before
            b = _buckets(ext, q)
        elif prev is None:
            b = bx
        else:
            b = np.vstack([_buckets(prev, q), bx])
        turnover = {k: membership_turnover(b, k, 1)[skip:] for k in buckets}
    autocorrelation = np.full(ext.shape[0], np.nan)
    if ext.shape[0] > 1:
        autocorrelation[1:] = _pearson(ext[1:], ext[:-1])[0]
    return turnover, autocorrelation[skip:]


def sheet_arrays(
    signal: np.ndarray,
    fwd: Forward,
    horizons: Sequence[int],
    *,
    buckets_for: Collection[int],
    q: int,
    signs: bool = False,
    turnover_buckets: Collection[int] = (),
) -> tuple[LagArrays, dict[int, HorizonArrays]]:
    """The signal's date-to-date statistics (:class:`LagArrays`, turnover of ``turnover_buckets``)
    and :func:`horizon_arrays` of every horizon (bucket returns for the horizons in
    ``buckets_for``) in one pass over row blocks: each block is ranked and centred once (plus the
    row before it, for the lag-1 statistics), and its forward returns are computed per horizon by
    ``fwd.block`` while it is in cache. No full matrix of ranks or forward returns is held."""
    if q < 2:
        raise ValueError("q must be at least 2")
    rows = signal.shape[0]
    lags = LagArrays({k: np.empty(rows) for k in turnover_buckets}, np.empty(rows))
    out = {int(h): _empty(rows, q if h in buckets_for else None, signs) for h in horizons}

    def work(sl: slice) -> None:
        x = signal[sl]
        rx = _ranks(x)
        cx = _centred(x, rx, q)
        prev = _ranks(signal[sl.start - 1 : sl.start]) if sl.start > 0 else None
        bx = None if cx is None else cx.buckets
        turnover, lags.autocorrelation[sl] = _lag_block(prev, rx, q, turnover_buckets, bx)
        for k, values in turnover.items():
            lags.turnover[k][sl] = values
        for h, arrays in out.items():
            _fill(arrays, sl, x, fwd.block(h, sl), rx, q if h in buckets_for else None, cx)

    row_blocks(rows, work)
    return lags, out


def nanmean(x: np.ndarray) -> float | None:
    """Mean of the finite entries, None when there are none."""
    v = x[np.isfinite(x)]
    return float(v.mean()) if v.size else None
