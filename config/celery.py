"""The Celery app. Workers: `celery -A config worker -Q default,sync,analytics,backtests,reports,alerts`."""

from __future__ import annotations

import os

from celery import Celery

from config.env import settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

settings_or_exit()
app = Celery("quantdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
