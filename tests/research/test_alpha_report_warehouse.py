from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from research.selectors import report_frame

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_alpha_report_reads_the_real_warehouse(demo_reports, tmp_path: Path) -> None:
    momentum = next(r for r in demo_reports if r.signal == "momentum")
    values = report_frame(momentum, "values").rename({"asset": "asset"})
    path = tmp_path / "momentum.parquet"
    values.write_parquet(path)
    out = StringIO()
    call_command("alpha_report", "--signal", str(path), "--warehouse", "--horizons", "21", "--format", "json",
                 "--backend", "local", stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    # the same signal and the same total-return prices give the report's 21-session IC
    assert report["horizons"][0]["ic"]["mean"] == pytest.approx(momentum.ic_mean, abs=1e-12)
