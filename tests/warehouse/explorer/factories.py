"""An export row (its job queued, nothing written) for page tests that need one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from quant.jobs.services import job_create
from warehouse.explorer.services import EXPORT_KIND
from warehouse.models_explorer import DataExport


def data_export_for(owner: Any, *, sql: str = "SELECT 1", fmt: str = "csv") -> DataExport:
    job = job_create(kind=EXPORT_KIND, label="export", requested_by=owner)
    return DataExport.objects.create(job=job, owner=owner, sql=sql, format=fmt,
                                     expires_at=timezone.now() + dt.timedelta(hours=1))  # fmt: skip
