"""One quant.Job per existing SignalReport: status, progress (0-100 -> 0..1), error and times move there."""

from django.db import migrations

KIND = "signal_report"


def forwards(apps, schema_editor):
    Job = apps.get_model("quant", "Job")
    SignalReport = apps.get_model("research", "SignalReport")
    for report in SignalReport.objects.filter(job__isnull=True).iterator():
        running = report.status == "running"
        job = Job.objects.create(
            kind=KIND,
            label=f"Signal report: {report.signal}",
            status=report.status,
            progress=min(1.0, max(0.0, report.progress / 100.0)),
            message=report.status,
            queue="analytics",
            params={"signal": report.signal},
            idempotency_key=f"{report.signal}:{report.definition_hash}:{report.data_hash}",
            attempts=0 if report.status == "queued" else 1,
            error=report.error,
            started_at=report.started_at,
            finished_at=report.finished_at,
            heartbeat_at=(report.started_at or report.created_at) if running else None,
        )
        Job.objects.filter(pk=job.pk).update(created_at=report.created_at)
        SignalReport.objects.filter(pk=report.pk).update(job=job)


def backwards(apps, schema_editor):
    SignalReport = apps.get_model("research", "SignalReport")
    Job = apps.get_model("quant", "Job")
    for report in SignalReport.objects.select_related("job").exclude(job=None).iterator():
        job = report.job
        status = job.status if job.status in ("queued", "running", "succeeded", "failed") else "failed"
        SignalReport.objects.filter(pk=report.pk).update(
            status=status, progress=round(100 * job.progress), error=job.error,
            started_at=job.started_at, finished_at=job.finished_at, job=None,
        )
        Job.objects.filter(pk=job.pk).delete()


class Migration(migrations.Migration):
    dependencies = [("research", "0002_signalreport_job"), ("quant", "0002_job")]
    operations = [migrations.RunPython(forwards, backwards)]
