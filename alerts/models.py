"""Alert rules and channels (email, Slack, SMS)."""

from django.db import models  # noqa: F401
