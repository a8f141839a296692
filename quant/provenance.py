"""What every artifact and job row records about where it came from: a canonical JSON form of its
config, the hash of that text, and the version of the code that produced it. One implementation for
the backtests, risk and research apps."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from quant.io import sha256_bytes

REPO_ROOT = Path(__file__).resolve().parent.parent


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace: equal values give byte-identical text (and hashes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


@cache
def code_version() -> str:
    """``git describe`` of the checkout, else the installed package version, else ``unknown``."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"], cwd=REPO_ROOT, capture_output=True,
            text=True, timeout=5, check=True,
        )  # fmt: skip
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"quantdesk {version('quantdesk')}"
        except PackageNotFoundError:
            return "unknown"
