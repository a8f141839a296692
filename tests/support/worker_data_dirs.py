"""Imported by a test's Celery worker (``start_worker(include=[...])``): point the worker's data
directories at the test's (``QD_TEST_DATA_DIRS``: JSON ``{"WAREHOUSE_DIR": "/tmp/...", ...}``),
since each test process makes its own temporary data directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

for _name, _path in json.loads(os.environ.get("QD_TEST_DATA_DIRS", "{}")).items():
    setattr(settings, _name, Path(_path))
