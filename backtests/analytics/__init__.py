"""Pure backtest analytics: performance metrics, the portfolio engine, Monte Carlo, walk-forward
and overfitting diagnostics. No Django, no file or network I/O."""
