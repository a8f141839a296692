"""Quickstart steps of the warehouse: 20 builds the demo warehouse (skipped when it is already built with
that config); 25 creates the nightly sync schedules (idempotent)."""

from __future__ import annotations

from quant.quickstart import Options, Step
from warehouse.services import warehouse_sync_demo
from warehouse.syncs.schedules import default_enabled, schedule_syncs


def _build_demo(opts: Options) -> None:
    result = warehouse_sync_demo(stocks=opts.demo_stocks, years=opts.demo_years, seed=opts.seed, writer="quickstart")
    opts.stdout.write(result.message + "\n")


def _schedule_syncs(opts: Options) -> None:
    """Existing schedules keep their enabled flag; new ones start disabled in embedded mode without WRDS
    credentials (nothing to sync from), enabled otherwise."""
    enabled = default_enabled()
    reason = "" if enabled else " (embedded mode without WRDS_USERNAME; enable: python manage.py schedule_syncs)"
    for task, created in schedule_syncs(enabled=enabled, keep_state=True):
        state = "enabled" if task.enabled else f"disabled{reason}"
        opts.stdout.write(f"{task.name}: {'created' if created else 'kept'}, {state}\n")


STEPS = [
    Step(name="Build the demo warehouse", order=20, run=_build_demo),
    Step(name="Schedule the nightly syncs", order=25, run=_schedule_syncs),
]
