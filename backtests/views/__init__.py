"""Backtest pages: run list, launch form, run status/results, comparison, exports."""
