"""Point-in-time readers over the warehouse: DuckDB (read-only catalog connection) in, polars out.

Every reader takes ``version=`` (an int, a tag, or None for the current version), verifies the
checksums of the files it opens (once per process per file) and never returns a value before the
date it was public. Filters that drop rows log how many (logger ``quantdesk.warehouse.readers``) and
the ``*_with_report`` variants return the counts.

Conventions
-----------
- Delisting returns (CRSP practice): the delisting return is compounded into the return of the
  permno's last trading day on or before ``dlstdt`` — the delisting date itself when the stock
  traded that day: ``total_ret = (1 + coalesce(ret, 0)) * (1 + dlret) - 1``. A missing ``dlret``
  with a performance-related code (500, 520, 551–574, 580, 584) is replaced by −30 % on NYSE/AMEX
  and −55 % on NASDAQ (Shumway 1997; Shumway & Warther 1999), using the exchange of the name row in
  force that day; other missing ``dlret`` stay missing (``total_ret = ret``).
- Universe: common stocks (shrcd 10/11) on NYSE/AMEX/NASDAQ (exchcd 1/2/3) with a name row valid
  on ``as_of``, a daily row on the last NYSE session on or before ``as_of``, and no delisting
  strictly before ``as_of``.
- Fundamentals (`warehouse.pit`): annual rows are public at the last NYSE session on or before the
  calendar month end ``lag_months`` months after the ``datadate`` month; quarterly rows are public
  on ``rdq`` or, when ``rdq`` is null, 45 calendar days after ``datadate``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from quant import calendars
from warehouse import storage
from warehouse.catalog import sql_list
from warehouse.pit import ANNUAL_LAG_MONTHS, known_date

logger = logging.getLogger("quantdesk.warehouse.readers")

COMMON_SHARE_CODES = (10, 11)
MAIN_EXCHANGES = (1, 2, 3)
NYSE_AMEX = (1, 2)
NASDAQ = (3,)
PERFORMANCE_DELIST_CODES = (500, 520, *range(551, 575), 580, 584)
MISSING_DLRET_NYSE_AMEX = -0.30  # Shumway (1997)
MISSING_DLRET_NASDAQ = -0.55  # Shumway & Warther (1999)
LINK_TYPES = ("LU", "LC")
LINK_PRIMARY = ("P", "C")
_FUNDAMENTALS = {"annual": "compustat_annual", "quarterly": "compustat_quarterly"}

# A version, a tag, None (current), or {dataset: version} (e.g. a result's recorded
# `dataset_versions()`). Readers that combine datasets (universe, total_returns, fundamentals by
# permno) apply an int/str to each dataset they read: pass a tag made by `warehouse_snapshot create`
# (it exists on every dataset) or a mapping.
Version = int | str | None | Mapping[str, int | str]

_CONNECTION: tuple[str, duckdb.DuckDBPyConnection] | None = None


def _cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the cached read-only catalog connection (in-memory until a catalog exists)."""
    global _CONNECTION
    path = storage.catalog_path()
    key = str(path) if path.exists() else ":memory:"
    if _CONNECTION is None or _CONNECTION[0] != key:
        if _CONNECTION is not None:
            _CONNECTION[1].close()
        con = duckdb.connect(key, read_only=True) if key != ":memory:" else duckdb.connect(":memory:")
        _CONNECTION = (key, con)
    return _CONNECTION[1].cursor()


def _pick(version: Version, dataset: str) -> int | str | None:
    return version.get(dataset) if isinstance(version, Mapping) else version


def _files(dataset: str, version: Version, years: tuple[int, int] | None = None) -> str | None:
    """SQL list of the version's verified files (partition years in ``years``), None when there are none."""
    paths: list[Path] = storage.version_files(dataset, _pick(version, dataset), years=years).paths
    return sql_list(paths) if paths else None


def _query(
    dataset: str,
    version: Version,
    select: str,
    *,
    years: tuple[int, int] | None = None,
    where: str = "TRUE",
    params: list[object] | None = None,
) -> pl.DataFrame:
    files = _files(dataset, version, years)
    if files is None:
        columns = storage.get_spec(dataset).columns
        return pl.DataFrame(schema=columns).select(pl.all()).head(0)
    return _fetch(f"SELECT {select} FROM read_parquet({files}) WHERE {where}", params or [])


def _fetch(sql: str, params: list[object]) -> pl.DataFrame:
    cursor = _cursor()
    try:
        return cursor.sql(sql, params=params).pl()
    finally:
        cursor.close()


