"""A local PostgreSQL database laid out like WRDS, filled from SCHEMAS.md-shaped frames.

`source_frames()` builds small, deterministic warehouse-shaped datasets (or uses the demo generator
when ``warehouse.sources.demo`` is installed); `load_wrds(dsn, frames)` writes them into WRDS tables
(``crsp.dsf``, ``comp.funda``, ``crsp_a_ccm.ccmxpf_lnkhist``, ``ff.factors_daily``...) with WRDS's
column names and types, plus rows the sync's filters must drop (non-standard Compustat formats,
``dlstcd = 100``, non-primary links).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import numpy as np
import polars as pl
import psycopg2
import psycopg2.extras

from quant import calendars

HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
YEARS = (2018, 2019, 2020, 2021)

DDL = """
create schema crsp; create schema comp; create schema crsp_a_ccm; create schema ff;
create table crsp.dsf (cusip varchar(8), permno double precision, permco double precision, issuno double precision,
  hexcd double precision, hsiccd double precision, date date, bidlo double precision, askhi double precision,
  prc double precision, vol double precision, ret double precision, bid double precision, ask double precision,
  shrout double precision, cfacpr double precision, cfacshr double precision, openprc double precision,
  numtrd double precision, retx double precision);
create table crsp.msf (cusip varchar(8), permno double precision, permco double precision, date date,
  prc double precision, vol double precision, ret double precision, shrout double precision,
  cfacpr double precision, cfacshr double precision, retx double precision, bidlo double precision,
  askhi double precision);
create table crsp.dsenames (permno double precision, namedt date, nameendt date, shrcd double precision,
  exchcd double precision, siccd double precision, ncusip varchar(8), ticker varchar(8), comnam varchar(35),
  shrcls varchar(1), permco double precision, cusip varchar(8));
create table crsp.dsedelist (permno double precision, dlstdt date, dlstcd double precision,
  nwperm double precision, dlret double precision, dlretx double precision, dlprc double precision);
create table comp.company (gvkey varchar(6), conm varchar(100), sic varchar(4), gsector varchar(2),
  gind varchar(6), gsubind varchar(8));
create table comp.funda (gvkey varchar(6), datadate date, fyear double precision, indfmt varchar(12),
  consol varchar(2), popsrc varchar(1), datafmt varchar(12), tic varchar(8), curcd varchar(3), fyr double precision,
  at double precision, lt double precision, ceq double precision, seq double precision, txditc double precision,
  pstk double precision, pstkrv double precision, pstkl double precision, ni double precision, ib double precision,
  sale double precision, revt double precision, cogs double precision, xsga double precision,
  oancf double precision, csho double precision, prcc_f double precision, sich double precision);
create table comp.fundq (gvkey varchar(6), datadate date, fyearq double precision, fqtr double precision,
  indfmt varchar(12), consol varchar(2), popsrc varchar(1), datafmt varchar(12), rdq date, atq double precision,
  ltq double precision, ceqq double precision, seqq double precision, niq double precision, ibq double precision,
  saleq double precision, revtq double precision, cshoq double precision, prccq double precision);
create table crsp_a_ccm.ccmxpf_lnkhist (gvkey varchar(6), linkprim varchar(1), liid varchar(3),
  linktype varchar(2), lpermno double precision, lpermco double precision, linkdt date, linkenddt date);
create table ff.factors_daily (date date, mktrf double precision, smb double precision, hml double precision,
  rf double precision, umd double precision);
create table ff.fivefactors_daily (date date, mktrf double precision, smb double precision, hml double precision,
  rmw double precision, cma double precision, rf double precision, umd double precision);
create table ff.factors_monthly (date date, mktrf double precision, smb double precision, hml double precision,
  rf double precision, year double precision, month double precision, umd double precision, dateff date);
create table ff.fivefactors_monthly (date date, mktrf double precision, smb double precision,
  hml double precision, rmw double precision, cma double precision, rf double precision, year double precision,
  month double precision, umd double precision, dateff date);
