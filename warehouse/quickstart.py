"""Quickstart step 20 of the warehouse: build the demo warehouse (skipped when it is already built with
that config). Its sync schedules are synced with every other app's by step 25 (`quant.quickstart`)."""

from __future__ import annotations

from quant.quickstart import Options, Step
from warehouse.syncs.service import demo_sync_run


def _build_demo(opts: Options) -> None:
    # As a sync job (Operations → Jobs), like `warehouse_sync --source demo`.
    result = demo_sync_run(stocks=opts.demo_stocks, years=opts.demo_years, seed=opts.seed, writer="quickstart")
    opts.stdout.write(result.message + "\n")


STEPS = [
    Step(name="Build the demo warehouse", order=20, run=_build_demo),
]
