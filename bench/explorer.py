"""SQL explorer benchmark: ``python bench/explorer.py`` (one command; prints a table, writes JSON).

Builds (once) the demo warehouse of ``--stocks`` x ``--years`` into ``$QUANTDESK_DATA_DIR``
(default /tmp/qd-bench, shared with bench/warehouse.py) through the same service as
``warehouse_sync --source demo``, then times, in the same run:

- a grouped aggregate over the full ``crsp_daily`` panel through the explorer (sqlglot gate + the
  locked, limited DuckDB connection + one page of rows) against plain DuckDB on the catalog;
- a 1,000,000-row CSV export through the export writer (the job's own code path, minus the job row).

Targets (docs/data-tools.md): aggregate < 1.5 s on 5,000 x 25 years, 1M-row CSV < 10 s. Timings
are the median of ``--repeat`` runs; results go to ``bench/results/explorer.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QUANTDESK_DATA_DIR", "/tmp/qd-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402

from warehouse import storage  # noqa: E402
from warehouse.datasets import ALL_DATASETS  # noqa: E402
from warehouse.explorer.engine import Limits, run_page  # noqa: E402
from warehouse.explorer.guard import check_query  # noqa: E402
from warehouse.explorer.services import write_query  # noqa: E402
from warehouse.services import warehouse_sync_demo  # noqa: E402

TARGETS_S: dict[str, float | None] = {
    "explorer_grouped_aggregate": 1.5,
    "explorer_grouped_distinct": None,  # heavier: distinct names and dollar volume, reported without a target
    "csv_export_1m_rows": 10.0,
    "csv_export_1m_rows_full_sort": None,  # the top 1M of all 35M rows by (permno, date): a full sort first
}
RESULTS = ROOT / "bench" / "results" / "explorer.json"
AGGREGATES = {
    "explorer_grouped_aggregate": "SELECT year(date) AS year, count(*) AS n, avg(ret) AS mean_ret "
    "FROM crsp_daily GROUP BY 1 ORDER BY 1",
    "explorer_grouped_distinct": "SELECT date_trunc('year', date) AS year, count(*) AS n, "
    "count(DISTINCT permno) AS names, avg(ret) AS mean_ret, sum(abs(prc) * vol) AS dollar_volume "
    "FROM crsp_daily GROUP BY 1 ORDER BY 1",
}
EXPORTS = {  # a dataset slice (the last year of the panel), and the same row count behind a full-panel sort
    "csv_export_1m_rows": "SELECT permno, date, ret, prc, vol FROM crsp_daily WHERE date >= (SELECT max(date) - 365 "
    "FROM crsp_daily) ORDER BY date, permno LIMIT 1000000",
    "csv_export_1m_rows_full_sort": "SELECT permno, date, ret, prc, vol FROM crsp_daily ORDER BY permno, date "
    "LIMIT 1000000",
}


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def _result(name: str, seconds: float, rows: int, peer: float | None) -> dict[str, object]:
    target = TARGETS_S[name]
    return {"seconds": round(seconds, 4), "rows": rows, "target_seconds": target,
            "plain_duckdb_seconds": None if peer is None else round(peer, 4),
            "passed": None if target is None else seconds < target}  # fmt: skip


def build(args: argparse.Namespace) -> None:
    if storage.current_version("crsp_daily") is None:
        print(f"building the demo warehouse ({args.stocks} x {args.years} years) in {storage.warehouse_dir()} ...")
        warehouse_sync_demo(stocks=args.stocks, years=args.years, seed=args.seed, writer="bench")


def run(args: argparse.Namespace) -> dict[str, object]:
    limits = Limits(memory="2GB", threads=2, seconds=60.0)
    rows: list[tuple[str, float, int, float | None]] = []
    for name, sql in AGGREGATES.items():
        checked = check_query(sql, allowed=tuple(ALL_DATASETS))
        explorer_s, groups = timed(lambda c=checked: run_page(c.sql, page=1, size=100, max_rows=10_000,
                                                              limits=limits).frame.height, args.repeat)  # fmt: skip

        def plain(sql: str = sql) -> int:
            con = duckdb.connect(str(storage.catalog_path()), read_only=True)
            try:
                return len(con.sql(sql).fetchall())
            finally:
                con.close()

        duckdb_s, plain_groups = timed(plain, args.repeat)
        assert groups == plain_groups, (groups, plain_groups)
        rows.append((name, explorer_s, groups, duckdb_s))
    panel_rows = duckdb.connect(str(storage.catalog_path()), read_only=True).sql(
        "select count(*) from crsp_daily").fetchall()[0][0]  # fmt: skip
    csv_mb = 0.0
    for name, sql in EXPORTS.items():
        export_sql = check_query(sql, allowed=tuple(ALL_DATASETS)).sql
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "export.csv"
            csv_s, exported = timed(lambda q=export_sql, t=target: write_query(q, "csv", t, seconds=300.0), args.repeat)
            csv_mb = target.stat().st_size / 1e6
        rows.append((name, csv_s, exported, None))
    print(f"{'benchmark':<30}{'seconds':>10}{'rows':>12}{'plain duckdb s':>16}{'target s':>10}")
    for name, seconds, n, peer in rows:
        peer_text = f"{peer:.3f}" if peer is not None else "—"
        target = TARGETS_S[name]
        print(f"{name:<30}{seconds:>10.3f}{n:>12,}{peer_text:>16}{'—' if target is None else f'{target:.1f}':>10}")
    return {
        "config": {"stocks": args.stocks, "years": args.years, "seed": args.seed, "repeat": args.repeat,
                   "crsp_daily_rows": panel_rows, "csv_mb": round(csv_mb, 1)},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "duckdb": duckdb.__version__},
        "results": {name: _result(name, s, n, p) for name, s, n, p in rows},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stocks", type=int, default=5000)
    parser.add_argument("--years", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    build(args)
    result = run(args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
