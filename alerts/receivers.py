"""Platform events (``quant.events``) raise alerts at once, without waiting for beat's evaluation.

A receiver never breaks its sender: an error here is logged and the next evaluation catches up.
"""

from __future__ import annotations

import logging
from typing import Any

from alerts.conditions import DELIVERY_KIND
from alerts.services import event_clear, event_raise
from quant import events

logger = logging.getLogger("quantdesk.alerts")


def _safely(kind: str, subject: str, message: str) -> None:
    try:
        event_raise(kind=kind, subject=subject, message=message)
    except Exception:  # the sender (a job finishing, a sync) must not fail because alerting did
        logger.exception("raising a %s alert about %s failed", kind, subject)


def on_job_failed(sender: Any, job: Any = None, **kwargs: Any) -> None:
    if job is None or job.kind == DELIVERY_KIND:
        return
    error = (job.error or job.message or "no error text").splitlines()[0][:200]
    _safely("job_failed", job.kind, f"{job.kind} job #{job.pk} failed: {error}")


def on_sync_failed(sender: Any, dataset: str = "", error: str = "", **kwargs: Any) -> None:
    _safely("sync_failed", dataset or "unknown dataset", f"sync of {dataset} failed: {error}"[:500])


def on_validation_failed(sender: Any, dataset: str = "", version: Any = None, **kwargs: Any) -> None:
    what = f"{dataset} version {version}" if version is not None else f"a new version of {dataset}"
    _safely("sync_failed", dataset or "unknown dataset", f"{what} failed validation (quarantined, not published)")


def on_breaker_tripped(sender: Any, reason: str = "", by: str = "", **kwargs: Any) -> None:
    _safely("breaker_tripped", "circuit breaker", f"circuit breaker tripped by {by or 'a rule'}: {reason}"[:500])


def on_breaker_reset(sender: Any, **kwargs: Any) -> None:
    try:
        event_clear(kind="breaker_tripped", subject="circuit breaker")
    except Exception:
        logger.exception("resolving the circuit-breaker alert failed")


def connect() -> None:
    events.job_failed.connect(on_job_failed, dispatch_uid="alerts.job_failed")
    events.sync_failed.connect(on_sync_failed, dispatch_uid="alerts.sync_failed")
    events.validation_failed.connect(on_validation_failed, dispatch_uid="alerts.validation_failed")
    events.breaker_tripped.connect(on_breaker_tripped, dispatch_uid="alerts.breaker_tripped")
    events.breaker_reset.connect(on_breaker_reset, dispatch_uid="alerts.breaker_reset")
