"""yfinance: DEVELOPMENT-ONLY daily prices with a Parquet cache, a request cap and a CRSP reconciliation.

Yahoo data has no survivorship or delisting handling (dead tickers vanish, delisting returns are
absent), adjusted closes are rewritten retroactively after every dividend and split, and tickers are
reused. It is never a research source: `ensure_development_allowed` refuses it under production
settings, and every use logs `DEV_WARNING` (commands print it too).

Every yfinance call receives ``session=`` (tests pass a ``requests.Session`` whose adapter sends
Yahoo URLs to a loopback server; yfinance 1.x accepts curl_cffi or requests sessions) and the
yfinance cookie/timezone caches live under ``<DATA_DIR>/cache/yfinance/_yf`` instead of ``~/.cache``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from quant.io import atomic_write
from warehouse.sources.limits import RateLimiter

logger = logging.getLogger("quantdesk.sources.yahoo")

DEV_WARNING = (
    "yfinance is DEVELOPMENT data: no survivorship or delisting handling (delisted tickers and delisting "
    "returns are missing), adjusted prices are revised retroactively and tickers are reused. Do not use it "
    "for research results or production."
)
BAR_SCHEMA = pl.Schema({
    "symbol": pl.Utf8(), "date": pl.Date(), "open": pl.Float64(), "high": pl.Float64(), "low": pl.Float64(),
    "close": pl.Float64(), "adj_close": pl.Float64(), "volume": pl.Float64(), "dividends": pl.Float64(),
    "splits": pl.Float64(),
})  # fmt: skip
_YF_COLUMNS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Adj Close": "adj_close",
               "Volume": "volume", "Dividends": "dividends", "Stock Splits": "splits"}  # fmt: skip


class YFinanceRefused(ImproperlyConfigured):
    """yfinance was asked for under production settings."""


def is_production() -> bool:
    """DEBUG off and the production settings module (as configured, or named by DJANGO_SETTINGS_MODULE)."""
    modules = (getattr(settings, "SETTINGS_MODULE", None) or "", os.environ.get("DJANGO_SETTINGS_MODULE", ""))
    return not settings.DEBUG and any(m.rsplit(".", 1)[-1] == "production" for m in modules)


def ensure_development_allowed() -> None:
    """Raise `YFinanceRefused` under production settings (DEBUG off and the production settings module)."""
    if is_production():
        raise YFinanceRefused(
            "yfinance is a development-only data source (no survivorship or delisting handling) and is "
            "disabled under production settings; use the CRSP warehouse (DATA_PROVIDER=crsp)."
        )


def cache_dir() -> Path:
    return Path(settings.DATA_DIR) / "cache" / "yfinance"


def default_session() -> Any:
    """``settings.YFINANCE_SESSION_FACTORY`` (dotted path) if set, else None (yfinance's own curl_cffi session)."""
    factory = getattr(settings, "YFINANCE_SESSION_FACTORY", "")
    if not factory:
        return None
    from django.utils.module_loading import import_string

    return import_string(factory)()


@dataclass
class YahooClient:
    """Fetches daily bars per symbol through yfinance, caching each (symbol, start, end) as Parquet."""

    session: Any = field(default_factory=default_session)
    cache: Path = field(default_factory=cache_dir)
    limiter: RateLimiter | None = None
    requests: int = 0

    def __post_init__(self) -> None:
        ensure_development_allowed()
        logger.warning(DEV_WARNING)
        import yfinance as yf

        if self.limiter is None:
            self.limiter = RateLimiter(int(getattr(settings, "YFINANCE_REQUESTS_PER_MINUTE", 30)))
        (self.cache / "_yf").mkdir(parents=True, exist_ok=True)
        yf.set_tz_cache_location(str(self.cache / "_yf"))

    def _path(self, symbol: str, start: dt.date, end: dt.date) -> Path:
        return self.cache / symbol.upper() / f"{start:%Y%m%d}_{end:%Y%m%d}.parquet"

    def _download(self, symbol: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        import yfinance as yf

        assert self.limiter is not None
        self.limiter.acquire()
        self.requests += 1
        return yf.download(
            symbol, start=start.isoformat(), end=(end + dt.timedelta(days=1)).isoformat(), session=self.session,
            multi_level_index=False, auto_adjust=False, actions=True, progress=False, threads=False,
        )  # fmt: skip

    def history(self, symbol: str, start: dt.date, end: dt.date) -> pl.DataFrame:
        """Daily bars of ``symbol`` in [start, end] (inclusive); empty frame when Yahoo has none."""
        path = self._path(symbol, start, end)
        if path.is_file():
            return pl.read_parquet(path)
        raw = self._download(symbol, start, end)
        if raw is None or raw.empty:
            return pl.DataFrame(schema=BAR_SCHEMA)
        frame = raw.rename(columns=_YF_COLUMNS)
        frame = frame.assign(date=[ts.date() for ts in frame.index], symbol=symbol.upper())
        for column in BAR_SCHEMA:
            if column not in frame.columns:
                frame[column] = 0.0 if column in ("dividends", "splits") else float("nan")
        out = pl.from_pandas(frame[list(BAR_SCHEMA)].reset_index(drop=True), nan_to_null=True)
        out = out.cast(BAR_SCHEMA).filter(pl.col("close").is_not_null()).sort("date")  # Yahoo's empty bars
        atomic_write(path, out.write_parquet)
        return out

    def bars(self, symbols: list[str], start: dt.date, end: dt.date) -> tuple[pl.DataFrame, dict[str, str]]:
        """Bars of every symbol with data, and the symbols without (symbol -> reason)."""
        frames, missing = [], {}
        for symbol in symbols:
            frame = self.history(symbol, start, end)
            if frame.height:
                frames.append(frame)
            else:
                missing[symbol.upper()] = "no data from Yahoo (unknown, delisted or renamed ticker)"
        out = pl.concat(frames) if frames else pl.DataFrame(schema=BAR_SCHEMA)
        return out, missing


def returns_from_bars(bars: pl.DataFrame) -> pl.DataFrame:
    """Daily total return per symbol from the dividend- and split-adjusted close: adj_t / adj_{t-1} - 1.

    The first day of each symbol has no return (null). Decimal returns (0.01 = 1 %).
    """
    out = bars.sort("symbol", "date").with_columns(
        ret=(pl.col("adj_close") / pl.col("adj_close").shift(1).over("symbol") - 1.0)
    )
    return out.select("symbol", "date", "ret")


@dataclass(frozen=True)
class Reconciliation:
    """Per symbol: matched permno, overlapping days, days beyond tolerance; and the differing rows."""

    summary: pl.DataFrame  # symbol, permno, overlap_days, differing_days, max_abs_diff
    differences: pl.DataFrame  # symbol, permno, date, yahoo_ret, crsp_ret, diff
    unmatched: list[str]
    tolerance: float


def reconcile(
    yahoo: pl.DataFrame, crsp: pl.DataFrame, permnos: dict[str, int | None], *, tolerance: float = 0.0005
) -> Reconciliation:
    """Compare Yahoo daily returns with CRSP's on the days both have a return.

    ``yahoo``: symbol, date, ret; ``crsp``: permno, date, ret (decimals); ``permnos``: symbol → CRSP
    permno as of the period (None when CRSP has no such ticker). A day differs when
    ``|yahoo - crsp| > tolerance`` (absolute, in return units). Days missing on either side are not
    compared (they are counted by ``overlap_days``).
    """
    links = pl.DataFrame(
        {"symbol": list(permnos), "permno": list(permnos.values())}, schema={"symbol": pl.Utf8, "permno": pl.Int64}
    )
    unmatched = sorted(s for s, p in permnos.items() if p is None)
    joined = (
        yahoo.rename({"ret": "yahoo_ret"})
        .join(links.drop_nulls(), on="symbol", how="inner")
        .join(crsp.select("permno", "date", pl.col("ret").alias("crsp_ret")), on=["permno", "date"], how="inner")
        .drop_nulls(["yahoo_ret", "crsp_ret"])
        .with_columns(diff=pl.col("yahoo_ret") - pl.col("crsp_ret"))
    )
    differences = joined.filter(pl.col("diff").abs() > tolerance).sort("symbol", "date")
    summary = (
        links.drop_nulls()
        .join(
            joined.group_by("symbol").agg(
                overlap_days=pl.len(),
                differing_days=(pl.col("diff").abs() > tolerance).sum(),
                max_abs_diff=pl.col("diff").abs().max(),
            ),
            on="symbol",
            how="left",
        )  # fmt: skip
        .with_columns(pl.col("overlap_days", "differing_days").fill_null(0).cast(pl.Int64))
        .sort("symbol")
    )
    columns = ["symbol", "permno", "date", "yahoo_ret", "crsp_ret", "diff"]
    return Reconciliation(summary, differences.select(columns), unmatched, tolerance)
