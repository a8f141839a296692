"""In-process ring buffer of request durations (milliseconds) for the health page.

Per-process by design: each web worker reports its own recent requests, which is what an operator
looking for a slow process wants; nothing is written to the database on the hot path.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

WINDOW = 2000
_samples: deque[float] = deque(maxlen=WINDOW)
_lock = threading.Lock()


def record(milliseconds: float) -> None:
    with _lock:
        _samples.append(milliseconds)


def percentiles() -> dict[str, float | int | None]:
    """Count and P50/P95/P99 (ms) of the window, numpy's default linear interpolation."""
    with _lock:
        values = np.fromiter(_samples, dtype=float)
    if values.size == 0:
        return {"count": 0, "p50": None, "p95": None, "p99": None}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"count": int(values.size), "p50": float(p50), "p95": float(p95), "p99": float(p99)}


def recent(limit: int = 120) -> list[float]:
    """The last ``limit`` request durations in milliseconds, oldest first (for the sparkline)."""
    if limit <= 0:
        return []
    with _lock:
        tail = list(_samples)[-limit:]
    return [round(value, 2) for value in tail]


def reset() -> None:
    with _lock:
        _samples.clear()