def _log_drops(reader: str, counts: dict[str, int]) -> None:
    dropped = {k: v for k, v in counts.items() if v}
    if dropped:
        logger.info("%s dropped rows: %s", reader, ", ".join(f"{k}={v}" for k, v in dropped.items()))


def read_dataset(dataset: str, *, version: int | str | None = None) -> pl.DataFrame | None:
    """A whole version of ``dataset`` (None when it has never been published), sorted by its key.

    Columns and dtypes are the contract's (`warehouse.datasets`); nulls in key columns sort last.
    For syncs (incremental watermarks, merges) and exports, not for analysis: read with the
    point-in-time readers below.
    """
    if version is None and storage.current_version(dataset) is None:
        return None
    spec = storage.get_spec(dataset)
    paths = storage.version_files(dataset, version).paths
    if not paths:
        return pl.DataFrame(schema=spec.columns)
    frame = pl.read_parquet(paths, hive_partitioning=False).select(spec.column_names)
    return frame.sort(list(spec.key), nulls_last=True)


# --- CRSP ----------------------------------------------------------------------------------------
def crsp_daily(
    start: dt.date, end: dt.date, *, permnos: list[int] | None = None, columns: list[str] | None = None,
    version: Version = None,
) -> pl.DataFrame:  # fmt: skip
    """Rows of ``crsp_daily`` with ``start <= date <= end`` (optionally for ``permnos``), sorted by permno, date.

    Meant for stocks, years and cross-sections: sorting the full panel costs ~9 s on 36M rows; scan
    the whole panel with `total_returns` (unsorted, lazy) instead.
    """
    cols = ", ".join(f'"{c}"' for c in (columns or storage.get_spec("crsp_daily").column_names))
    where, params = "date BETWEEN ? AND ?", list[object]([start, end])
    if permnos is not None:
        where += " AND permno IN (SELECT unnest(?::BIGINT[]))"
        params.append(list(permnos))
    frame = _query("crsp_daily", version, cols, years=(start.year, end.year), where=where, params=params)
    return frame.sort("permno", "date") if {"permno", "date"} <= set(frame.columns) else frame


def _names(version: Version) -> pl.DataFrame:
    return _query("crsp_names", version, "*")


def names_asof(as_of: dt.date, *, version: Version = None) -> pl.DataFrame:
    """CRSP name rows valid on ``as_of`` (namedt <= as_of <= nameendt; null nameendt = still valid)."""
    names = _names(version)
    return names.filter((pl.col("namedt") <= as_of) & (pl.col("nameendt").is_null() | (pl.col("nameendt") >= as_of)))


@dataclass(frozen=True)
class UniverseReport:
    as_of: dt.date
    session: dt.date
    names_valid: int
    dropped_share_code: int
    dropped_exchange: int
    dropped_not_trading: int
    dropped_delisted: int
    members: int


def universe_with_report(as_of: dt.date, *, version: Version = None) -> tuple[pl.DataFrame, UniverseReport]:
    session = calendars.previous_session(as_of)
    names = names_asof(as_of, version=version)
    common = names.filter(pl.col("shrcd").is_in(COMMON_SHARE_CODES))
    listed = common.filter(pl.col("exchcd").is_in(MAIN_EXCHANGES))
    trading = _trading_on(session, version)
    traded = listed.join(trading, on="permno", how="semi")
    delisted = _query("crsp_delist", version, "permno", where="dlstdt < ?", params=[as_of])
    members = traded.join(delisted, on="permno", how="anti").sort("permno")
    report = UniverseReport(
        as_of=as_of,
        session=session,
        names_valid=names.height,
        dropped_share_code=names.height - common.height,
        dropped_exchange=common.height - listed.height,
        dropped_not_trading=listed.height - traded.height,
        dropped_delisted=traded.height - members.height,
        members=members.height,
    )
    _log_drops(f"universe({as_of})", {k: v for k, v in report.__dict__.items() if k.startswith("dropped")})
    return members.select("permno", "ticker", "comnam", "shrcd", "exchcd", "siccd"), report


def _trading_on(session: dt.date, version: Version) -> pl.DataFrame:
    return _query(
        "crsp_daily", version, "DISTINCT permno", years=(session.year, session.year), where="date = ?",
        params=[session],
    )  # fmt: skip


