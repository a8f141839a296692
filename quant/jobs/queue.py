"""Queue a Celery task, or run it in a worker thread of this process when there is no broker.

Two modes, chosen per call from ``settings.CELERY_BROKER_URL``:

* **Queue** (``REDIS_URL`` set): ``enqueue`` calls ``task.apply_async`` on the named queue; a Celery
  worker consuming that queue runs it (``celery -A config worker -Q default,...``).
* **Embedded** (no ``REDIS_URL``): ``enqueue`` submits ``task.apply(...)`` to a small module-level
  ``ThreadPoolExecutor`` (``JOBS_INPROCESS_WORKERS`` threads, default 1). The job still runs, its
  failures are logged, and the base template shows the "No queue server" banner.

Either way a job is never silently dropped: if it cannot be submitted, ``enqueue`` raises
``JobSubmissionError``.

Transactions: a task reads its inputs (job rows) from the database, so it must be queued only after
the transaction that wrote them commits — otherwise a fast worker (or the in-process thread, which
has its own connection) sees no row. Services therefore queue through ``enqueue_on_commit`` (or call
``enqueue`` inside their own ``transaction.on_commit`` callback); ``enqueue`` itself submits at once.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from celery import Task
from celery.result import AsyncResult, EagerResult
from django.conf import settings
from django.db import close_old_connections, connections, transaction

from config.env import env_int

logger = logging.getLogger("quantdesk.jobs")

INPROCESS_WORKERS_ENV = "JOBS_INPROCESS_WORKERS"


class JobSubmissionError(RuntimeError):
    """The job could not be handed to the broker or to the in-process executor."""


@dataclass(frozen=True)
class InProcessStats:
    """Counters of the embedded executor, for the health page."""

    workers: int
    submitted: int
    running: int
    succeeded: int
    failed: int

    @property
    def waiting(self) -> int:
        return self.submitted - self.running - self.succeeded - self.failed


@dataclass(frozen=True)
class JobHandle:
    """What ``enqueue`` returns: the task id and a way to wait for the result.

    ``result()`` returns the task's return value or raises its exception, in both modes.
    """

    id: str
    task_name: str
    queue: str
    in_process: bool
    _async_result: AsyncResult | None = field(default=None, repr=False)
    _future: Future[EagerResult] | None = field(default=None, repr=False)

    def done(self) -> bool:
        if self._future is not None:
            return self._future.done()
        assert self._async_result is not None
        return self._async_result.ready()

    def result(self, timeout: float | None = None) -> Any:
        """Wait up to ``timeout`` seconds; raise ``TimeoutError`` if the job has not finished."""
        if self._future is not None:
            try:
                eager = self._future.result(timeout=timeout)
            except FutureTimeout as exc:
                raise TimeoutError(f"Job {self.id} ({self.task_name}) still running after {timeout}s") from exc
            return eager.get(propagate=True)
        assert self._async_result is not None
        from celery.exceptions import TimeoutError as CeleryTimeout

        try:
            return self._async_result.get(timeout=timeout, propagate=True)
        except CeleryTimeout as exc:
            raise TimeoutError(f"Job {self.id} ({self.task_name}) still running after {timeout}s") from exc


class _InProcessRunner:
    """The embedded executor and its counters (one per web process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._reaper: threading.Thread | None = None
        self._reaper_stop = threading.Event()
        self._workers = 0
        self._submitted = self._running = self._succeeded = self._failed = 0

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._workers = env_int(INPROCESS_WORKERS_ENV, 1, minimum=1)
                self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="qd-job")
                self._start_reaper()
            return self._executor

    def _start_reaper(self) -> None:
        """Without a broker there is no beat: this process re-queues (or fails) jobs whose thread
        died with an earlier web process, at once and then every ``JOBS_EMBEDDED_REAPER_SECONDS``."""
        from quant.jobs import conf

        every = conf.embedded_reaper_seconds()
        if every <= 0 or (self._reaper is not None and self._reaper.is_alive()):
            return
        self._reaper_stop = threading.Event()
        self._reaper = threading.Thread(
            target=_reap_every, args=(every, self._reaper_stop), name="qd-job-reaper", daemon=True
        )
        self._reaper.start()

    def submit(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], task_id: str) -> Future[EagerResult]:
        future = self.executor().submit(self._run, task, args, kwargs, task_id)
        with self._lock:
            self._submitted += 1
        return future

    def _run(self, task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], task_id: str) -> EagerResult:
        with self._lock:
            self._running += 1
        close_old_connections()
        ok = False
        try:
            # throw=False: the EagerResult carries the exception; we log it here and the caller's
            # handle.result() re-raises it. The thread itself must survive for the next job.
            eager = task.apply(args=args, kwargs=kwargs, task_id=task_id, throw=False)
            ok = eager.successful()
            if not ok:
                logger.error("In-process job %s (%s) failed: %r\n%s", task_id, task.name, eager.result, eager.traceback)
            return eager
        except BaseException:
            logger.exception("In-process job %s (%s) crashed", task_id, task.name)
            raise
        finally:
            # The pool thread lives on; its thread-local DB connections must not.
            connections.close_all()
            with self._lock:
                self._running -= 1
                if ok:
                    self._succeeded += 1
                else:
                    self._failed += 1

    def stats(self) -> InProcessStats:
        with self._lock:
            workers = self._workers or env_int(INPROCESS_WORKERS_ENV, 1, minimum=1)
            return InProcessStats(workers, self._submitted, self._running, self._succeeded, self._failed)

    def shutdown(self, *, wait: bool = True) -> None:
        self._reaper_stop.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)