"""

FUNDA_FLOATS = ("at", "lt", "ceq", "seq", "txditc", "pstk", "pstkrv", "pstkl", "ni", "ib", "sale", "revt",
                "cogs", "xsga", "oancf", "csho", "prcc_f")  # fmt: skip
FUNDQ_FLOATS = ("atq", "ltq", "ceqq", "seqq", "niq", "ibq", "saleq", "revtq", "cshoq", "prccq")


def _sessions(years: tuple[int, ...]) -> list[dt.date]:
    """NYSE sessions, as on WRDS (the real warehouse's validation rejects a weekday holiday)."""
    return calendars.sessions(dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)).to_list()


def _month_ends(days: list[dt.date]) -> list[dt.date]:
    return [d for i, d in enumerate(days) if i + 1 == len(days) or days[i + 1].month != d.month]


def _own_frames(seed: int = 7) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    days = _sessions(YEARS)
    permnos = [10001, 10002, 10003]
    daily_parts = []
    for k, permno in enumerate(permnos):
        ret = rng.standard_t(5, len(days)) * 0.015
        prc = 20.0 * (k + 1) * np.cumprod(1 + ret)
        ret_l: list[float | None] = list(ret)
        ret_l[0] = None  # first day: no return
        ret_l[100 + k] = None  # a missing price
        prc_l = [(-p if i % 37 == k else p) for i, p in enumerate(prc)]  # no-trade days: minus bid/ask average
        daily_parts.append(pl.DataFrame({
            "permno": [permno] * len(days), "date": days, "ret": ret_l,
            "retx": [r if r is None else r - 1e-4 for r in ret_l], "prc": prc_l,
            "vol": rng.integers(1_000, 90_000, len(days)).astype(float), "shrout": [5_000.0 * (k + 1)] * len(days),
            "cfacpr": [1.0] * len(days), "cfacshr": [1.0] * len(days), "bidlo": list(prc * 0.99),
            "askhi": list(prc * 1.01),
        }))  # fmt: skip
    crsp_daily = pl.concat(daily_parts)
    ends = set(_month_ends(days))
    crsp_monthly = crsp_daily.filter(pl.col("date").is_in(list(ends))).drop("bidlo", "askhi")
    crsp_names = pl.DataFrame({
        "permno": [10001, 10001, 10002, 10003],
        "namedt": [dt.date(2018, 1, 2), dt.date(2020, 3, 2), dt.date(2018, 1, 2), dt.date(2019, 6, 3)],
        "nameendt": [dt.date(2020, 2, 28), dt.date(2021, 12, 31), dt.date(2021, 12, 31), dt.date(2021, 6, 30)],
        "ticker": ["OLDA", "NEWA", "BBB", "OLDA"], "comnam": ["ALPHA INC", "ALPHA HOLDINGS", "BETA CORP", "GAMMA LTD"],
        "shrcd": [11, 11, 10, 11], "exchcd": [1, 1, 3, 2], "siccd": [3571, 3571, 6021, 2834],
    })  # fmt: skip
    crsp_delist = pl.DataFrame({
        "permno": [10002, 10003], "dlstdt": [dt.date(2021, 9, 30), dt.date(2021, 6, 30)],
        "dlstcd": [233, 552], "dlret": [0.021, None],
    })  # fmt: skip
    gvkeys = ["001001", "001002", "012345"]
    fy_ends = [dt.date(y, 12, 31) for y in YEARS]
    annual = []
    for i, gv in enumerate(gvkeys):
        for j, d in enumerate(fy_ends):
            vals = {c: float(np.round(rng.uniform(10, 1000), 3)) for c in FUNDA_FLOATS}
            vals["pstkrv"] = None if (i + j) % 3 == 0 else vals["pstkrv"]
            annual.append({"gvkey": gv, "datadate": d, "fyear": d.year, **vals, "sich": [3571, 6021, 2834][i],
                           "gsector": ["45", "40", "35"][i]})  # fmt: skip
    compustat_annual = pl.DataFrame(annual)
    quarterly = []
    for gv in gvkeys:
        for y in YEARS:
            for q, (m, d) in enumerate([(3, 31), (6, 30), (9, 30), (12, 31)], start=1):
                datadate = dt.date(y, m, d)
                vals = {c: float(np.round(rng.uniform(1, 500), 3)) for c in FUNDQ_FLOATS}
                quarterly.append({"gvkey": gv, "datadate": datadate, "fyearq": y, "fqtr": q,
                                  "rdq": datadate + dt.timedelta(days=int(rng.integers(25, 45))), **vals})  # fmt: skip
    compustat_quarterly = pl.DataFrame(quarterly)
    ccm_link = pl.DataFrame({
        "gvkey": ["001001", "001002", "012345"], "lpermno": [10001, 10002, 10003], "linktype": ["LU", "LC", "LU"],
        "linkprim": ["P", "C", "P"], "linkdt": [dt.date(2018, 1, 2), dt.date(2018, 1, 2), dt.date(2019, 6, 3)],
        "linkenddt": [None, dt.date(2021, 9, 30), dt.date(2021, 6, 30)],
    })  # fmt: skip
    n = len(days)
    ff_daily = pl.DataFrame({
        "frequency": ["daily"] * n, "date": days,
        **{c: list(np.round(rng.normal(0, 0.006, n), 6)) for c in ("mktrf", "smb", "hml", "rmw", "cma", "umd")},
        "rf": [0.00008] * n,
    })  # fmt: skip
    # five-factor series start later than the three factors (as on WRDS, where they start in 1963).
    ff_daily = ff_daily.with_columns(
        [pl.when(pl.col("date") < dt.date(2018, 3, 1)).then(None).otherwise(pl.col(c)).alias(c) for c in ("rmw", "cma")]
    )
    me = sorted(ends)
    ff_monthly = pl.DataFrame({
        "frequency": ["monthly"] * len(me), "date": me,
        **{c: list(np.round(rng.normal(0, 0.04, len(me)), 6)) for c in ("mktrf", "smb", "hml", "rmw", "cma", "umd")},
        "rf": [0.0015] * len(me),
    })  # fmt: skip
    return {
        "crsp_daily": crsp_daily, "crsp_monthly": crsp_monthly, "crsp_names": crsp_names, "crsp_delist": crsp_delist,
        "compustat_annual": compustat_annual, "compustat_quarterly": compustat_quarterly, "ccm_link": ccm_link,
        "ff_factors": pl.concat([ff_daily, ff_monthly]),
    }  # fmt: skip


