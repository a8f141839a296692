"""Writes of `SyncRun` rows. Syncs report through a `Recorder` so they also run without a database
(e.g. a crash-test subprocess) with `NullRecorder`."""

from __future__ import annotations

from typing import Protocol

from django.utils import timezone

from warehouse.models_sync import SyncRun


class Recorder(Protocol):
    def start(self, *, dataset: str, source: str, mode: str, query_hash: str = "") -> int | None: ...

    def finish(
        self,
        run_id: int | None,
        *,
        status: str,
        rows: int | None = None,
        version: str = "",
        error: str = "",
        log: str = "",
        checkpoint: str = "",
    ) -> None: ...


class NullRecorder:
    """Records nothing (no database available)."""

    def start(self, *, dataset: str, source: str, mode: str, query_hash: str = "") -> int | None:
        return None

    def finish(self, run_id: int | None, **fields: object) -> None:
        return None


class OrmRecorder:
    """One `SyncRun` row per sync, created as "running" and closed with its outcome."""

    def start(self, *, dataset: str, source: str, mode: str, query_hash: str = "") -> int | None:
        run = SyncRun.objects.create(
            dataset=dataset, source=source, mode=mode, query_hash=query_hash, started=timezone.now()
        )
        return run.pk

    def finish(
        self,
        run_id: int | None,
        *,
        status: str,
        rows: int | None = None,
        version: str = "",
        error: str = "",
        log: str = "",
        checkpoint: str = "",
    ) -> None:
        if run_id is None:
            return
        SyncRun.objects.filter(pk=run_id).update(
            status=status,
            rows=rows,
            version=version,
            error=error,
            log=log,
            checkpoint=checkpoint,
            finished=timezone.now(),
        )
