"""Locate /work/shared/data-style reference data (see /work/shared/data/PROVENANCE.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path | None:
    """``$QUANTDESK_SHARED_DATA``, else ``<repo>/../shared/data``, else ``/work/shared/data``.

    None if none of them exists.
    """
    candidates = [
        os.environ.get("QUANTDESK_SHARED_DATA"),
        REPO_ROOT.parent / "shared" / "data",
        "/work/shared/data",
    ]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return None


def require_shared_file(relative: str) -> Path:
    """Path of a shared reference file, or skip the test with the reason."""
    base = shared_data_dir()
    if base is None or not (base / relative).is_file():
        pytest.skip(f"shared reference data {relative!r} not found (set QUANTDESK_SHARED_DATA)")
    return base / relative