def source_frames() -> dict[str, pl.DataFrame]:
    """This module's deterministic warehouse-shaped source data (tests assert on its exact values)."""
    return _own_frames()


def demo_frames() -> dict[str, pl.DataFrame] | None:
    """The demo generator's datasets (SCHEMAS.md shapes) when ``warehouse.sources.demo`` is installed."""
    try:
        from warehouse.sources.demo import DemoConfig, generate
    except ImportError:
        return None
    out = generate(DemoConfig(stocks=50, years=2, seed=7)).datasets
    return {name: out[name] for name in _own_frames() if name in out}


def expected_after_sync(frames: dict[str, pl.DataFrame], dataset: str, key: tuple[str, ...]) -> pl.DataFrame:
    """What a sync must return for ``dataset`` given the frames that were loaded: WRDS keeps one current
    GICS sector per company (``comp.company``) and the sync keeps primary LU/LC links only."""
    frame = frames[dataset]
    if dataset == "compustat_annual":
        company = frame.sort("datadate").group_by("gvkey").agg(pl.col("gsector").last())
        frame = frame.drop("gsector").join(company, on="gvkey", how="left").select(frames[dataset].columns)
    if dataset == "ccm_link":
        primary = pl.col("linktype").is_in(["LU", "LC"]) & pl.col("linkprim").is_in(["P", "C"])
        frame = frame.filter(primary, pl.col("lpermno").is_not_null())
    return frame.sort(list(key), nulls_last=True)


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return frame.rows()


def _insert(cur, table: str, frame: pl.DataFrame) -> None:
    cols = ", ".join(frame.columns)
    psycopg2.extras.execute_values(cur, f"insert into {table} ({cols}) values %s", _rows(frame), page_size=5000)


