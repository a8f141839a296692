"""Locate the shared real reference data (/work/shared/data) from a worktree or a clone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path | None:
    """QUANTDESK_SHARED_DATA, else <repo>/../shared/data, else /work/shared/data; None if none exists."""
    candidates = [os.environ.get("QUANTDESK_SHARED_DATA"), REPO_ROOT.parent / "shared" / "data", "/work/shared/data"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def require_shared_data(*parts: str) -> Path:
    """The path under the shared data directory, or skip the test with the reason."""
    base = shared_data_dir()
    if base is None:
        pytest.skip("shared reference data not found (set QUANTDESK_SHARED_DATA to the shared/data folder)")
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared reference file missing: {path}")
    return path
