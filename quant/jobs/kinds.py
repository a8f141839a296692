"""The registry of job kinds: what each kind of job is called, which queue runs it, how to queue
its task again and where its result is shown.

Each app registers its kinds once, from its ``AppConfig.ready``; the Jobs page, the reaper and
retry read them here. A higher floor hands the callables down (the shared core never imports an
app), so ``requeue`` and ``result_url`` are plain functions of the job row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quant.models import Job


@dataclass(frozen=True)
class JobKind:
    """One kind of job.

    ``requeue(job)`` queues the kind's task for ``job`` again (after commit); the reaper calls it for
    a job whose worker died and ``job_retry`` for a failed or cancelled one. Leave it ``None`` for a
    kind that cannot be re-run from the job alone (it is then failed instead of re-queued).
    ``result_url(job)`` is the page that shows the job's result (None when there is none yet).
    ``on_cancel(job)`` runs inside the cancel's transaction after the job row changed (e.g. a
    walk-forward cancels its candidate runs). ``view_permission`` / ``cancel_permission`` let a
    role see / cancel and retry every job of the kind (besides its requester and holders of
    ``quant.view_all_jobs`` / ``quant.change_job``).
    """

    name: str
    label: str
    queue: str = "default"
    requeue: Callable[[Job], None] | None = None
    result_url: Callable[[Job], str | None] | None = None
    on_cancel: Callable[[Job], None] | None = None
    view_permission: str = ""
    cancel_permission: str = ""


_KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> JobKind:
    """Register ``kind`` (idempotent for the same definition; a different one under a taken name fails)."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"Job kind {kind.name!r} is already registered with another definition.")
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds() -> list[JobKind]:
    """Every registered kind, by label."""
    return sorted(_KINDS.values(), key=lambda k: k.label)


def kind_label(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind else name


def result_url(job: Job) -> str | None:
    kind = _KINDS.get(job.kind)
    return kind.result_url(job) if kind and kind.result_url else None
