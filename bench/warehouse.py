"""Warehouse reader benchmark (``python bench/run.py --only warehouse``; alone: ``python bench/warehouse.py``).

Builds (once) the demo warehouse of ``BENCH_STOCKS`` x ``BENCH_YEARS`` (5,000 x 25) into
``$QUANTDESK_DATA_DIR`` (default /tmp/qd-bench) through the same service as ``warehouse_sync
--source demo``, then times the point-in-time readers (warm: files already checksum-verified in
this process) against a naive pandas implementation reading the same Parquet files (the peer, also
an independent check of the rows) and, for the full panel, against the floor: a plain polars scan
of the same three columns of the same files.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QUANTDESK_DATA_DIR", "/tmp/qd-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import exchange_calendars as xc  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402

from bench.harness import Harness, Row, main  # noqa: E402
from quant import calendars  # noqa: E402
from warehouse import pit, readers, storage  # noqa: E402
from warehouse.services import warehouse_sync_demo  # noqa: E402

STOCKS, YEARS, SEED = int(os.environ.get("BENCH_STOCKS", 5000)), int(os.environ.get("BENCH_YEARS", 25)), 7
TARGETS_S = {"total_returns_full_panel": 0.8, "universe_on_date": 0.2, "stock_year": 0.05}
FLOOR_RATIO_TARGET = 3.0  # full panel: at most 3x a plain scan of the same columns


def _vdir(dataset: str) -> str:
    return str(storage.version_dir(dataset, storage.resolve_version(dataset)))


# --- naive pandas -------------------------------------------------------------------------------
def pandas_total_returns() -> pd.DataFrame:
    daily = pd.read_parquet(_vdir("crsp_daily"), columns=["permno", "date", "ret"])
    daily["date"] = pd.to_datetime(daily["date"])
    delist = pd.read_parquet(_vdir("crsp_delist"), columns=["permno", "dlstdt", "dlstcd", "dlret"])
    delist["dlstdt"] = pd.to_datetime(delist["dlstdt"])
    names = pd.read_parquet(_vdir("crsp_names"), columns=["permno", "namedt", "exchcd"])
    names["namedt"] = pd.to_datetime(names["namedt"])
    cand = daily[["permno", "date"]].merge(delist, on="permno")
    last = (
        cand[cand["date"] <= cand["dlstdt"]]
        .groupby("permno", as_index=False)
        .agg(date=("date", "max"), dlstcd=("dlstcd", "first"), dlret=("dlret", "first"))
    )
    last = pd.merge_asof(last.sort_values("date"), names.sort_values("namedt"), left_on="date", right_on="namedt",
                         by="permno")  # fmt: skip
    perf = last["dlstcd"].isin(readers.PERFORMANCE_DELIST_CODES) & last["dlret"].isna()
    last.loc[perf & last["exchcd"].isin([1, 2]), "dlret"] = readers.MISSING_DLRET_NYSE_AMEX
    last.loc[perf & (last["exchcd"] == 3), "dlret"] = readers.MISSING_DLRET_NASDAQ
    out = daily.merge(last[["permno", "date", "dlret"]], on=["permno", "date"], how="left")
    out["total_ret"] = (1 + out["ret"].fillna(0)) * (1 + out["dlret"]) - 1
    out["total_ret"] = out["total_ret"].where(out["dlret"].notna(), out["ret"])
    return out


def pandas_universe(as_of: dt.date) -> int:
    names = pd.read_parquet(_vdir("crsp_names"))
    valid = names[(names["namedt"] <= as_of) & (names["nameendt"].isna() | (names["nameendt"] >= as_of))]
    valid = valid[valid["shrcd"].isin([10, 11]) & valid["exchcd"].isin([1, 2, 3])]
    daily = pd.read_parquet(_vdir("crsp_daily"), columns=["permno", "date"])
    trading = daily.loc[daily["date"] == as_of, "permno"].unique()
    delist = pd.read_parquet(_vdir("crsp_delist"))
    gone = delist.loc[delist["dlstdt"] < as_of, "permno"]
    return int((valid["permno"].isin(trading) & ~valid["permno"].isin(gone)).sum())


def pandas_stock_year(permno: int, year: int) -> int:
    daily = pd.read_parquet(_vdir("crsp_daily"))
    daily["date"] = pd.to_datetime(daily["date"])
    return len(daily[(daily["permno"] == permno) & (daily["date"].dt.year == year)])


def pandas_fundamentals(as_of: dt.date) -> int:
    fa = pd.read_parquet(_vdir("compustat_annual"))
    # public at the last NYSE session on or before the month end ANNUAL_LAG_MONTHS after the FYE month
    month_end = (pd.to_datetime(fa["datadate"]).dt.to_period("M") + pit.ANNUAL_LAG_MONTHS).dt.to_timestamp(how="end")
    nyse = pd.DatetimeIndex(xc.get_calendar(calendars.NYSE, start=calendars.CALENDAR_START).sessions)
    fa["known"] = nyse[nyse.searchsorted(month_end.dt.normalize(), side="right") - 1]
    fa = fa[fa["known"] <= pd.Timestamp(as_of)].sort_values(["gvkey", "datadate"]).groupby("gvkey").tail(1)
    link = pd.read_parquet(_vdir("ccm_link"))
    link = link[link["linktype"].isin(["LU", "LC"]) & link["linkprim"].isin(["P", "C"])
                & (link["linkdt"] <= as_of) & (link["linkenddt"].isna() | (link["linkenddt"] >= as_of))]  # fmt: skip
    link = link.sort_values(["gvkey", "linkprim", "linkdt"], ascending=[True, False, False]).groupby("gvkey").head(1)
    return len(fa.merge(link[["gvkey", "lpermno"]], on="gvkey"))


# --- measure -------------------------------------------------------------------------------------
def _panel_fingerprint(frame: pl.DataFrame | pd.DataFrame) -> tuple[int, int, float]:
    """Rows, delisting returns applied and the sum of total_ret: equal for equal panels."""
    if isinstance(frame, pd.DataFrame):
        return len(frame), int(frame["dlret"].notna().sum()), float(frame["total_ret"].sum())
    return frame.height, int(frame["dlret"].is_not_null().sum()), float(frame["total_ret"].sum())


def measure(h: Harness) -> None:
    started = time.perf_counter()
    built = warehouse_sync_demo(stocks=STOCKS, years=YEARS, seed=SEED, writer="bench")
    print(f"data dir {os.environ['QUANTDESK_DATA_DIR']}: {built.message} ({time.perf_counter() - started:.1f} s)")
    daily = storage.load_manifest("crsp_daily", storage.resolve_version("crsp_daily"))
    start, end = dt.date.fromisoformat(daily.date_min), dt.date.fromisoformat(daily.date_max)
    as_of = readers.calendars.previous_session(start + (end - start) * 3 // 4)
    sample = readers.universe(as_of)
    permno, year = int(sample["permno"][len(sample) // 2]), as_of.year
    started = time.perf_counter()
    for name in ("crsp_daily", "crsp_names", "crsp_delist", "compustat_annual", "ccm_link"):
        storage.version_files(name)
    h.config.update(stocks=STOCKS, years=YEARS, seed=SEED, crsp_daily_rows=daily.rows, as_of=as_of.isoformat(),
                    permno=permno, checksum_verify_seconds=round(time.perf_counter() - started, 2))  # fmt: skip
    files = storage.version_files("crsp_daily").paths

    ours = h.time(lambda: readers.total_returns(start, end).collect())
    mine = _panel_fingerprint(ours_frame := h.last)  # type: ignore[arg-type]
    del ours_frame
    floor = h.time(lambda: pl.scan_parquet(files, hive_partitioning=False).select("permno", "date", "ret").collect(),
                   label="polars scan of permno, date, ret")  # fmt: skip
    peer = h.time(pandas_total_returns, repeat=1, label="pandas")
    theirs = _panel_fingerprint(h.last)  # type: ignore[arg-type]
    h.last = None
    events = h.time(lambda: readers.crsp._delisting_events(start, end, None, None))
    agree = mine[:2] == theirs[:2] and abs(mine[2] - theirs[2]) <= 1e-9 * max(1.0, abs(theirs[2]))
    h.record(Row("total_returns full panel", ours=ours, peer=peer, floor=floor,
                 target_s=TARGETS_S["total_returns_full_panel"], target_floor_ratio=FLOOR_RATIO_TARGET,
                 agreement=agree, agreement_detail=f"(rows, delistings, sum total_ret) ours {mine} pandas {theirs}",
                 notes=f"{mine[0]:,} rows, {mine[1]:,} delisting returns applied; finding the delisting days "
                       f"takes {events.min:.3f} s of ours, the scan and the marking of event rows the rest; "
                       "pandas timed once"))  # fmt: skip

    for name, fn, naive in (
        ("universe on a date", lambda: readers.universe(as_of).height, lambda: pandas_universe(as_of)),
        ("one stock-year of crsp_daily",
         lambda: readers.crsp_daily(dt.date(year, 1, 1), dt.date(year, 12, 31), permnos=[permno]).height,
         lambda: pandas_stock_year(permno, year)),
        ("fundamentals as of a date by permno", lambda: readers.fundamentals_asof(as_of, by="permno").height,
         lambda: pandas_fundamentals(as_of)),
    ):  # fmt: skip
        ours = h.time(fn)
        rows = h.last
        peer = h.time(naive, repeat=1, label="pandas")
        key = {"universe on a date": "universe_on_date", "one stock-year of crsp_daily": "stock_year"}.get(name, "")
        h.record(Row(name, ours=ours, peer=peer, target_s=TARGETS_S.get(key), agreement=rows == h.last,
                     agreement_detail=f"rows ours {rows} pandas {h.last}"))  # fmt: skip
    ours = h.time(
        lambda: readers.total_returns(dt.date(year, 1, 1), dt.date(year, 12, 31), permnos=[permno]).collect().height
    )
    h.record(Row("total_returns of one stock-year", ours=ours, notes=f"{h.last} rows"))
    h.versions.update(duckdb=readers.duckdb.__version__, exchange_calendars=xc.__version__)


if __name__ == "__main__":
    main(measure)