def universe(as_of: dt.date, *, version: Version = None) -> pl.DataFrame:
    """Survivorship-free investable universe on ``as_of`` (see the module conventions).

    Returns a DataFrame (permno, ticker, comnam, shrcd, exchcd, siccd), one row per permno, sorted.
    """
    return universe_with_report(as_of, version=version)[0]


@dataclass(frozen=True)
class TotalReturnReport:
    delistings_applied: int
    replaced_nyse_amex: int
    replaced_nasdaq: int
    missing_dlret_kept_null: int


def _delisting_events(start: dt.date, end: dt.date, permnos: list[int] | None, version: Version) -> pl.DataFrame:
    """One row per delisting whose last trading day (on or before dlstdt) lies in [start, end]."""
    dfiles = _files("crsp_daily", version, (start.year, 9999))
    lfiles = _files("crsp_delist", version)
    if dfiles is None or lfiles is None:
        return pl.DataFrame(schema={"permno": pl.Int64, "date": pl.Date, "dlstcd": pl.Int64, "dlret": pl.Float64})
    permno_filter = "AND permno IN (SELECT unnest(?::BIGINT[]))" if permnos is not None else ""
    params: list[object] = [start]
    if permnos is not None:
        params.append(list(permnos))
    sql = f"""
        WITH dl AS (SELECT permno, dlstdt, dlstcd, dlret FROM read_parquet({lfiles})
                    WHERE dlstdt >= ? {permno_filter})
        SELECT dl.permno, max(x.date) AS date, any_value(dl.dlstcd) AS dlstcd, any_value(dl.dlret) AS dlret
        FROM read_parquet({dfiles}) x JOIN dl ON x.permno = dl.permno AND x.date <= dl.dlstdt
        GROUP BY dl.permno
    """
    events = _fetch(sql, params)
    return events.filter(pl.col("date").is_between(start, end))


def total_returns_with_report(
    start: dt.date, end: dt.date, *, permnos: list[int] | None = None, version: Version = None
) -> tuple[pl.LazyFrame, TotalReturnReport]:
    events = _delisting_events(start, end, permnos, version)
    names = _names(version).select("permno", "namedt", "exchcd").sort("namedt")
    events = events.sort("date").join_asof(
        names, left_on="date", right_on="namedt", by="permno", strategy="backward", check_sortedness=False
    )
    performance = pl.col("dlstcd").is_in(PERFORMANCE_DELIST_CODES) & pl.col("dlret").is_null()
    events = events.with_columns(
        _nyse=(performance & pl.col("exchcd").is_in(NYSE_AMEX)).fill_null(False),
        _nasdaq=(performance & pl.col("exchcd").is_in(NASDAQ)).fill_null(False),
    )
    events = events.with_columns(
        dlret_imputed=pl.col("_nyse") | pl.col("_nasdaq"),
        dlret=pl.when("_nyse").then(MISSING_DLRET_NYSE_AMEX).when("_nasdaq").then(MISSING_DLRET_NASDAQ)
        .otherwise(pl.col("dlret")),
    )  # fmt: skip
    report = TotalReturnReport(
        delistings_applied=events.filter(pl.col("dlret").is_not_null()).height,
        replaced_nyse_amex=int(events["_nyse"].sum()),
        replaced_nasdaq=int(events["_nasdaq"].sum()),
        missing_dlret_kept_null=events.filter(pl.col("dlret").is_null()).height,
    )
    logger.info("total_returns(%s..%s): %s", start, end, report)
    # The panel scan is polars' native lazy Parquet reader (about 3x faster than converting a DuckDB
    # result of 30M+ rows); files are checksum-verified first like every other read.
    files = storage.version_files("crsp_daily", _pick(version, "crsp_daily"), years=(start.year, end.year)).paths
    if not files:
        empty = {"permno": pl.Int64, "date": pl.Date, "ret": pl.Float64}
        daily = pl.LazyFrame(schema=empty)
    else:
        daily = pl.scan_parquet(files, hive_partitioning=False).select("permno", "date", "ret")
    daily = daily.filter(pl.col("date").is_between(start, end))
    if permnos is not None:
        daily = daily.filter(pl.col("permno").is_in(list(permnos)))
    out = (
        daily.join(events.lazy().select("permno", "date", "dlret", "dlret_imputed"), on=["permno", "date"], how="left")
        .with_columns(
            total_ret=pl.when(pl.col("dlret").is_null())
            .then(pl.col("ret"))
            .otherwise((1 + pl.col("ret").fill_null(0.0)) * (1 + pl.col("dlret")) - 1),
            dlret_imputed=pl.col("dlret_imputed").fill_null(False),
        )
        .select("permno", "date", "ret", "dlret", "total_ret", "dlret_imputed")
    )
    return out, report


