"""One quant.Job per existing RiskModelRun: status, progress, stage (-> message), error and times move there."""

from django.db import migrations

KIND = "risk_build"


def forwards(apps, schema_editor):
    Job = apps.get_model("quant", "Job")
    RiskModelRun = apps.get_model("risk", "RiskModelRun")
    for run in RiskModelRun.objects.filter(job__isnull=True).iterator():
        running = run.status == "running"
        job = Job.objects.create(
            kind=KIND,
            label=f"Risk model as of {run.as_of} ({run.universe})",
            status=run.status,
            progress=min(1.0, max(0.0, run.progress)),
            message=(run.stage or run.status)[:200],
            queue="analytics",
            params={"run_id": run.pk, "as_of": run.as_of.isoformat(), "universe": run.universe},
            idempotency_key=f"risk_model:{run.version}",
            attempts=0 if run.status == "queued" else 1,
            error=run.error,
            started_at=run.started,
            finished_at=run.finished,
            heartbeat_at=(run.started or run.created) if running else None,
        )
        Job.objects.filter(pk=job.pk).update(created_at=run.created)
        RiskModelRun.objects.filter(pk=run.pk).update(job=job)


def backwards(apps, schema_editor):
    RiskModelRun = apps.get_model("risk", "RiskModelRun")
    Job = apps.get_model("quant", "Job")
    for run in RiskModelRun.objects.select_related("job").exclude(job=None).iterator():
        job = run.job
        status = job.status if job.status in ("queued", "running", "succeeded", "failed") else "failed"
        RiskModelRun.objects.filter(pk=run.pk).update(
            status=status, progress=job.progress, stage=job.message[:80], error=job.error,
            started=job.started_at, finished=job.finished_at, job=None,
        )
        Job.objects.filter(pk=job.pk).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_riskmodelrun_job"), ("quant", "0002_job")]
    operations = [migrations.RunPython(forwards, backwards)]
