"""Run one full WRDS sync in a child process; optionally kill itself after a given year is saved.

    python -m tests.support.wrds_sync_child DBNAME WORKDIR DATASET [--die-after YEAR --signal KILL|INT]

Used by the crash/Ctrl-C tests: the signal arrives at a known point (right after year K's chunk and
checkpoint are on disk) so the parent can check what a re-run resumes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dbname")
    parser.add_argument("workdir", type=Path)
    parser.add_argument("dataset")
    parser.add_argument("--die-after", type=int, default=None)
    parser.add_argument("--signal", choices=["KILL", "INT"], default="KILL")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from tests.support.parquet_sink import ParquetSink
    from warehouse.sources.wrds.client import WrdsClient, WrdsConfig
    from warehouse.syncs.manager import WrdsSyncManager

    def on_chunk(year: int, rows: int) -> None:
        print(f"saved {year} {rows}", flush=True)
        if year == args.die_after:
            os.kill(os.getpid(), getattr(signal, f"SIG{args.signal}"))

    config = WrdsConfig(username="postgres", host="127.0.0.1", port=5432, dbname=args.dbname, sslmode="disable")
    manager = WrdsSyncManager(
        WrdsClient(config),
        ParquetSink(args.workdir / "warehouse"),
        sync_root=args.workdir / "_sync",
        lock_dir=args.workdir / "locks",
        on_chunk=on_chunk,
    )
    outcome = manager.full(args.dataset)
    print(f"published {outcome.version} {outcome.rows}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
