"""ruff passes on the whole tree: the lint rules and the formatter (pyproject ``[tool.ruff]``).

Run alone with ``.venv/bin/ruff check . && .venv/bin/ruff format --check .``; ``ruff format .``
fixes the formatting.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]], ids=["check", "format"])
def test_ruff_passes(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"ruff {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
