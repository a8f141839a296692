from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from quant.artifacts import artifact_open
from research.models import ModelVersion, SignalReport

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


def test_task_and_quickstart_step_are_idempotent(demo_reports, settings, tmp_path) -> None:
    from quant.quickstart import Options
    from research.quickstart import STEPS
    from research.tasks import build_signal_reports

    assert sorted(build_signal_reports("all")) == sorted(r.pk for r in demo_reports)
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
