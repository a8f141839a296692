"""Backtest engine, job rows and results."""

from django.db import models  # noqa: F401
