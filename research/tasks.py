"""Research Celery tasks: thin wrappers over services, safe to run twice (reports are idempotent)."""

from __future__ import annotations

from celery import shared_task

from research.services.reports import alpha_build


@shared_task(name="research.tasks.build_signal_reports", acks_late=True, soft_time_limit=1800, time_limit=1900)
def build_signal_reports(names: str = "all") -> list[int]:
    """Compute the missing signal reports on the current warehouse versions; returns report ids."""
    return [report.pk for report in alpha_build(names=names)]
