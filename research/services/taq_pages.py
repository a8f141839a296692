"""Data of the microstructure and TAQ pages, read from the Tier 1 datasets (no writes)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from quant import calendars
from research.analytics.microstructure.estimate import QueryEstimate, estimate_query
from research.analytics.microstructure.har import VARIANTS, har_evaluate, har_fit
from research.analytics.microstructure.vpin import bucket_vpin
from warehouse.readers.taq import taq_coverage, taq_rows

HAR_MIN_TRAIN = 30  # sessions before the first out-of-sample HAR forecast on the page
VPIN_DAYS = 5
VPIN_WINDOW = 50
VPIN_BUCKETS_PER_DAY = 50


def _vol_pct(values: pl.Series) -> list[float | None]:
    """Daily variance -> daily volatility in percent (sqrt), None where missing."""
    return [None if v is None or not math.isfinite(v) or v < 0 else round(100 * math.sqrt(v), 4) for v in values]


def _bps(values: pl.Series) -> list[float | None]:
    return [None if v is None or not math.isfinite(v) else round(1e4 * v, 3) for v in values]


def taq_symbols() -> pl.DataFrame:
    """Per symbol: sessions, last date and last-day RV (for the index page)."""
    daily = taq_rows("taq_daily")
    if daily.is_empty():
        return pl.DataFrame(schema={"symbol": pl.Utf8, "sessions": pl.UInt32, "last": pl.Date, "rv": pl.Float64})
    return (
        daily.sort("date")
        .group_by("symbol")
        .agg(sessions=pl.len(), last=pl.col("date").last(), rv=pl.col("rv").last())
        .with_columns(vol=(pl.col("rv").sqrt() * 100))
        .sort("symbol")
    )


def har_models(rv: np.ndarray, bpv: np.ndarray) -> tuple[np.ndarray, list[dict[str, object]]]:
    """HAR, log HAR and HAR-J (J = max(RV - BPV, 0)): in-sample fit and out-of-sample accuracy from
    HAR_MIN_TRAIN sessions (RMSE also in (%/day)², daily variance x 1e4); with the HAR forecasts."""
    jumps = np.maximum(rv - bpv, 0.0)
    log_ok = bool(np.all(rv > 0))
    specs = {"har": ("HAR", False, None), "log_har": ("log HAR", True, None), "har_j": ("HAR-J", False, jumps)}
    rows: list[dict[str, object]] = []
    forecasts = np.full(len(rv), np.nan)
    for variant in VARIANTS:
        label, log, j = specs[variant]
        if log and not log_ok:
            continue
        fit = har_fit(rv, log=log, jumps=j)
        path, acc = har_evaluate(rv, min_train=HAR_MIN_TRAIN, log=log, jumps=j)
        if variant == "har":
            forecasts = path
        rows.append({"variant": variant, "label": label, "r2": fit.r2, "n_fit": fit.n,
                     "rmse_pct2": 1e4 * acc.rmse, "mz_alpha_pct2": 1e4 * acc.mz_alpha, **acc.as_dict()})  # fmt: skip
    return forecasts, rows


def microstructure_page(symbol: str) -> dict[str, object] | None:
    """Charts and tables of one symbol; None when Tier 1 has no rows for it."""
    daily = taq_rows("taq_daily", symbol=symbol)
    if daily.is_empty():
        return None
    rv = daily["rv"].to_numpy()
    enough = len(rv) > HAR_MIN_TRAIN + 2
    forecast, models = har_models(rv, daily["bpv"].to_numpy()) if enough else (np.full(len(rv), np.nan), [])
    fit = har_fit(rv).as_dict() if models else None
    intraday = (
        taq_rows("taq_intraday", symbol=symbol)
        .group_by("bucket")
        .agg(
            pl.col("volume_share").mean(), pl.col("abs_ret").mean(), pl.col("rel_spread").mean(), pl.col("depth").mean()
        )
        .sort("bucket")
    )
    bars = taq_rows("taq_bars_1m", symbol=symbol)
    last_days = bars["date"].unique().sort().tail(VPIN_DAYS)
    recent = bars.filter(pl.col("date").is_in(last_days.implode()))
    # volume clock: the 1-minute bars regrouped into VPIN_BUCKETS_PER_DAY equal-volume buckets a day
    bucket = float(recent["volume"].sum()) / max(last_days.len(), 1) / VPIN_BUCKETS_PER_DAY
    as_trades = recent.select("ts", "symbol", pl.col("close").alias("price"), pl.col("volume").alias("size"))
    vb = bucket_vpin(as_trades, bucket_volume=max(bucket, 1.0), window=VPIN_WINDOW)
    charts = {
        "dates": [d.isoformat() for d in daily["date"]],
        "rv": _vol_pct(daily["rv"]),
        "bpv": _vol_pct(daily["bpv"]),
        "medrv": _vol_pct(daily["medrv"]),
        "rk": _vol_pct(daily["rk"]),
        "jump": _vol_pct(daily["jump_var"].map_elements(lambda x: x if x > 0 else None, return_dtype=pl.Float64)),
        "har": _vol_pct(pl.Series(forecast).fill_nan(None)),
        "buckets": intraday["bucket"].to_list(),
        "volume_share": [round(100 * x, 3) for x in intraday["volume_share"]],
        "abs_ret": _bps(intraday["abs_ret"]),
        "intraday_spread": _bps(intraday["rel_spread"]),
        "intraday_depth": [round(x, 2) if x is not None else None for x in intraday["depth"]],
        "quoted": _bps(daily["quoted_spread"]),
        "effective": _bps(daily["effective_spread"]),
        "realized": _bps(daily["realized_spread"]),
        "roll": _bps(daily["roll_spread"]),
        "cs": _bps(daily["cs_spread"]),
        "depth": [None if x is None else round(x, 2) for x in daily["depth"]],
        "vpin_times": [t.strftime("%m-%d %H:%M") for t in vb["ts"]],
        "vpin": [None if x is None else round(float(x), 4) for x in vb["vpin"]],
    }
    last = daily.row(-1, named=True)
    for key in ("quoted_spread", "effective_spread", "realized_spread", "roll_spread", "cs_spread"):
        value = last[key]
        last[f"{key}_bps"] = None if value is None else 1e4 * value
    return {"symbol": symbol, "charts": charts, "har": fit, "last": last, "jumps": int(daily["jump"].sum()),
            "sessions": daily.height, "har_models": models, "har_min_train": HAR_MIN_TRAIN,
            "vpin_window": VPIN_WINDOW, "vpin_days": VPIN_DAYS, "vpin_buckets": VPIN_BUCKETS_PER_DAY}  # fmt: skip


def taq_page() -> dict[str, object]:
    from django.conf import settings

    from research.selectors import taq_sync_jobs
    from research.services.taq_sync import taq_sync_status

    coverage = taq_coverage()
    return {
        "coverage": coverage.to_dicts(),
        "symbols": taq_symbols()["symbol"].to_list(),
        "syncs": taq_sync_status(settings.DATA_DIR / "taq" / "sync"),
        "sync_jobs": list(taq_sync_jobs()),
    }


def taq_estimate(*, symbols: list[str], start: dt.date, end: dt.date) -> QueryEstimate:
    """Estimated Tier 2 rows for symbols x NYSE sessions in [start, end], from Tier 1 daily counts."""
    if end < start:
        raise ValueError("end is before start")
    sessions = calendars.sessions(start, end).len()
    return estimate_query(taq_rows("taq_daily"), symbols=symbols, sessions=sessions)
