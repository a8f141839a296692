from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from quant.artifacts import artifact_open
from quant.jobs.kinds import result_url
from research.analytics.signals import SIGNALS
from research.models import ModelVersion, SignalReport
from research.services.reports import signal_report_queue

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_command_reuses_identical_reports_and_rejects_unknown_names(demo_reports) -> None:
    before = SignalReport.objects.count()
    out = StringIO()
    call_command("alpha_build", "--signals", "momentum,noise", "--no-combination", stdout=out, verbosity=0)
    text = out.getvalue()
    assert "momentum" in text and "noise" in text and "alpha_build: 2 reports" in text
    assert SignalReport.objects.count() == before  # same definition + data hash: nothing new
    with pytest.raises(CommandError, match="unknown signal"):
        call_command("alpha_build", "--signals", "momentum,nope", stdout=StringIO())


def test_command_runs_are_jobs_with_their_progress_and_result(demo_reports) -> None:
    report = SignalReport.objects.select_related("job").get(pk=demo_reports[0].pk)
    job = report.job
    assert (job.kind, job.status, job.progress, job.queue) == ("signal_report", "succeeded", 1.0, "analytics")
    assert job.message.startswith(f"{report.signal}: IC(21d)") and job.attempts == 1
    assert job.idempotency_key == f"{report.signal}:{report.definition_hash}:{report.data_hash}"
    assert job.started_at <= job.finished_at and job.celery_task_id.startswith("local-")
    assert result_url(job) == f"/research/alpha/{report.signal}/"


def test_queue_reuses_done_reports_and_a_forced_job_runs_in_the_task(
    demo_reports, django_capture_on_commit_callbacks
) -> None:
    from research.tasks import build_signal_report

    with django_capture_on_commit_callbacks() as queued:
        again = signal_report_queue(names="momentum,noise")
    assert not queued and {r.pk for r in again} <= {r.pk for r in demo_reports}
    before = SignalReport.objects.select_related("job").get(signal="noise")
    old = before.job
    with django_capture_on_commit_callbacks() as queued:
        (report,) = signal_report_queue(names="noise", force=True)
    assert len(queued) == 1 and report.job.status == "queued" and report.job_id != old.pk
    old.refresh_from_db()
    assert old.status == "succeeded" and old.idempotency_key == ""  # kept as history, key handed over
    assert build_signal_report.apply(args=(report.job_id,), task_id=report.job.celery_task_id).get() == "succeeded"
    report.refresh_from_db()
    assert (report.job.status, report.job.attempts, report.job.progress) == ("succeeded", 1, 1.0)
    assert report.pk == before.pk and report.ic_mean == pytest.approx(before.ic_mean)  # same inputs, same numbers
    assert build_signal_report.apply(args=(report.job_id,)).get() == "succeeded"  # a second run does nothing


def test_a_report_queued_on_older_warehouse_versions_fails_with_the_reason(demo_reports) -> None:
    from research.services.reports import signal_report_request, signal_report_run

    report = SignalReport.objects.get(signal="noise")
    stale = {**report.dataset_versions, "crsp_daily": 999}
    request = signal_report_request(definition=SIGNALS["noise"], dataset_versions=stale)
    assert request.created and request.report.pk != report.pk
    outcome = signal_report_run(job_id=request.report.job_id)
    request.report.job.refresh_from_db()
    assert outcome.status == "failed" and "warehouse changed" in request.report.job.error


def test_quickstart_step_is_idempotent(demo_reports, settings, tmp_path) -> None:
    from quant.quickstart import Options
    from research.quickstart import STEPS

    settings.MODELS_DIR = tmp_path / "models"
    step = STEPS[0]
    assert step.order == 35
    opts = Options(stdout=StringIO(), demo_stocks=300, demo_years=6, seed=7)
    step.run(opts)
    step.run(opts)
    assert ModelVersion.objects.filter(name="alpha-icir-combo").count() == 1
    definitions = ModelVersion.objects.filter(kind="factor_definition")
    assert sorted(definitions.values_list("name", flat=True)) == sorted(f"signal-{r.signal}" for r in demo_reports)
    noise = definitions.get(name="signal-noise")
    assert noise.metrics["oos_ic_t_stat"] is not None and abs(noise.metrics["oos_ic_t_stat"]) < 2
    combo = ModelVersion.objects.get(name="alpha-icir-combo")
    assert {"oos_ic_mean", "oos_ic_t_stat", "is_ic_mean"} <= set(combo.metrics)
    assert (Path(combo.path) / "weights.parquet").exists() and "weights.parquet" in combo.files


def test_report_manifest_records_versions_and_hashes(demo_reports) -> None:
    report = next(r for r in demo_reports if r.signal == "sue")
    manifest = artifact_open(report.result_path).manifest
    assert manifest.kind == "signal_report" and manifest.config_hash == report.definition_hash
    assert manifest.dataset_versions["compustat_quarterly"] >= 1
    names = {"ic", "decay", "quantiles", "long_short", "group_ic", "values"}
    assert set(manifest.files) == {f"{n}.parquet" for n in names}
    assert manifest.extra["horizons"] == [1, 5, 10, 21, 63] and manifest.extra["signal"] == "sue"
