"""Make one kind of backtest hang in a "kernel" inside a real Celery worker (test support only).

Imported by a test worker with ``--include=tests.support.stuck_backtest``: it wraps the engine
function the backtest service calls so that a run whose config has ``commission_bps ==
STUCK_COMMISSION_BPS`` blocks in one long C call (``time.sleep``, which holds no Python frame that
could check anything) without ever calling its progress callback. Before blocking it writes the
worker child's PID to ``$STUCK_BACKTEST_PID_FILE``, so the test can tell that child was killed.
Every other run calls the real engine: the same worker can prove it still works afterwards.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from backtests.analytics import engine
from backtests.services import execute

STUCK_COMMISSION_BPS = 7.25
PID_FILE_ENV = "STUCK_BACKTEST_PID_FILE"
STUCK_SECONDS = 600


def _maybe_stuck(panels: Any, strategy: Any, costs: Any = None, **kwargs: Any) -> Any:
    if costs is not None and costs.commission_bps == STUCK_COMMISSION_BPS:
        Path(os.environ[PID_FILE_ENV]).write_text(str(os.getpid()))
        time.sleep(STUCK_SECONDS)  # one blocking call: no progress callback, no cancel check
    return engine.run_backtest(panels, strategy, costs, **kwargs)


execute.run_backtest = _maybe_stuck  # type: ignore[assignment]  # this worker process only
