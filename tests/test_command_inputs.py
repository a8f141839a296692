"""Finding 11 of issue 12: every command that reads a user file answers bad input with one line
and exit code 2 (no traceback, no exit 0 with null metrics), and its JSON output is strict JSON.

Each case runs ``manage.py`` in a subprocess, as a user would."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.support.shared_data import shared_data_dir

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def _returns(path: Path, bad: float | None = None, *, parquet: bool = False) -> Path:
    rng = np.random.default_rng(3)
    days = [d for d in (dt.date(2019, 1, 2) + dt.timedelta(days=i) for i in range(370)) if d.weekday() < 5][:252]
    values = rng.normal(0.0005, 0.01, len(days))
    if bad is not None:
        values[10] = bad
    frame = pl.DataFrame({"date": days, "return": values})
    frame.write_parquet(path) if parquet else frame.write_csv(path)
    return path


def _long(path: Path, column: str, bad: float | None = None) -> Path:
    rng = np.random.default_rng(4)
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(40)]
    assets = [f"S{i}" for i in range(12)]
    values = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, (40, 12)), axis=0))
    if bad is not None:
        values[5, 3] = bad
    pl.DataFrame({"date": [d for d in dates for _ in assets], "asset": assets * 40, column: values.ravel()}).write_csv(
        path
    )
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    return {
        "good": _returns(d / "good.csv"),
        "inf": _returns(d / "inf.csv", math.inf),
        "huge": _returns(d / "huge.csv", 1e308),
        "ruin": _returns(d / "ruin.csv", -1.5),
        "minus_one": _returns(d / "minus_one.parquet", -1.0, parquet=True),
        "ninf_parquet": _returns(d / "ninf.parquet", -math.inf, parquet=True),
        "signal": _long(d / "signal.csv", "value"),
        "signal_inf": _long(d / "signal_inf.csv", "value", math.inf),
        "prices": _long(d / "prices.csv", "price"),
        "missing": d / "nope.csv",
        "garbage_dir": d,
    }


def _french() -> str:
    base = shared_data_dir()
    if base is None or not (base / "french").is_dir():
        pytest.skip("Ken French reference files are absent")
    return str(base / "french")


# (command, argument template, what the one-line error must say); {name} is a file above.
BAD_INPUTS = [
    ("perf_report", "--returns {good} --risk-free -1.5", "--risk-free must be > -1"),
    ("perf_report", "--returns {good} --risk-free nan", "--risk-free must be a finite number"),
    ("perf_report", "--returns {good} --confidence 1.5", "--confidence in (0, 1)"),
    ("perf_report", "--returns {good} --periods-per-year -12", "--periods-per-year must be > 0"),
    ("perf_report", "--returns {inf} --format json", "is not finite"),
    ("perf_report", "--returns {huge}", "is larger than 100"),
    ("perf_report", "--returns {ruin} --format json", "a loss of 100% or more"),
    ("perf_report", "--returns {minus_one}", "a loss of 100% or more"),
    ("perf_report", "--returns {ninf_parquet}", "is not finite"),
    ("perf_report", "--returns {good} --benchmark {huge}", "is larger than 100"),
    ("perf_report", "--returns {missing}", "no such file"),
    ("attribution", "--returns {good} --factors {french} --hac-lags -3", "--hac-lags must be >= 0"),
    ("attribution", "--returns {good} --factors {french} --rolling-window 0", "--rolling-window must be >= 10"),
    ("attribution", "--returns {inf} --factors {french} --format json", "non-finite values"),
    ("attribution", "--returns {huge} --factors {french}", "is larger than 100"),
    ("attribution", "--returns {ruin} --factors {french} --format json", "a loss of 100% or more"),
    ("attribution", "--returns {missing} --factors {french}", "file not found"),
    ("alpha_report", "--signal {signal} --prices {prices} --quantiles 0 --backend local", "--quantiles must be >= 2"),
    ("alpha_report", "--signal {signal} --prices {prices} --horizons 0,-5 --backend local", "--horizons must be"),
    ("alpha_report", "--signal {signal_inf} --prices {prices} --backend local", "non-finite values"),
    ("alpha_report", "--signal {signal} --prices {missing} --backend local", "file not found"),
    ("french_import", "{missing}", "does not exist"),
    ("french_import", "{garbage_dir}", "No Ken French files found"),
]


def _manage(command: str, template: str, files: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    names = {k: str(v) for k, v in files.items()}
    if "{french}" in template:
        names["french"] = _french()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    args = [a.format(**names) for a in template.split()]
    return subprocess.run([sys.executable, "manage.py", command, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip


@pytest.mark.parametrize(("command", "template", "says"), BAD_INPUTS, ids=[f"{c} {t}" for c, t, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_code_2(command: str, template: str, says: str, files) -> None:
    done = _manage(command, template, files)
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0], lines


def _strict(text: str) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_attribution_json_is_strict_with_null_and_a_reason(files, tmp_path: Path) -> None:
    # A constant excess return gives a perfect fit: t-stats divide by a zero standard error.
    factors = _french()
    done = _manage("attribution", "--returns {good} --factors {french} --format json", files)
    assert done.returncode == 0, done.stderr[-2000:]
    out = _strict(done.stdout)
    assert set(out["betas"]) == {"mktrf", "smb", "hml"}
    flat = tmp_path / "flat.csv"
    days = pl.read_csv(files["good"], try_parse_dates=True)["date"]
    pl.DataFrame({"date": days, "return": [0.0] * len(days)}).write_csv(flat)
    flat_done = _manage("attribution", f"--returns {flat} --factors {factors} --format json", files)
    assert flat_done.returncode in (0, 2), flat_done.stderr[-2000:]
    if flat_done.returncode == 0:
        flat_out = _strict(flat_done.stdout)
        for where in flat_out.get("null_reasons", {}):
            assert where.split(".")[0] in flat_out


def test_perf_report_json_is_strict(files) -> None:
    done = _manage("perf_report", "--returns {good} --format json", files)
    assert done.returncode == 0, done.stderr[-2000:]
    out = _strict(done.stdout)
    assert out["n_obs"] == 252 and out["sharpe_ratio"] is not None
