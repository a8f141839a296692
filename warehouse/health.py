"""The "Warehouse" card of the System health page (reads manifests only: fast, no checksums)."""

from __future__ import annotations

from typing import Any

from quant.locks import read_lock
from warehouse.datasets import DATASETS
from warehouse.publish import LOCK_DOMAIN
from warehouse.selectors import dataset_summaries


def warehouse_check() -> Any:
    """ok: every dataset published and validated; warn: missing datasets or a writer is running."""
    from console.health.registry import CheckResult

    summaries = dataset_summaries()
    details: dict[str, str | int | float | None] = {s.dataset: f"v{s.version} ({s.rows:,} rows)" for s in summaries}
    holder = read_lock(LOCK_DOMAIN)
    if holder is not None:
        details["writer"] = holder.describe()
    if not summaries:
        return CheckResult("warn", "Empty: run python manage.py warehouse_sync --source demo", details)
    failed = [s.dataset for s in summaries if not s.validated]
    if failed:
        return CheckResult("bad", f"Live versions failed validation: {', '.join(failed)}", details)
    missing = [d for d in DATASETS if d not in {s.dataset for s in summaries}]
    newest = max((s.date_max for s in summaries if s.date_max), default=None)
    summary = f"{len(summaries)} datasets, data to {newest}"
    if missing:
        return CheckResult("warn", f"{summary}; not published: {', '.join(missing)}", details)
    return CheckResult("warn" if holder else "ok", summary + (" (a sync is running)" if holder else ""), details)
