"""docs/shell.md runs: every ```python block, in order, in one namespace, against the test demo
warehouse (300 names x 6 years with its signal reports, ``tests/research/conftest.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from research.models import SignalReport
from research.services.combination import alpha_combination_register
from tests.factories import UserFactory
from tests.research.conftest import _demo_session, demo_reports  # noqa: F401  (the shared fixtures)

DOC = Path(__file__).resolve().parents[2] / "docs" / "shell.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_document_has_python_blocks_that_use_the_api() -> None:
    blocks = BLOCK.findall(DOC.read_text())
    assert len(blocks) >= 6 and "from console import api" in blocks[0]


def test_every_snippet_of_docs_shell_md_runs_on_the_demo_warehouse(demo_reports, settings, tmp_path) -> None:  # noqa: F811
    settings.LOCKS_DIR = tmp_path / "locks"
    UserFactory(username="admin")  # the user the session queues its run under
    alpha_combination_register()  # what `alpha_build` registers after the reports (the doc's preface)
    ns: dict[str, object] = {}
    for i, block in enumerate(BLOCK.findall(DOC.read_text())):
        exec(compile(block, f"docs/shell.md block {i + 1}", "exec"), ns)  # noqa: S102
    # the objects the session made are the platform's, not invented: cross-check a few numbers
    report = SignalReport.objects.filter(signal="momentum").latest("created_at")
    assert ns["ic"].mean == pytest.approx(report.ic_mean, rel=1e-9)  # the signal report's own IC
    px, five, rets = ns["px"], ns["five"], ns["rets"]
    assert px.height > 100 and set(rets["permno"].unique()) <= set(five)
    assert ns["bt"].summary.sharpe is not None and ns["run"].config["signal"] == "momentum"
    fits = {c.model: c for c in ns["att"].candidates}
    assert ns["att"].model == max(fits, key=lambda m: fits[m].adj_r2)
    assert ns["ff3"].fit.result.alpha_annualised == pytest.approx(fits["ff3"].alpha_annualised, abs=0.02)
    assert isinstance(ns["rm"].covariance, pl.DataFrame) and ns["rm"].run.as_of <= ns["dt"].date(2024, 6, 30)
    assert ns["combo"].version.name == "alpha-icir-combo" and ns["combo"].paths