def total_returns(
    start: dt.date, end: dt.date, *, permnos: list[int] | None = None, version: Version = None
) -> pl.LazyFrame:
    """Daily total returns including delisting returns (decimals), as a lazy scan.

    Columns: permno, date, ret (CRSP), dlret (the delisting return applied that day, after the
    Shumway replacement; null on other days), total_ret, dlret_imputed (True where replaced).
    Rows are NOT sorted (sorting 30M rows costs more than the scan): ``.sort("permno", "date")``
    when order matters.
    """
    return total_returns_with_report(start, end, permnos=permnos, version=version)[0]


def ticker_to_permno(ticker: str, as_of: dt.date, *, version: Version = None) -> int | None:
    """The permno trading under ``ticker`` on ``as_of`` (tickers are reused over time)."""
    hits = names_asof(as_of, version=version).filter(pl.col("ticker") == ticker)["permno"].unique()
    if hits.len() > 1:
        raise ValueError(f"Ticker {ticker!r} maps to several permnos on {as_of}: {sorted(hits.to_list())}.")
    return int(hits[0]) if hits.len() else None


def permno_to_ticker(permno: int, as_of: dt.date, *, version: Version = None) -> str | None:
    hits = names_asof(as_of, version=version).filter(pl.col("permno") == permno)["ticker"]
    return hits[0] if hits.len() else None


# --- CCM and Compustat ---------------------------------------------------------------------------
def link_table(as_of: dt.date, *, version: Version = None) -> pl.DataFrame:
    """CCM links valid on ``as_of``: linktype LU/LC, linkprim P/C, linkdt <= as_of <= coalesce(linkenddt, +inf).

    Columns gvkey, permno, linktype, linkprim, linkdt, linkenddt.
    """
    links = _query("ccm_link", version, "*")
    valid = _usable_links(links).filter(_link_in_force(pl.lit(as_of))).sort("gvkey", "permno")
    _log_drops(f"link_table({as_of})", {"invalid_or_not_in_force": links.height - valid.height})
    return valid


def _usable_links(links: pl.DataFrame) -> pl.DataFrame:
    """CCM links of type LU/LC and primacy P/C, with ``lpermno`` renamed ``permno``."""
    usable = pl.col("linktype").is_in(LINK_TYPES) & pl.col("linkprim").is_in(LINK_PRIMARY)
    return links.filter(usable).rename({"lpermno": "permno"})


def _link_in_force(on: pl.Expr) -> pl.Expr:
    return (pl.col("linkdt") <= on) & (pl.col("linkenddt").is_null() | (pl.col("linkenddt") >= on))


def _prefer_primary(links: pl.DataFrame, subset: list[str]) -> pl.DataFrame:
    """One link per ``subset``: the primary link (P before C), then the most recent ``linkdt``."""
    ranked = links.sort([pl.col("linkprim") == "P", "linkdt"], descending=[True, True])
    return ranked.unique(subset, keep="first", maintain_order=True)


def gvkey_to_permno(as_of: dt.date, *, version: Version = None) -> dict[str, int]:
    """One permno per gvkey on ``as_of``: the primary link (P before C), then the most recent linkdt."""
    links = _prefer_primary(link_table(as_of, version=version), ["gvkey"])
    return dict(zip(links["gvkey"].to_list(), links["permno"].to_list(), strict=True))


@dataclass(frozen=True)
class FundamentalsReport:
    rows_public: int
    rows_not_yet_public: int
    firms: int
    firms_without_link: int


