"""Tax lots and wash sales."""

from django.db import models  # noqa: F401
