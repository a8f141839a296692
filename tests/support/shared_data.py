"""Locate the shared real reference data (/work/shared/data) used by tests.

Order: env ``QUANTDESK_SHARED_DATA``; ``<repo root>/../shared/data``; ``/work/shared/data``.
Tests call :func:`require_shared_file` so a clone without the folder skips with a clear reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FALLBACK = Path("/work/shared/data")


def shared_data_dir() -> Path | None:
    """The shared data folder, or None when it is absent."""
    env = os.environ.get("QUANTDESK_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [REPO_ROOT.parent / "shared" / "data", FALLBACK]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None


def require_shared_file(*parts: str) -> Path:
    """Path of a shared data file; skips the calling test when it is missing."""
    base = shared_data_dir()
    if base is None:
        pytest.skip("shared reference data folder (../shared/data) is absent")
    path = base.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"shared reference file {path} is absent")
    return path
