"""CCM links and Compustat fundamentals, point in time.

Conventions
-----------
- Links: CCM rows of linktype LU/LC and linkprim P/C; a link is in force on ``d`` when
  ``linkdt <= d <= coalesce(linkenddt, +inf)``; where a firm has two, the primary (P) wins, then the
  most recent ``linkdt``.
- Fundamentals (`warehouse.pit`): annual rows are public at the last NYSE session on or before the
  calendar month end ``lag_months`` months after the ``datadate`` month; quarterly rows are public
  on ``rdq`` or, when ``rdq`` is null, 45 calendar days after ``datadate``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from warehouse import storage
from warehouse.pit import ANNUAL_LAG_MONTHS, known_date
from warehouse.readers.base import Version, _log_drops, _query

LINK_TYPES = ("LU", "LC")
LINK_PRIMARY = ("P", "C")
_FUNDAMENTALS = {"annual": "compustat_annual", "quarterly": "compustat_quarterly"}


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
