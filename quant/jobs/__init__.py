"""Long work of every kind: the queue (``queue``), the one job row (``quant.models.Job``), its
services (``services``), the kinds registry (``kinds``) and the in-task helper (``runner``).

Only the queue API is re-exported here, so importing ``quant.jobs`` never touches the ORM.
"""

from quant.jobs.queue import (
    InProcessStats,
    JobHandle,
    JobSubmissionError,
    broker_configured,
    enqueue,
    enqueue_on_commit,
    inprocess_stats,
    shutdown_inprocess,
)

__all__ = [
    "InProcessStats",
    "JobHandle",
    "JobSubmissionError",
    "broker_configured",
    "enqueue",
    "enqueue_on_commit",
    "inprocess_stats",
    "shutdown_inprocess",
]
