"""The ONE place where the WRDS SQL of each warehouse dataset lives.

Every query takes two parameters, ``%(start)s`` and ``%(end)s`` (dates, inclusive), on the dataset's
partition date column, so a full sync can fetch year by year and an incremental sync from a watermark.
The sha256 of the SQL text is the query hash recorded in the dataset's manifest: change a query and
the next published version says so.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from warehouse.datasets import get_spec

# Compustat's standard filter: industrial format, standardised data, domestic population, consolidated.
COMPUSTAT_FILTER = "indfmt = 'INDL' and datafmt = 'STD' and popsrc = 'D' and consol = 'C'"

_DSF = "cfacpr, cfacshr"
_FF_BLOCK = """
select '{frequency}' as frequency, coalesce(f5.{d5}, f3.{d3}) as date,
       coalesce(f3.mktrf, f5.mktrf) as mktrf, coalesce(f3.smb, f5.smb) as smb, coalesce(f3.hml, f5.hml) as hml,
       f5.rmw, f5.cma, coalesce(f3.umd, f5.umd) as umd, coalesce(f3.rf, f5.rf) as rf
from ff.factors_{frequency} f3
full outer join ff.fivefactors_{frequency} f5 on f5.{d5} = f3.{d3}
where coalesce(f5.{d5}, f3.{d3}) between %(start)s and %(end)s"""

SQL: dict[str, str] = {
    "crsp_daily": f"""
select permno, date, ret, retx, prc, vol, shrout, {_DSF}, bidlo, askhi
from crsp.dsf
where date between %(start)s and %(end)s
order by permno, date""",
    "crsp_monthly": f"""
select permno, date, ret, retx, prc, vol, shrout, {_DSF}
from crsp.msf
where date between %(start)s and %(end)s
order by permno, date""",
    "crsp_names": """
select permno, namedt, nameendt, ticker, comnam, shrcd, exchcd, siccd
from crsp.dsenames
where namedt between %(start)s and %(end)s
order by permno, namedt""",
    "crsp_delist": """
select permno, dlstdt, dlstcd, dlret
from crsp.dsedelist
where dlstcd <> 100 and dlstdt between %(start)s and %(end)s
order by permno""",
    # A fiscal-year-end change can leave two filtered rows on one (gvkey, datadate): keep the one with
    # the later fiscal labelling, so the key is unique and the choice deterministic.
    "compustat_annual": f"""
select distinct on (f.gvkey, f.datadate)
       f.gvkey, f.datadate, f.fyear, f.at, f.lt, f.ceq, f.seq, f.txditc, f.pstk, f.pstkrv, f.pstkl, f.ni, f.ib,
       f.sale, f.revt, f.cogs, f.xsga, f.oancf, f.csho, f.prcc_f, f.sich, c.gsector
from comp.funda f
left join comp.company c on c.gvkey = f.gvkey
where f.{COMPUSTAT_FILTER.replace(" and ", " and f.")}
  and f.datadate between %(start)s and %(end)s
order by f.gvkey, f.datadate, f.fyear desc nulls last""",
    "compustat_quarterly": f"""
select distinct on (gvkey, datadate)
       gvkey, datadate, fyearq, fqtr, rdq, atq, ltq, ceqq, seqq, niq, ibq, saleq, revtq, cshoq, prccq
from comp.fundq
where {COMPUSTAT_FILTER}
  and datadate between %(start)s and %(end)s
order by gvkey, datadate, fyearq desc nulls last, fqtr desc nulls last""",
    "ccm_link": """
select gvkey, lpermno, linktype, linkprim, linkdt, linkenddt
from crsp_a_ccm.ccmxpf_lnkhist
where linktype in ('LU', 'LC') and linkprim in ('P', 'C') and lpermno is not null
  and linkdt between %(start)s and %(end)s
order by gvkey, lpermno, linkdt""",
    # Daily tables key on `date`; monthly ones on `dateff`, the month's last trading day. The classic
    # three-factor series (longer history; SMB differs from the five-factor SMB) win where both exist.
    "ff_factors": _FF_BLOCK.format(frequency="daily", d3="date", d5="date")
    + "\nunion all"
    + _FF_BLOCK.format(frequency="monthly", d3="dateff", d5="dateff")
    + "\norder by frequency, date",
}

DATASETS: tuple[str, ...] = tuple(SQL)


@dataclass(frozen=True)
class DatasetQuery:
    """Everything a sync needs to know about one WRDS-backed dataset."""

    dataset: str
    sql: str
    date_column: str
    key: tuple[str, ...]
    schema: dict[str, pl.DataType]

    @property
    def query_hash(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def date_columns(self) -> list[str]:
        return [name for name, dtype in self.schema.items() if dtype == pl.Date]

    @property
    def bounds_sql(self) -> str:
        """min/max of the partition date over the whole table (used to plan a full sync's years)."""
        return f"select min({self.date_column}) as lo, max({self.date_column}) as hi from ({self.sql}\n) q"


def dataset_query(dataset: str) -> DatasetQuery:
    """The query of ``dataset``; its columns, dtypes, key and partition date are the warehouse contract's."""
    if dataset not in SQL:
        raise KeyError(f"Unknown WRDS dataset {dataset!r}; choose one of {', '.join(DATASETS)}.")
    spec = get_spec(dataset)
    return DatasetQuery(dataset, SQL[dataset], spec.partition, spec.key, dict(spec.columns))
