"""mypy passes on the typed core (STYLE.md "Types": quant/, */analytics/, risk/, warehouse/).

The scope and the options are pyproject's ``[tool.mypy]``; this test only runs it, so
``.venv/bin/mypy`` alone gives the same answer. The cache lives in the git-ignored ``.mypy_cache``
(a cold run takes ~7 s on two cores, ~15 s when they are busy; a warm one under a second).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_typed_core_passes_mypy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # [tool.mypy] files are relative to the repository root
    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache")]
    )
    assert status == 0, f"mypy failed (exit {status}); run `.venv/bin/mypy` to see it alone:\n{stdout}{stderr}"
    assert stdout.startswith("Success: no issues found in ")
