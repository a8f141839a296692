"""One ``quant.Job`` per existing backtest run, copying its status, progress (0-100 -> 0..1),
message, error, attempts, task id, cancel flag and times.

A top-level run's job gets the idempotency key ``<config_hash>/<data_hash>`` (the old "one live run
per config and data" constraint); walk-forward children get none. A walk-forward parent runs no
task of its own, so its job keeps no heartbeat (the reaper only looks at heart-beating jobs).

The beat entry of the old backtest reaper (``backtests.tasks.reap_stale_runs``) is deleted: the
generic ``quant.reap_jobs`` replaces it.
"""

from __future__ import annotations

from django.db import migrations


def _key(run) -> str:  # noqa: ANN001 - historical model
    return f"{run.config_hash}/{run.data_hash}" if run.parent_id is None else ""


def runs_to_jobs(apps, schema_editor) -> None:  # noqa: ANN001, ARG001 - migration signature
    BacktestRun = apps.get_model("backtests", "BacktestRun")
    Job = apps.get_model("quant", "Job")
    for run in BacktestRun.objects.filter(job__isnull=True).order_by("id").iterator():
        walk_forward = run.kind == "walk_forward"
        cancel_at = (run.finished_at or run.heartbeat_at or run.created_at) if run.cancel_requested else None
        job = Job.objects.create(
            kind="walk_forward" if walk_forward else "backtest",
            label=run.label[:200],
            status=run.status,
            progress=min(1.0, max(0.0, run.progress / 100.0)),
            message=run.progress_message[:200],
            requested_by_id=run.owner_id,
            queue="backtests",
            params={"run_id": run.pk},
            idempotency_key=_key(run),
            celery_task_id=run.celery_task_id,
            attempts=run.attempts,
            max_attempts=max(2, run.attempts),
            cancel_requested_at=cancel_at,
            error=run.error,
            started_at=run.started_at,
            finished_at=run.finished_at,
            heartbeat_at=None if walk_forward else run.heartbeat_at,
        )
        Job.objects.filter(pk=job.pk).update(created_at=run.created_at)  # auto_now_add on create
        BacktestRun.objects.filter(pk=run.pk).update(job=job)


def jobs_to_runs(apps, schema_editor) -> None:  # noqa: ANN001, ARG001 - migration signature
    BacktestRun = apps.get_model("backtests", "BacktestRun")
    Job = apps.get_model("quant", "Job")
    for run in BacktestRun.objects.filter(job__isnull=False).select_related("job").iterator():
        job = run.job
        BacktestRun.objects.filter(pk=run.pk).update(
            status=job.status, progress=round(100 * job.progress), progress_message=job.message,
            celery_task_id=job.celery_task_id, cancel_requested=job.cancel_requested_at is not None,
            attempts=job.attempts, error=job.error, created_at=job.created_at, started_at=job.started_at,
            finished_at=job.finished_at, heartbeat_at=job.heartbeat_at, job=None,
        )  # fmt: skip
        Job.objects.filter(pk=job.pk).delete()


def drop_old_reaper_entry(apps, schema_editor) -> None:  # noqa: ANN001, ARG001 - migration signature
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="backtests.tasks.reap_stale_runs").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("backtests", "0002_backtestrun_job"),
        ("quant", "0002_job"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(runs_to_jobs, jobs_to_runs),
        migrations.RunPython(drop_old_reaper_entry, migrations.RunPython.noop),
    ]
