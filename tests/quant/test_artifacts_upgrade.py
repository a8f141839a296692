"""artifacts_upgrade: folders in the four old manifest formats become readable artifacts."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from polars.testing import assert_frame_equal

from quant.artifacts import ArtifactCorrupt, artifact_open
from quant.io import sha256_file
from quant.provenance import canonical_json, sha256_text

FRAME = pl.DataFrame({"date": ["2024-01-02", "2024-01-03"], "net_return": [0.01, -0.02]})


@pytest.fixture
def dirs(settings, tmp_path: Path) -> Path:
    settings.BACKTESTS_DIR = tmp_path / "backtests"
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    settings.MODELS_DIR = tmp_path / "models"
    return tmp_path


def _folder(path: Path, manifest_name: str, manifest: dict, *, series_entries: bool) -> str:
    path.mkdir(parents=True)
    FRAME.write_parquet(path / "daily.parquet")
    digest = sha256_file(path / "daily.parquet")
    entry = {"path": "daily.parquet", "sha256": digest, "rows": 2} if series_entries else digest
    files = {"daily" if series_entries else "daily.parquet": entry}
    (path / manifest_name).write_text(json.dumps({**manifest, "files": files}))
    return digest


def test_every_old_format_is_converted_once_and_reads_back(dirs: Path) -> None:
    backtest = dirs / "backtests" / "7"
    _folder(backtest, "result.json", {"manifest_version": 1, "run_id": 7, "config_hash": "abc",
            "dataset_versions": {"crsp_daily": 2}, "code_version": "v1", "written_at": "2024-05-01T00:00:00+00:00",
            "summary": {"sharpe": 1.1}}, series_entries=True)  # fmt: skip
    walk = dirs / "backtests" / "8"
    _folder(walk, "result.json", {"manifest_version": 1, "run_id": 8, "kind": "walk_forward", "config": {"a": 1},
            "diagnostics": {"pbo": 0.2}}, series_entries=True)  # fmt: skip
    risk = dirs / "analytics" / "risk_models" / "f00d"
    _folder(risk, "manifest.json", {"kind": "risk_models", "version": "f00d", "config": {}, "config_hash": "h",
            "dataset_versions": {"crsp_daily": 2}, "code_version": "v1", "created": "2024-05-01T00:00:00+00:00",
            "summary": {"n_factors": 3}}, series_entries=False)  # fmt: skip
    report = dirs / "analytics" / "signal_reports" / "momentum" / "3"
    _folder(report, "manifest.json", {"signal": "momentum", "definition_hash": "d3f", "dataset_versions": {},
            "code_version": "v1", "horizons": [1, 5]}, series_entries=True)  # fmt: skip
    model = dirs / "models" / "combo" / "1"
    _folder(model, "metadata.json", {"name": "combo", "version": 1, "kind": "alpha_combination", "config": {},
            "config_hash": "c", "dataset_versions": {}, "metrics": {"oos_ic_mean": 0.02}, "code_version": "v1",
            "created": "2024-05-01T00:00:00+00:00"}, series_entries=False)  # fmt: skip
    with pytest.raises(ArtifactCorrupt, match="artifacts_upgrade"):
        artifact_open(backtest)
    out = StringIO()
    call_command("artifacts_upgrade", stdout=out)
    assert "converted 5 folder(s), 0 corrupt" in out.getvalue()
    kinds = {p.name: artifact_open(p).manifest.kind for p in (backtest, walk, risk, report, model)}
    assert kinds == {"7": "backtest", "8": "walk_forward", "f00d": "risk_models", "3": "signal_report", "1": "model"}
    m = artifact_open(backtest).manifest
    assert (m.config_hash, m.dataset_versions, m.code_version, m.created) == ("abc", {"crsp_daily": 2}, "v1",
                                                                              "2024-05-01T00:00:00+00:00")  # fmt: skip
    assert m.summary == {"sharpe": 1.1} and m.extra == {"run_id": 7}
    assert artifact_open(walk).manifest.config_hash == sha256_text(canonical_json({"a": 1}))
    assert artifact_open(report).manifest.config_hash == "d3f"
    assert artifact_open(model).manifest.summary == {"oos_ic_mean": 0.02}
    assert_frame_equal(artifact_open(report).read_parquet("daily"), FRAME)
    assert not (backtest / "result.json").exists() and not (model / "metadata.json").exists()
    again = StringIO()
    call_command("artifacts_upgrade", stdout=again)
    assert "converted 0 folder(s)" in again.getvalue()


def test_a_folder_failing_its_old_checksum_is_left_as_is_and_reported(dirs: Path) -> None:
    broken = dirs / "backtests" / "9"
    _folder(broken, "result.json", {"run_id": 9}, series_entries=True)
    pl.DataFrame({"x": [1]}).write_parquet(broken / "daily.parquet")
    staging = dirs / "backtests" / "9.attempt-2"  # a killed attempt's files: not a published folder
    _folder(staging, "result.json", {"run_id": 9}, series_entries=True)
    err = StringIO()
    with pytest.raises(CommandError, match="1 folder"):
        call_command("artifacts_upgrade", "--dry-run", stdout=StringIO(), stderr=err)
    assert f"left as is (corrupt): {broken}" in err.getvalue()
    assert (broken / "result.json").exists() and not (broken / "manifest.json").exists()
    assert not (staging / "manifest.json").exists()
