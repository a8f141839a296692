"""Warehouse reader benchmark: ``python bench/warehouse.py`` (one command; prints a table, writes JSON).

Builds (once) the demo warehouse of ``--stocks`` x ``--years`` into ``$QUANTDESK_DATA_DIR``
(default /tmp/qd-bench) through the same service as ``warehouse_sync --source demo``, then times
the point-in-time readers against a naive pandas implementation reading the same Parquet files
(``pd.read_parquet`` of the version directory + pandas merge/filter), and writes
``bench/results/warehouse.json``.

Timings: the median of ``--repeat`` warm runs (files already checksum-verified in this process);
the one-off checksum verification of every file read is timed separately ("verify").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
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

from quant import calendars  # noqa: E402
from warehouse import pit, readers, storage  # noqa: E402
from warehouse.services import warehouse_sync_demo  # noqa: E402

TARGETS_S = {"total_returns_full_panel": 3.0, "universe_on_date": 0.2, "stock_year": 0.05}
RESULTS = ROOT / "bench" / "results" / "warehouse.json"


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Median wall time (s) of ``repeat`` runs and the row count the call returned."""
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def _vdir(dataset: str) -> str:
    return str(storage.version_dir(dataset, storage.resolve_version(dataset)))


# --- naive pandas -------------------------------------------------------------------------------
def pandas_total_returns() -> int:
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
    return len(out)


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


# --- main -----------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> dict[str, object]:
    started = time.perf_counter()
    result = warehouse_sync_demo(stocks=args.stocks, years=args.years, seed=args.seed, writer="bench")
    print(result.message)
    return {"skipped": result.skipped, "seconds": round(time.perf_counter() - started, 1)}


def run(args: argparse.Namespace) -> dict[str, object]:
    build_info = build(args)
    daily = storage.load_manifest("crsp_daily", storage.resolve_version("crsp_daily"))
    start, end = dt.date.fromisoformat(daily.date_min), dt.date.fromisoformat(daily.date_max)
    as_of = readers.calendars.previous_session(start + (end - start) * 3 // 4)
    sample = readers.universe(as_of)
    permno = int(sample["permno"][len(sample) // 2])
    year = as_of.year

    started = time.perf_counter()
    for name in ("crsp_daily", "crsp_names", "crsp_delist", "compustat_annual", "ccm_link"):
        storage.version_files(name)
    verify_s = time.perf_counter() - started

    ours: dict[str, Callable[[], int]] = {
        "total_returns_full_panel": lambda: readers.total_returns(start, end).collect().height,
        "universe_on_date": lambda: readers.universe(as_of).height,
        "stock_year": lambda: readers.crsp_daily(dt.date(year, 1, 1), dt.date(year, 12, 31), permnos=[permno]).height,
        "stock_year_total_returns": lambda: (
            readers.total_returns(dt.date(year, 1, 1), dt.date(year, 12, 31), permnos=[permno]).collect().height
        ),
        "fundamentals_asof_by_permno": lambda: readers.fundamentals_asof(as_of, by="permno").height,
    }
    naive: dict[str, Callable[[], int]] = {
        "total_returns_full_panel": pandas_total_returns,
        "universe_on_date": lambda: pandas_universe(as_of),
        "stock_year": lambda: pandas_stock_year(permno, year),
        "fundamentals_asof_by_permno": lambda: pandas_fundamentals(as_of),
    }
    rows = []
    for name, fn in ours.items():
        seconds, n = timed(fn, args.repeat)
        entry: dict[str, object] = {"query": name, "seconds": round(seconds, 4), "rows": n,
                                    "rows_per_s": round(n / seconds) if seconds else None,
                                    "target_s": TARGETS_S.get(name)}  # fmt: skip
        entry["meets_target"] = None if name not in TARGETS_S else seconds < TARGETS_S[name]
        if name in naive and not args.skip_pandas:
            p_seconds, p_rows = timed(naive[name], 1)
            entry.update(pandas_seconds=round(p_seconds, 3), pandas_rows=p_rows, speedup=round(p_seconds / seconds, 1))
            entry["rows_match"] = p_rows == n  # the naive implementation is an independent cross-check
        rows.append(entry)
        print(_line(entry), flush=True)
    return {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "libraries": {"polars": pl.__version__, "pandas": pd.__version__, "duckdb": readers.duckdb.__version__},
        "config": {"stocks": args.stocks, "years": args.years, "seed": args.seed, "repeat": args.repeat},
        "build": build_info,
        "data": {
            "crsp_daily_rows": daily.rows,
            "crsp_daily_files": len(daily.files),
            "crsp_daily_bytes": daily.total_bytes,
            "date_min": daily.date_min,
            "date_max": daily.date_max,
            "as_of": as_of.isoformat(),
            "permno": permno,
            "year": year,
        },  # fmt: skip
        "checksum_verify_seconds": round(verify_s, 2),
        "results": rows,
    }


def _line(e: dict[str, object]) -> str:
    target = f"{e['target_s']}" if e.get("target_s") else "-"
    verdict = {True: "ok", False: "MISSED", None: ""}[e.get("meets_target")]  # type: ignore[index]
    pandas = f"{e['pandas_seconds']:>9.3f} {e['speedup']:>7.1f}x" if "pandas_seconds" in e else f"{'-':>9} {'-':>8}"
    return (f"{e['query']:<28} {e['seconds']:>9.4f} {e['rows']:>11,} {e['rows_per_s'] or 0:>13,} "
            f"{target:>7} {verdict:<6} {pandas}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stocks", type=int, default=5000)
    parser.add_argument("--years", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    print(f"data dir: {os.environ['QUANTDESK_DATA_DIR']}")
    print(
        f"{'query':<28} {'seconds':>9} {'rows':>11} {'rows/s':>13} {'target':>7} {'':<6} {'pandas s':>9} {'ratio':>8}"
    )
    report = run(args)
    print(f"checksum verification of the files read (once per process): {report['checksum_verify_seconds']} s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
