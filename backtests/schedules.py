"""The backtests app's beat schedule (registered by ``BacktestsConfig.ready``; `quant.schedules`)."""

from __future__ import annotations

from quant.schedules import Every, Schedule

REAPER = "backtests: reap stale runs"

SCHEDULES = (
    Schedule(REAPER, "backtests.tasks.reap_stale_runs", Every(60), "backtests",
             "Re-queue or fail runs whose worker stopped heart-beating."),
)  # fmt: skip
