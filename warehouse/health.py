"""Health cards of the warehouse: "Warehouse" (manifests only: fast, no checksums) and "Data providers"
(provider usage metrics and the last sync of each dataset)."""

from __future__ import annotations

import datetime as dt

from quant import calendars
from quant.locks import holder_alive, is_stale, read_lock
from quant.web.health import CheckResult, DetailValue
from warehouse import storage
from warehouse.datasets import DATASETS, TAQ_DATASETS
from warehouse.models_sync import SyncRun
from warehouse.providers.metrics import usage_summary
from warehouse.publish import LOCK_DOMAIN
from warehouse.selectors import dataset_summaries, last_sync_runs

SYNC_PROBLEMS = ("failed", "refused", "interrupted", "cancelled")
TAQ_STALE_SESSIONS = 5  # Tier 1 built by taq_sync from WRDS more than this many sessions behind: warn


def warehouse_check() -> CheckResult:
    """ok: every dataset published and validated; warn: missing datasets or a writer is running;
    bad: a live version failed validation, or the writer holding the lock is dead (a sync that died:
    its datasets were never released, the previous release is still live)."""
    summaries = dataset_summaries()
    details: dict[str, DetailValue] = {s.dataset: f"v{s.version} ({s.rows:,} rows)" for s in summaries}
    holder = read_lock(LOCK_DOMAIN)
    if holder is not None:
        details["writer"] = holder.describe()
        if is_stale(holder):
            why = "its process is gone" if holder_alive(holder) is False else "its lock expired"
            summary = (
                f"Sync failed: writer '{holder.writer}' died ({why}); nothing it wrote was released, the "
                "previous datasets are live. Its job is failed by the job reaper; run the sync again."
            )
            return CheckResult("bad", summary, details)
    if not summaries:
        return CheckResult("warn", "Empty: run python manage.py warehouse_sync --source demo", details)
    record = storage.read_verify_record()
    details["checksums verified"] = record["checked_at"][:19].replace("T", " ") + " UTC" if record else "never"
    if record and record["failed"]:
        details.update({f"tampered {i + 1}": path for i, path in enumerate(record["failed"][:5])})
        summary = (
            f"{len(record['failed'])} live file(s) failed their checksum (readers and the catalog refuse them): "
            "run python manage.py warehouse_verify, then re-sync or set_current to a good version"
        )
        return CheckResult("bad", summary, details)
    failed = [s.dataset for s in summaries if not s.validated]
    if failed:
        return CheckResult("bad", f"Live versions failed validation: {', '.join(failed)}", details)
    missing = [d for d in DATASETS if d not in {s.dataset for s in summaries}]
    newest = max((s.date_max for s in summaries if s.date_max), default=None)
    summary = f"{len(summaries)} datasets, data to {newest}"
    if missing:
        return CheckResult("warn", f"{summary}; not published: {', '.join(missing)}", details)
    return CheckResult("warn" if holder else "ok", summary + (" (a sync is running)" if holder else ""), details)


def _run_detail(run: SyncRun) -> str:
    version = f", v{run.version}" if run.version.isdigit() else (f", {run.version}" if run.version else "")
    rows = f", {run.rows:,} rows" if run.rows is not None else ""
    return f"{run.outcome} {run.job.created_at:%Y-%m-%d %H:%M} UTC ({run.source} {run.mode}{rows}{version})"


def providers_check() -> CheckResult:
    """Provider calls/rows/latency/failures over 7 days and the last sync of each dataset.

    warn: a provider call failed or a dataset's last sync failed, was refused or interrupted;
    unknown: nothing has run yet (the summary names the commands).
    """
    usage = usage_summary()
    runs = list(last_sync_runs())
    details: dict[str, DetailValue] = {
        u.provider: f"{u.calls:,} calls, {u.rows:,} rows, {u.mean_latency_ms:.0f} ms mean / "
        f"{u.max_latency_ms:.0f} ms max, {u.failures} failed"
        for u in usage
    }
    details.update({f"sync {r.dataset}": _run_detail(r) for r in runs})
    if not usage and not runs:
        return CheckResult(
            "unknown", "No provider calls or syncs yet: python manage.py wrds_sync --full --all, fetch_data", details
        )
    failing = sum(u.failures for u in usage)
    problems = [r.dataset for r in runs if r.outcome in SYNC_PROBLEMS]
    summary = f"{sum(u.calls for u in usage):,} provider calls in 7 days, {failing} failed; {len(runs)} datasets synced"
    if problems:
        return CheckResult("warn", f"{summary}; last sync not succeeded: {', '.join(problems)}", details)
    return CheckResult("warn" if failing else "ok", summary, details)


def taq_check(today: dt.date | None = None) -> CheckResult:
    """TAQ Tier 1 (taq_bars_1m, taq_daily, taq_intraday): published, validated and fresh.

    unknown: never built (optional data; the summary names the commands); bad: a live version failed
    validation; warn: one of the three missing, or WRDS-built data more than TAQ_STALE_SESSIONS NYSE
    sessions behind the last completed session. Demo data is not judged on freshness.
    """
    summaries = [s for s in dataset_summaries() if s.dataset in TAQ_DATASETS]
    if not summaries:
        return CheckResult("unknown", "No TAQ Tier 1: python manage.py taq_build --demo, or taq_sync from WRDS")
    details: dict[str, DetailValue] = {
        s.dataset: f"v{s.version} ({s.rows:,} rows, {s.source}, {s.date_min} to {s.date_max})" for s in summaries
    }
    failed = [s.dataset for s in summaries if not s.validated]
    if failed:
        return CheckResult("bad", f"Live TAQ versions failed validation: {', '.join(failed)}", details)
    newest = max((s.date_max for s in summaries if s.date_max), default=None)
    missing = [d for d in TAQ_DATASETS if d not in {s.dataset for s in summaries}]
    last_session = calendars.previous_session((today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1))
    behind = calendars.sessions(newest + dt.timedelta(days=1), last_session).len() if newest else 0
    details["sessions behind"] = behind
    summary = f"TAQ Tier 1 to {newest} ({behind} sessions behind {last_session})"
    if missing:
        return CheckResult("warn", f"{summary}; not published: {', '.join(missing)}", details)
    if all(s.source == "demo" for s in summaries):
        return CheckResult("ok", f"{summary}; demo data, freshness not judged", details)
    if behind > TAQ_STALE_SESSIONS:
        return CheckResult(
            "warn", f"{summary}: stale (over {TAQ_STALE_SESSIONS}); run python manage.py taq_sync", details
        )
    return CheckResult("ok", summary, details)
