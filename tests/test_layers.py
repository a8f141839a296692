"""The floors hold: import-linter's contracts (pyproject ``[tool.importlinter]``) pass on this tree,
and they fail when one import breaks them.

Run alone with ``.venv/bin/lint-imports`` from the repository root (about 0.3 s).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application import use_cases

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "pyproject.toml"
SETTINGS = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]
N_CONTRACTS = len(SETTINGS["contracts"])

configuration.configure()  # what `lint-imports` does first (import-linter's config readers)


def test_the_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    # import-linter finds the packages the way Python does: these are this checkout's files.
    for package in SETTINGS["root_packages"]:
        assert Path(importlib.import_module(package).__file__ or "").is_relative_to(ROOT), package
    kept = use_cases.lint_imports(str(CONFIG), cache_dir=None, no_logo=True)
    out = capsys.readouterr().out
    assert kept, f"import contracts broken; `.venv/bin/lint-imports` shows the same:\n{out}"
    assert f"Contracts: {N_CONTRACTS} kept, 0 broken." in out


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_one_upward_or_impure_import_breaks_the_contracts(tmp_path: Path) -> None:
    """A copy of the tree passes; the same copy with deliberate bad imports fails, each on the
    contract that forbids it (an upward import, a sideways import, an impure analytics module)."""
    tree = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in SETTINGS["root_packages"]:
        shutil.copytree(ROOT / package, tree / package, ignore=ignore)
    shutil.copy(CONFIG, tree / "pyproject.toml")
    clean = _lint(tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"Contracts: {N_CONTRACTS} kept, 0 broken." in clean.stdout

    (tree / "warehouse" / "floor_probe.py").write_text("from console.views import home\n")
    (tree / "tax" / "floor_probe.py").write_text("import alerts.models\n")
    probe = "from django.db import models\nfrom warehouse import storage\nfrom risk.services import artifacts\n"
    (tree / "research" / "analytics" / "floor_probe.py").write_text(probe)
    with (tree / "console" / "api.py").open("a") as api:  # the shell API is a facade: no views
        api.write("\nfrom backtests.views import runs as _runs_probe\n")
    broken = _lint(tree)
    out = broken.stdout
    assert broken.returncode == 1, out + broken.stderr
    assert f"Contracts: 0 kept, {N_CONTRACTS} broken." in out
    assert "warehouse is not allowed to import console" in out and "warehouse.floor_probe -> console.views.home" in out
    assert "tax is not allowed to import alerts" in out
    assert "console.api is not allowed to import backtests.views" in out
    for forbidden in ("django", "warehouse", "risk.services"):
        assert f"research.analytics is not allowed to import {forbidden}:" in out, forbidden
        assert f"research.analytics.floor_probe -> {forbidden}" in out, forbidden