def fundamentals_asof_with_report(
    as_of: dt.date, *, kind: str = "annual", lag_months: int = ANNUAL_LAG_MONTHS, by: str = "gvkey",
    version: Version = None,
) -> tuple[pl.DataFrame, FundamentalsReport]:  # fmt: skip
    if kind not in _FUNDAMENTALS:
        raise ValueError(f"kind must be 'annual' or 'quarterly', not {kind!r}.")
    if by not in ("gvkey", "permno"):
        raise ValueError(f"by must be 'gvkey' or 'permno', not {by!r}.")
    dataset = _FUNDAMENTALS[kind]
    rows = _query(dataset, version, "*", years=(0, as_of.year), where="datadate <= ?", params=[as_of])
    rows = rows.with_columns(known_date(kind, lag_months=lag_months).alias("known_date"))
    public = rows.filter(pl.col("known_date") <= as_of)
    latest = public.sort("gvkey", "datadate", "known_date").unique("gvkey", keep="last", maintain_order=True)
    without_link = 0
    if by == "permno":
        links = pl.DataFrame(
            list(gvkey_to_permno(as_of, version=version).items()), schema=["gvkey", "permno"], orient="row"
        ).with_columns(pl.col("permno").cast(pl.Int64))
        linked = latest.join(links, on="gvkey", how="inner")
        without_link = latest.height - linked.height
        latest = linked.select("permno", pl.exclude("permno")).sort("permno")
    report = FundamentalsReport(public.height, rows.height - public.height, latest.height, without_link)
    _log_drops(f"fundamentals_asof({as_of}, {kind})", {"not_yet_public": report.rows_not_yet_public,
                                                       "without_link": without_link})  # fmt: skip
    return latest, report


def fundamentals_asof(
    as_of: dt.date, *, kind: str = "annual", lag_months: int = ANNUAL_LAG_MONTHS, by: str = "gvkey",
    version: Version = None,
) -> pl.DataFrame:  # fmt: skip
    """The latest Compustat row per firm that was public on ``as_of`` (see the module conventions).

    Returns a DataFrame with the dataset's columns plus ``known_date`` (and ``permno`` first when
    ``by="permno"``: firms are linked through CCM on ``as_of``; unlinked firms are dropped and counted).
    """
    return fundamentals_asof_with_report(as_of, kind=kind, lag_months=lag_months, by=by, version=version)[0]


def fundamentals(
    start: dt.date, end: dt.date, *, permnos: list[int] | None = None, kind: str = "annual", version: Version = None
) -> pl.DataFrame:
    """Compustat rows with ``start <= datadate <= end``, each with the permno its CCM link gave it on ``datadate``.

    Not point-in-time: a row is returned whether or not it was public by ``end`` (use `fundamentals_asof`
    for what was known on a date). Links as in `link_table` (LU/LC, P/C; the primary link wins when a
    firm has two on one date); unlinked rows are dropped and counted in the log. Returns ``permno``
    and the dataset's columns, sorted by permno, datadate.
    """
    if kind not in _FUNDAMENTALS:
        raise ValueError(f"kind must be 'annual' or 'quarterly', not {kind!r}.")
    dataset = _FUNDAMENTALS[kind]
    rows = _query(dataset, version, "*", years=(start.year, end.year), where="datadate BETWEEN ? AND ?",
                  params=[start, end])  # fmt: skip
    links = _usable_links(_query("ccm_link", version, "*")).select("gvkey", "permno", "linkprim", "linkdt", "linkenddt")
    linked = rows.join(links, on="gvkey", how="inner").filter(_link_in_force(pl.col("datadate")))
    linked = _prefer_primary(linked, ["gvkey", "datadate"])
    _log_drops(f"fundamentals({start}..{end}, {kind})", {"without_link": rows.height - linked.height})
    if permnos is not None:
        linked = linked.filter(pl.col("permno").is_in(list(permnos)))
    columns = storage.get_spec(dataset).column_names
    return linked.select("permno", *columns).sort("permno", "datadate")


# --- Fama–French ---------------------------------------------------------------------------------
def ff_factors(frequency: str, start: dt.date, end: dt.date, *, version: Version = None) -> pl.DataFrame:
    """Fama–French factors (decimals) with ``start <= date <= end``; frequency "daily" or "monthly"."""
    cols = "date, mktrf, smb, hml, rmw, cma, umd, rf"
    where = "frequency = ? AND date BETWEEN ? AND ?"
    return _query("ff_factors", version, cols, years=(start.year, end.year), where=where,
                  params=[frequency, start, end]).sort("date")  # fmt: skip


def ff_industries(
    scheme: int, frequency: str, weighting: str, start: dt.date, end: dt.date, *, version: Version = None
) -> pl.DataFrame:
    """Industry portfolio returns (decimals), long format: date, industry, ret."""
    where = "scheme = ? AND frequency = ? AND weighting = ? AND date BETWEEN ? AND ?"
    return _query("ff_industries", version, "date, industry, ret", years=(start.year, end.year), where=where,
                  params=[scheme, frequency, weighting, start, end]).sort("date", "industry")  # fmt: skip
