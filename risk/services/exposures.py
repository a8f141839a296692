"""Style-exposure panel built from the warehouse through the factor registry.

Convention (documented in docs/risk.md): exposures are **refreshed at each month-end session**
*d* and held for the returns of the sessions after *d* up to the next month end, the way the
demo generator (and most production monthly-refresh models) form them.

* Daily descriptors (``size``, ``momentum``, ``low_volatility``, ``beta``) come from
  ``research.analytics.factors.FACTORS`` evaluated on the daily CRSP panel of the securities that
  were ever common stock (shrcd 10/11) on NYSE/AMEX/NASDAQ; ``beta`` uses the cap-weighted market
  of that panel.
* Fundamentals (``value``, ``roe``) are point in time: ``warehouse.readers.fundamentals_asof(d,
  by="permno")`` (annual reports public six months after the fiscal year end, linked through CCM
  on *d*); the previous fiscal year's book equity (for ROE) comes from the same reports.
* Sector: Compustat ``gsector`` of the latest public report; names without one take the most
  common ``gsector`` of their 2-digit SIC (``siccd``) among that date's universe.
* When the range ends mid-month, its last session is a formation date too (the current
  exposures of a model built as of that day).
* Universe at *d*: common stocks on the main exchanges (``names_asof``) with a positive price ×
  shares on *d*; optionally the top N by market cap.
* Cross-sectional processing per date (``process_descriptors``): MAD winsorising (5 MAD),
  cap-weighted mean 0 / equal-weighted std 1 (ddof 1), missing → date × sector median, then 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass

import polars as pl

from quant import calendars
from quant.artifacts import artifact_publish
from quant.columns import DATE, PERMNO
from quant.locks import domain_lock
from research.analytics.crosssection import process_descriptors
from research.analytics.factors import FACTORS, compute_factors, lagged_book_equity, lagged_cap, market_return
from risk.services import artifacts
from warehouse import readers
from warehouse.references import add_reference
from warehouse.versions import dataset_versions

KIND = "exposures"
STYLES = ("size", "value", "momentum", "roe", "low_volatility", "beta")
DAILY_STYLES = ("size", "momentum", "low_volatility", "beta")
LOOKBACK_DAYS = 400  # calendar days of daily history before the first month end (252 sessions + slack)
READS = ("crsp_daily", "crsp_names", "compustat_annual", "ccm_link")
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ExposureConfig:
    """What an exposure build depends on (hashed into the artifact version)."""

    start: dt.date
    end: dt.date
    universe: str = "all"  # "all" or "topN", e.g. "top500"
    styles: tuple[str, ...] = STYLES
    winsor: str = "mad"
    n_mad: float = 5.0
    fill: str = "sector_median"

    def top_n(self) -> int | None:
        if self.universe == "all":
            return None
        if self.universe.startswith("top") and self.universe[3:].isdigit() and int(self.universe[3:]) > 0:
            return int(self.universe[3:])
        raise ValueError(f"Unknown universe {self.universe!r}: use 'all' or 'topN' (e.g. top500).")

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["start"], d["end"], d["styles"] = self.start.isoformat(), self.end.isoformat(), list(self.styles)
        return d


@dataclass(frozen=True)
class ExposureBuild:
    version: str
    created: bool
    dates: int
    rows: int
    path: str


def _month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    return calendars.month_ends(start, end).to_list()


def _universe_names(month_ends: list[dt.date], versions: dict[str, int]) -> pl.DataFrame:
    """``date, permno, siccd``: common stocks on a main exchange with a name row valid on each date."""
    ok = pl.col("shrcd").is_in(readers.COMMON_SHARE_CODES) & pl.col("exchcd").is_in(readers.MAIN_EXCHANGES)
    frames = [
        readers.names_asof(d, version=versions).filter(ok).select(pl.lit(d).alias(DATE), PERMNO, "siccd")
        for d in month_ends
    ]
    return pl.concat(frames).unique([DATE, PERMNO], keep="first")


def _daily_panel(start: dt.date, end: dt.date, permnos: pl.Series, versions: dict[str, int]) -> pl.DataFrame:
    """Daily registry descriptors (size, momentum, low_volatility, beta) of ``permnos``."""
    panel = (
        readers.crsp_daily(start, end, columns=[PERMNO, DATE, "ret", "prc", "shrout"], version=versions)
        .filter(pl.col(PERMNO).is_in(permnos.implode()))
        .with_columns((pl.col("prc").abs() * pl.col("shrout") * 1000.0).alias("mktcap"))
    )
    panel = panel.with_columns(lagged_cap()).with_columns(mkt_ret=market_return())
    return compute_factors(panel, list(DAILY_STYLES)).collect()


def _fundamentals(month_ends: list[dt.date], versions: dict[str, int]) -> pl.DataFrame:
    """Per month end: the latest public annual report of each linked permno, plus ``be_lag``.

    ``be_lag`` is the book equity of the firm's previous fiscal year, taken from every report
    seen as "latest public" over the dates read (the calls start two years before the first
    month end so the first dates have their previous report too).
    """
    first = month_ends[0]
    early = _month_ends(dt.date(first.year - 2, first.month, 1), month_ends[0] - dt.timedelta(days=1))
    rows = []
    for d in [*early, *month_ends]:
        f = readers.fundamentals_asof(d, by="permno", version=versions)
        rows.append(f.with_columns(pl.lit(d).alias(DATE)))
    allrows = pl.concat(rows, how="diagonal_relaxed")
    reports = allrows.unique(["gvkey", "datadate"], keep="first").select(
        "gvkey", "datadate", lagged_book_equity().alias("be_lag")
    )
    wanted = set(month_ends)
    return allrows.filter(pl.col(DATE).is_in(list(wanted))).join(reports, on=["gvkey", "datadate"], how="left")


def build_exposure_frame(
    cfg: ExposureConfig, versions: dict[str, int], progress: Progress | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Raw → processed exposures at each month end in ``[cfg.start, cfg.end]``.

    Returns ``(exposures, missing_counts)``; exposures has ``date, permno, mktcap, sector`` and
    one standardised column per style (month-end formation dates).
    """
    tick = progress or (lambda stage, frac: None)
    ends = _month_ends(cfg.start, cfg.end)
    if not ends:
        raise ValueError(f"No month-end session between {cfg.start} and {cfg.end}.")
    names = _universe_names(ends, versions)
    tick("names", 0.1)
    daily = _daily_panel(
        ends[0] - dt.timedelta(days=LOOKBACK_DAYS), ends[-1], names.get_column(PERMNO).unique(), versions
    )
    tick("daily descriptors", 0.4)
    at_ends = daily.filter(pl.col(DATE).is_in(ends)).select(DATE, PERMNO, "prc", "shrout", "mktcap", *DAILY_STYLES)
    frame = names.join(at_ends, on=[DATE, PERMNO], how="inner").filter(pl.col("mktcap") > 0)
    if (top := cfg.top_n()) is not None:
        frame = frame.filter(pl.col("mktcap").rank("ordinal", descending=True).over(DATE) <= top)
    fund = _fundamentals(ends, versions)
    tick("fundamentals", 0.8)
    keep = ["seq", "ceq", "pstk", "at", "lt", "txditc", "pstkrv", "pstkl", "ib", "be_lag", "gsector"]
    frame = frame.join(fund.select(DATE, PERMNO, *keep), on=[DATE, PERMNO], how="left")
    frame = frame.with_columns(FACTORS["value"].function().alias("value"), FACTORS["roe"].function().alias("roe"))
    sic_mode = (
        frame.drop_nulls("gsector")
        .group_by(DATE, (pl.col("siccd") // 100).alias("_sic2"))
        .agg(pl.col("gsector").mode().sort().first().alias("_sic_sector"))
    )
    frame = (
        frame.with_columns((pl.col("siccd") // 100).alias("_sic2"))
        .join(sic_mode, on=[DATE, "_sic2"], how="left")
        .with_columns(pl.coalesce("gsector", "_sic_sector").fill_null("unknown").alias("sector"))
        .select(DATE, PERMNO, "mktcap", "sector", *cfg.styles)
        .sort(DATE, PERMNO)
    )
    processed, missing = process_descriptors(
        frame, list(cfg.styles), cap="mktcap", sector="sector", winsor=cfg.winsor,  # type: ignore[arg-type]
        n_mad=cfg.n_mad, fill=cfg.fill,  # type: ignore[arg-type]
    )  # fmt: skip
    return processed, missing


def exposures_build(
    *, start: dt.date, end: dt.date, universe: str = "all", writer: str = "risk_build",
    progress: Progress | None = None,
) -> ExposureBuild:  # fmt: skip
    """Build (or find) the exposure artifact for ``[start, end]`` on the current warehouse."""
    cfg = ExposureConfig(start=start, end=end, universe=universe)
    cfg.top_n()
    versions = {k: v for k, v in dataset_versions().items() if k in READS}
    missing = sorted(set(READS) - set(versions))
    if missing:
        raise FileNotFoundError(
            f"The warehouse has no {', '.join(missing)}: run `python manage.py warehouse_sync --source demo`."
        )
    cfg_hash = artifacts.config_hash(cfg.as_dict())
    version = artifacts.inputs_version(cfg_hash, versions)
    folder = artifacts.version_dir(KIND, version)
    if artifacts.is_published(KIND, version):
        m = artifacts.read_manifest(KIND, version)
        return ExposureBuild(version, False, m.summary["dates"], m.summary["rows"], str(folder))
    with domain_lock(artifacts.LOCK_DOMAIN, writer=writer, wait=60):
        if artifacts.is_published(KIND, version):  # another writer published it while we waited
            m = artifacts.read_manifest(KIND, version)
            return ExposureBuild(version, False, m.summary["dates"], m.summary["rows"], str(folder))
        exposures, missing_counts = build_exposure_frame(cfg, versions, progress)
        summary = {"dates": exposures.get_column(DATE).n_unique(), "rows": exposures.height,
                   "stocks_last": exposures.filter(pl.col(DATE) == pl.col(DATE).max()).height}  # fmt: skip
        for dataset, v in versions.items():
            add_reference(dataset, v, f"{KIND}:{version}")
        artifact_publish(
            folder, kind=KIND, frames={"exposures": exposures, "missing": missing_counts}, dataset_versions=versions,
            config_hash=cfg_hash, summary=summary, extra={"version": version, "config": cfg.as_dict()},
        )  # fmt: skip
    return ExposureBuild(version, True, summary["dates"], summary["rows"], str(folder))
