"""Per-date IC through qlib (``qlib.contrib.eva.alpha.calc_ic``) with a local polars fallback.

pandas is used only inside this adapter, at the qlib boundary. Both backends apply the same
pairing and missing-value policy as :mod:`research.analytics.ic`: pairs where both the signal and
the forward return are present; dates with fewer than 3 pairs or zero variance get a null IC.
qlib's ``calc_ic`` groups by an index level named ``datetime``, so the frame is indexed
``(datetime, instrument)`` before the call. Importing qlib prints a gym banner to stderr
(harmless).
"""

from __future__ import annotations

import importlib.util
import warnings
from typing import Literal

import numpy as np
import polars as pl

from research.analytics.ic import MIN_PAIRS, ic_by_date, paired

Backend = Literal["auto", "qlib", "local"]


def qlib_available() -> bool:
    """True when pyqlib's evaluation module can be imported."""
    return importlib.util.find_spec("qlib") is not None


def qlib_ic(signal: pl.DataFrame, fwd: pl.DataFrame) -> pl.DataFrame:
    """Per-date ``date, n, ic, rank_ic`` through qlib's ``calc_ic`` (raises ImportError without qlib)."""
    from qlib.contrib.eva.alpha import calc_ic

    pairs = paired(signal, fwd)
    counts = pairs.group_by("date").agg(pl.len().cast(pl.Int64).alias("n"))
    frame = (
        pairs.select(pl.col("date").alias("datetime"), pl.col("asset").alias("instrument"), "value", "fwd_ret")
        .to_pandas()
        .set_index(["datetime", "instrument"])
    )
    if frame.empty:
        return ic_by_date(signal, fwd)
    # Dates with < 3 pairs or constant inputs are nulled below; silence numpy/scipy's warnings.
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        ic, ric = calc_ic(frame["value"], frame["fwd_ret"], date_col="datetime")
    result = pl.DataFrame(
        {
            "date": pl.Series(ic.index.to_numpy()).cast(pl.Date),
            "ic": pl.Series(ic.to_numpy(dtype=np.float64)),
            "rank_ic": pl.Series(ric.reindex(ic.index).to_numpy(dtype=np.float64)),
        }
    )
    all_dates = signal.select(pl.col("date").unique())
    out = (
        all_dates.join(counts, on="date", how="left")
        .join(result, on="date", how="left")
        .with_columns(pl.col("n").fill_null(0))
    )
    small = pl.col("n") < MIN_PAIRS
    return out.select(
        "date",
        "n",
        *[pl.when(small).then(None).otherwise(pl.col(c).fill_nan(None)).alias(c) for c in ("ic", "rank_ic")],
    ).sort("date")


def use_qlib(backend: Backend) -> bool:
    """Whether :func:`compute_ic` goes to qlib for ``backend`` (``ValueError`` for an unknown one)."""
    if backend not in ("auto", "qlib", "local"):
        raise ValueError(f"unknown backend {backend!r}; choose auto, qlib or local")
    return backend == "qlib" or (backend == "auto" and qlib_available())


def compute_ic(signal: pl.DataFrame, fwd: pl.DataFrame, *, backend: Backend = "auto") -> pl.DataFrame:
    """Per-date ``date, n, ic, rank_ic`` via qlib or the local polars implementation.

    ``backend="auto"`` uses qlib when importable, else local; ``"qlib"`` raises
    ``RuntimeError`` when qlib is missing or cannot be imported; ``"local"`` always uses
    :func:`research.analytics.ic.ic_by_date`.
    """
    if not use_qlib(backend):
        return ic_by_date(signal, fwd)
    if not qlib_available():
        raise RuntimeError("backend='qlib' requested but pyqlib is not installed")
    try:
        return qlib_ic(signal, fwd)
    except ImportError as exc:  # installed but broken (e.g. a missing optional dependency)
        if backend == "qlib":
            raise RuntimeError(f"pyqlib cannot be imported: {exc}") from exc
        return ic_by_date(signal, fwd)
