"""The alerts app's beat schedule (registered by ``AlertsConfig.ready``; `quant.schedules`).

Report schedules are rows of their own (``ReportSchedule``), each with its own crontab
``PeriodicTask`` kept in step by ``alerts.reports.services.report_schedule_save``.
"""

from __future__ import annotations

from quant.schedules import Every, Schedule

SCHEDULES = (
    Schedule("alerts: evaluate rules", "alerts.evaluate_rules", Every(60), "alerts",
             "Evaluate every enabled alert rule: raise what holds (deduplicated, cool-down), resolve what cleared."),
    Schedule("alerts: retry deliveries", "alerts.retry_deliveries", Every(60), "alerts",
             "Queue the next attempt of failed deliveries whose backoff has passed (dead letter after the last)."),
)  # fmt: skip
