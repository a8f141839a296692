"""The risk app's beat schedule (registered by ``RiskConfig.ready``; `quant.schedules`)."""

from __future__ import annotations

from quant.schedules import Crontab, Schedule

SCHEDULES = (
    # Weekdays after the overnight syncs: the morning's risk model reads last night's warehouse.
    Schedule("risk: nightly risk model build", "risk.tasks.build_model", Crontab("30", "6", "1-5"), "analytics",
             "Rebuild the risk model as of the last warehouse date (a no-op when the inputs did not change)."),
)  # fmt: skip
