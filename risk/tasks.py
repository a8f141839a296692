"""Celery tasks for the risk model (queue "analytics"). Thin: JSON in, one service call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task

from quant.locks import LockBusy

HOUR = 3600
QUEUE = "analytics"


@shared_task(name="risk.tasks.build_model", acks_late=True, time_limit=2 * HOUR, soft_time_limit=2 * HOUR - 120)
def risk_build_task(as_of: str | None = None, universe: str = "all", run_id: int | None = None) -> dict[str, Any]:
    """Build the risk model (``run_id``'s row, or as of ``as_of`` / the warehouse's last date) and
    the built-in portfolios. Safe to run twice: identical inputs reuse the published artifact."""
    from risk.services.jobs import risk_refresh

    try:
        run = risk_refresh(as_of=dt.date.fromisoformat(as_of) if as_of else None, universe=universe, run_id=run_id)
    except LockBusy as exc:
        return {"status": "refused", "holder": str(exc)}
    return {"status": run.status, "run_id": run.pk, "version": run.version}
