"""The perf_report command end to end on files written to a temp dir."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.core.management import CommandError, call_command

from backtests.analytics import metrics as m


def monthly_file(tmp_path: Path) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(11)
    r = rng.normal(0.008, 0.04, 48)
    dates = [dt.date(2020 + (i + 1) // 12, (i + 1) % 12 + 1, 1) - dt.timedelta(days=1) for i in range(48)]
    values = [None if i == 5 else float(x) for i, x in enumerate(r)]
    p = tmp_path / "monthly.csv"
    pl.DataFrame({"date": dates, "return": values}).write_csv(p)
    return p, np.delete(r, 5)


def run(*args: str) -> str:
    out = StringIO()
    call_command("perf_report", *args, stdout=out)
    return out.getvalue()


def test_json_output_infers_monthly_and_matches_metrics(tmp_path: Path) -> None:
    path, r = monthly_file(tmp_path)
    payload = json.loads(run("--returns", str(path), "--format", "json", "--risk-free", "0.03"))
    assert payload["n_obs"] == 47 and payload["n_missing"] == 1
    assert payload["conventions"]["periods_per_year"] == 12
    assert any("assumed monthly" in n for n in payload["notes"])
    rf = 1.03 ** (1 / 12) - 1
    assert payload["sharpe_ratio"] == pytest.approx(m.sharpe_ratio(r, risk_free=rf, periods_per_year=12), rel=1e-12)
    assert payload["annual_return"] == pytest.approx(np.prod(1 + r) ** (12 / 47) - 1, rel=1e-12)
    assert payload["max_drawdown"] == pytest.approx(m.max_drawdown(r), rel=1e-12)
    assert payload["benchmark"] is None


def test_table_output_with_benchmark_and_explicit_periods(tmp_path: Path) -> None:
    path, _ = monthly_file(tmp_path)
    text = run("--returns", str(path), "--benchmark", str(path), "--periods-per-year", "12")
    assert "assumed" not in text
    lines = {line.split()[0]: line.split()[-1] for line in text.splitlines() if line.strip() and " " in line.strip()}
    assert lines["benchmark.beta"] == "1.000"
    assert lines["benchmark.tracking_error"] == "0.00%"
    assert lines["n_missing"] == "1"


def test_bad_file_is_a_command_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("date,return\n2024-01-02,0.01\n2024-01-02,0.02\n")
    with pytest.raises(CommandError, match="duplicated dates 2024-01-02"):
        run("--returns", str(p))
    with pytest.raises(CommandError, match="no such file"):
        run("--returns", str(tmp_path / "missing.csv"))


def test_benchmark_without_common_dates_is_rejected(tmp_path: Path) -> None:
    path, _ = monthly_file(tmp_path)
    other = tmp_path / "other.csv"
    other.write_text("date,return\n1999-01-29,0.01\n1999-02-26,0.02\n")
    with pytest.raises(CommandError, match="shares only 0"):
        run("--returns", str(path), "--benchmark", str(other))
