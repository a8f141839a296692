from __future__ import annotations

import polars as pl
import pytest

from quant.artifacts import ArtifactCorrupt, artifact_open
from research.models import ModelVersion
from research.services.registry import (
    PromotionRefused,
    model_load_production,
    model_version_promote,
    model_version_register,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dirs(settings, tmp_path) -> None:
    settings.MODELS_DIR = tmp_path / "models"
    settings.LOCKS_DIR = tmp_path / "locks"


def _register(metrics: dict, config: dict | None = None) -> ModelVersion:
    frame = pl.DataFrame({"signal": ["a", "b"], "weight": [0.6, 0.4]})
    return model_version_register(
        name="combo", kind=ModelVersion.Kind.ALPHA_COMBINATION, config=config or {"m": "icir"},
        files={"weights.parquet": frame.write_parquet}, dataset_versions={"crsp_daily": 3}, metrics=metrics,
    ).version  # fmt: skip


def test_register_writes_files_with_hashes_and_is_idempotent(settings) -> None:
    v = _register({"oos_ic_mean": 0.03, "oos_ic_t_stat": 2.5})
    assert v.version == 1 and v.stage == "staging"
    assert (settings.MODELS_DIR / "combo" / "1" / "weights.parquet").exists()
    manifest = artifact_open(settings.MODELS_DIR / "combo" / "1").manifest
    assert manifest.kind == "model" and set(manifest.files) == {"weights.parquet"} == set(v.files)
    assert manifest.dataset_versions == {"crsp_daily": 3} and manifest.extra["version"] == 1
    assert _register({"oos_ic_mean": 0.03, "oos_ic_t_stat": 2.5}).pk == v.pk
    assert _register({"oos_ic_mean": 0.03}, config={"m": "ic"}).version == 2


def test_gates_refuse_with_the_reason_then_a_passing_version_is_promoted() -> None:
    weak = _register({"oos_ic_mean": 0.004, "oos_ic_t_stat": 2.5})
    with pytest.raises(PromotionRefused, match=r"oos_ic_mean = 0.004 fails the gate >= 0.01"):
        model_version_promote(version=weak)
    missing = _register({"oos_ic_mean": 0.05}, config={"x": 1})
    with pytest.raises(PromotionRefused, match="oos_ic_t_stat is missing"):
        model_version_promote(version=missing)
    good = _register({"oos_ic_mean": 0.05, "oos_ic_t_stat": 3.1}, config={"x": 2})
    model_version_promote(version=good)
    assert model_load_production("combo").version.pk == good.pk
    better = _register({"oos_ic_mean": 0.06, "oos_ic_t_stat": 3.5}, config={"x": 3})
    model_version_promote(version=better)
    good.refresh_from_db()
    assert good.stage == "archived" and model_load_production("combo").version.pk == better.pk


def test_gates_are_configurable_per_kind(settings) -> None:
    settings.RESEARCH_PROMOTION_GATES = {"alpha_combination": {"oos_ic_mean": [">=", 0.001]}}
    v = _register({"oos_ic_mean": 0.004})
    model_version_promote(version=v)
    assert v.stage == "production"


def test_loader_detects_a_modified_artifact(settings) -> None:
    v = _register({"oos_ic_mean": 0.05, "oos_ic_t_stat": 3.0})
    model_version_promote(version=v)
    path = settings.MODELS_DIR / "combo" / "1" / "weights.parquet"
    pl.DataFrame({"signal": ["a"], "weight": [1.0]}).write_parquet(path)
    with pytest.raises(ArtifactCorrupt, match=f"Corrupt artifact file {path}: its sha256 is"):
        model_load_production("combo")
    path.unlink()
    with pytest.raises(ArtifactCorrupt, match="the file is missing"):
        model_load_production("combo")


def test_no_production_version_is_a_clear_error() -> None:
    with pytest.raises(LookupError, match="no production version"):
        model_load_production("nothing")


def test_an_orphan_folder_without_a_row_is_replaced(settings) -> None:
    """A data directory reused with a new database (or a publish whose transaction rolled back)
    leaves a version folder no row owns: registering that number again replaces it."""
    v = _register({"oos_ic_mean": 0.03}, config={"m": "first"})
    ModelVersion.objects.filter(pk=v.pk).delete()  # the new database knows nothing of version 1
    again = _register({"oos_ic_mean": 0.05}, config={"m": "second"})
    assert again.version == 1
    manifest = artifact_open(settings.MODELS_DIR / "combo" / "1").manifest
    assert manifest.config_hash == again.config_hash and manifest.summary == {"oos_ic_mean": 0.05}