def _first_of_month(col: str) -> pl.Expr:
    return pl.col(col).dt.truncate("1mo")


def load_wrds(dsn: str, frames: dict[str, pl.DataFrame]) -> None:
    """Create the WRDS layout in the (empty) database ``dsn`` and fill it from ``frames``."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(DDL)
        d = frames["crsp_daily"]
        _insert(cur, "crsp.dsf", d.with_columns(permco=pl.col("permno") + 50000, cusip=pl.lit("12345678")))
        _insert(cur, "crsp.msf", frames["crsp_monthly"])
        _insert(cur, "crsp.dsenames", frames["crsp_names"].with_columns(ncusip=pl.lit("87654321")))
        active = frames["crsp_names"].select("permno").unique().join(frames["crsp_delist"], on="permno", how="anti")
        still_active = active.with_columns(dlstdt=pl.lit(dt.date(2021, 12, 31)), dlstcd=pl.lit(100), dlret=pl.lit(None))
        _insert(cur, "crsp.dsedelist", pl.concat([frames["crsp_delist"], still_active], how="diagonal_relaxed"))
        ann = frames["compustat_annual"]
        company = ann.sort("datadate").group_by("gvkey").agg(pl.col("gsector").last())
        company = company.with_columns(conm=pl.lit("CO") + pl.col("gvkey"))
        _insert(cur, "comp.company", company.sort("gvkey"))
        std = {"indfmt": "INDL", "datafmt": "STD", "popsrc": "D", "consol": "C"}
        annual = ann.drop("gsector").with_columns(**{k: pl.lit(v) for k, v in std.items()})
        # rows the standard filter must drop: financial-services format, summary data, foreign, parent-only
        junk = [("indfmt", "FS"), ("datafmt", "SUMM_STD"), ("popsrc", "I"), ("consol", "P")]
        noise = pl.concat([annual.head(2).with_columns(pl.lit(v).alias(k), at=pl.lit(-1.0)) for k, v in junk])
        _insert(cur, "comp.funda", pl.concat([annual, noise]))
        q = frames["compustat_quarterly"].with_columns(**{k: pl.lit(v) for k, v in std.items()})
        _insert(cur, "comp.fundq", pl.concat([q, q.head(3).with_columns(indfmt=pl.lit("FS"), atq=pl.lit(-1.0))]))
        link = frames["ccm_link"].with_columns(liid=pl.lit("01"))
        link_noise = link.head(2).with_columns(linktype=pl.lit("NR"), linkdt=pl.col("linkdt") - pl.duration(days=400))
        _insert(cur, "crsp_a_ccm.ccmxpf_lnkhist", pl.concat([link, link_noise, link.head(1).with_columns(
            linkprim=pl.lit("J"), linkdt=pl.col("linkdt") - pl.duration(days=800))]))  # fmt: skip
        ff = frames["ff_factors"]
        for freq in ("daily", "monthly"):
            part = ff.filter(pl.col("frequency") == freq).drop("frequency")
            three = part.select("date", "mktrf", "smb", "hml", "rf", "umd")
            five = part.filter(pl.col("rmw").is_not_null())
            if freq == "monthly":
                three = three.rename({"date": "dateff"}).with_columns(date=_first_of_month("dateff"))
                five = five.rename({"date": "dateff"}).with_columns(date=_first_of_month("dateff"))
            _insert(cur, f"ff.factors_{freq}", three)
            _insert(cur, f"ff.fivefactors_{freq}", five)


def create_database(prefix: str = "wrds_standin") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(host=HOST, port=PORT, user=USER, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'create database "{name}"')
    conn.close()
    return name


def drop_database(name: str) -> None:
    conn = psycopg2.connect(host=HOST, port=PORT, user=USER, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    conn.close()


def dsn(name: str) -> str:
    return f"host={HOST} port={PORT} user={USER} dbname={name}"


def standin(frames: dict[str, pl.DataFrame]) -> Iterator[str]:
    """Create, fill, yield the database name, drop."""
    name = create_database()
    try:
        load_wrds(dsn(name), frames)
        yield name
    finally:
        drop_database(name)
