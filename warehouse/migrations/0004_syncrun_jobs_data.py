"""One quant.Job per existing SyncRun: status, times, error and log move there.

The two sync statuses outside the five job statuses become failed jobs whose message says which:
``refused: <lock holder>`` and ``interrupted: <reason>`` (``SyncRun.outcome`` reads them back).
"""

from django.db import migrations

KIND = "sync"


def _status_and_message(run):
    if run.status in ("refused", "interrupted"):
        return "failed", f"{run.status}: {run.error or run.status}"[:200]
    return run.status, run.status


def forwards(apps, schema_editor):
    Job = apps.get_model("quant", "Job")
    SyncRun = apps.get_model("warehouse", "SyncRun")
    for run in SyncRun.objects.filter(job__isnull=True).iterator():
        status, message = _status_and_message(run)
        job = Job.objects.create(
            kind=KIND,
            label=f"{run.source}: {run.dataset} ({run.mode})",
            status=status,
            progress=1.0 if status == "succeeded" else 0.0,
            message=message,
            queue="sync",
            params={"source": run.source, "datasets": [run.dataset], "mode": run.mode},
            attempts=1,
            error=run.error,
            log=run.log,
            started_at=run.started,
            finished_at=run.finished,
            heartbeat_at=run.started if status == "running" else None,
        )
        Job.objects.filter(pk=job.pk).update(created_at=run.started)
        SyncRun.objects.filter(pk=run.pk).update(job=job)


def backwards(apps, schema_editor):
    SyncRun = apps.get_model("warehouse", "SyncRun")
    Job = apps.get_model("quant", "Job")
    for run in SyncRun.objects.select_related("job").exclude(job=None).iterator():
        job = run.job
        status = job.status
        for outcome in ("refused", "interrupted"):
            if job.message.startswith(f"{outcome}:"):
                status = outcome
        status = status if status in ("running", "succeeded", "failed", "refused", "interrupted") else "failed"
        SyncRun.objects.filter(pk=run.pk).update(
            status=status, started=job.started_at or job.created_at, finished=job.finished_at,
            error=job.error, log=job.log, job=None,
        )
        if not SyncRun.objects.filter(job=job).exists():
            Job.objects.filter(pk=job.pk).delete()


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0003_syncrun_job"), ("quant", "0002_job")]
    operations = [migrations.RunPython(forwards, backwards)]
