from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from research.selectors import report_frame

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_alpha_report_reads_the_real_warehouse(demo_reports, tmp_path: Path) -> None:
    momentum = next(r for r in demo_reports if r.signal == "momentum")
    values = report_frame(momentum, "values")
    path = tmp_path / "momentum.parquet"
    values.write_parquet(path)
    out = StringIO()
    call_command("alpha_report", "--signal", str(path), "--warehouse", "--horizons", "21", "--format", "json",
                 "--backend", "local", stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    # the same signal and the same total-return prices give the report's 21-session IC
    assert report["horizons"][0]["ic"]["mean"] == pytest.approx(momentum.ic_mean, abs=1e-12)


def test_attribution_command_uses_the_warehouse_ff_factors_by_default(demo_reports, tmp_path: Path) -> None:
    """A return series built from the warehouse's own factors (0.5 + 1.2 mktrf − 0.3 hml, in excess
    of rf, plus a 1 bp daily alpha) is attributed exactly: coefficients to 1e-8, R² = 1."""
    from research import io

    factors = io.warehouse_factors("daily")
    planted = pl.col("rf") + 1e-4 + 1.2 * pl.col("mktrf") - 0.3 * pl.col("hml")
    returns = factors.select("date", planted.alias("return"))
    path = tmp_path / "r.csv"
    returns.write_csv(path)
    out = StringIO()
    call_command("attribution", "--returns", str(path), "--model", "ff3", "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["betas"]["mktrf"] == pytest.approx(1.2, abs=1e-8)
    assert result["betas"]["hml"] == pytest.approx(-0.3, abs=1e-8)
    assert result["betas"]["smb"] == pytest.approx(0.0, abs=1e-8)
    assert result["alpha"] == pytest.approx(1e-4, abs=1e-9) and result["r2"] == pytest.approx(1.0, abs=1e-9)
    assert result["n_obs"] == factors.height
