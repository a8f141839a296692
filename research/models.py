"""Factors, alpha research, attribution and the model registry."""

from django.db import models  # noqa: F401
