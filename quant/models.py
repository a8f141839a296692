"""Shared core models: strategies and the access log."""

from django.db import models  # noqa: F401
