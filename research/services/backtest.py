"""Which research signals the backtest engine can run, by name.

Backtests (a higher floor) read this to launch the alpha explorer's one-click backtest
(``backtests.services.launch``); research itself never imports backtests.
"""

from __future__ import annotations

# Research signal -> the backtest engine's built-in signal computing the same definition.
BACKTEST_SIGNALS = {"momentum": "momentum_12_1", "reversal": "reversal_1m", "lowvol": "low_vol",
                    "value": "value", "size": "size"}  # fmt: skip