def _reap_every(seconds: int, stop: threading.Event) -> None:
    from quant.jobs.services import jobs_reap

    while True:
        try:
            jobs_reap()
        except Exception:  # a database hiccup must not end the reaper for good
            logger.exception("embedded job reaper failed")
        finally:
            connections.close_all()
        if stop.wait(seconds):
            return


_runner = _InProcessRunner()


def broker_configured() -> bool:
    return bool(settings.CELERY_BROKER_URL)


def enqueue(
    task: Task,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    queue: str = "default",
    priority: int | None = None,
    task_id: str | None = None,
    countdown: float | None = None,
) -> JobHandle:
    """Run ``task`` asynchronously: on the Celery queue ``queue``, or in-process without a broker.

    Pass IDs and small JSON values only. ``queue`` must be one of ``CELERY_TASK_QUEUES_NAMES``;
    ``priority`` (0-9, Redis transport) and ``countdown`` (seconds before it may start) are ignored
    in-process; ``task_id`` names the task (a job row stores it first, so it can be revoked).
    Raises ``JobSubmissionError`` if the job cannot be submitted; never drops it silently.
    """
    known_queues = list(settings.CELERY_TASK_QUEUES_NAMES)
    if queue not in known_queues:
        # A message on a queue no worker consumes would wait forever: refuse it loudly instead.
        raise JobSubmissionError(f"Unknown queue {queue!r} for {task.name}; queues are {known_queues}.")
    call_args = tuple(args)
    call_kwargs = dict(kwargs or {})
    task_id = task_id or str(uuid.uuid4())
    if broker_configured():
        options: dict[str, Any] = {"queue": queue, "task_id": task_id}
        if priority is not None:
            options["priority"] = priority
        if countdown is not None:
            options["countdown"] = countdown
        try:
            async_result = task.apply_async(args=call_args, kwargs=call_kwargs, **options)
        except Exception as exc:
            raise JobSubmissionError(f"Could not queue {task.name} on {queue!r}: {exc}") from exc
        return JobHandle(task_id, task.name, queue, False, _async_result=async_result)
    try:
        future = _runner.submit(task, call_args, call_kwargs, task_id)
    except Exception as exc:
        raise JobSubmissionError(f"Could not start {task.name} in-process: {exc}") from exc
    logger.info("Job %s (%s) runs in-process (no CELERY_BROKER_URL)", task_id, task.name)
    return JobHandle(task_id, task.name, queue, True, _future=future)


def enqueue_on_commit(
    task: Task,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    queue: str = "default",
    priority: int | None = None,
    task_id: str | None = None,
    countdown: float | None = None,
) -> None:
    """Queue ``task`` once the current transaction commits (at once when not in a transaction).

    ``robust=False``: a submission failure propagates to the committing caller instead of being
    swallowed, so a job is never lost without an error.
    """
    transaction.on_commit(
        partial(
            enqueue,
            task,
            args=args,
            kwargs=kwargs,
            queue=queue,
            priority=priority,
            task_id=task_id,
            countdown=countdown,
        ),
        robust=False,
    )


def inprocess_stats() -> InProcessStats:
    return _runner.stats()


def shutdown_inprocess(*, wait: bool = True) -> None:
    """Stop the embedded executor (tests, process exit); the next ``enqueue`` starts a new one."""
    _runner.shutdown(wait=wait)
