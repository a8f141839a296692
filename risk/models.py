"""Risk model, portfolio risk, optimizer and stress tests."""

from django.db import models  # noqa: F401
