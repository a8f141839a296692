"""Golden backtests: recompute the pinned configs and fail on drift beyond the stored tolerance.

The inputs are the seeded synthetic panel (``backtests.synthetic``), not the demo warehouse, so
this runs anywhere. If a change is meant to move the numbers, run
``python manage.py backtest_goldens --regenerate`` and commit the diff it prints.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backtests.services import goldens as g

GOLDENS = g.load_goldens()


def test_every_case_has_a_golden_file() -> None:
    assert sorted(x.name for x in GOLDENS) == sorted(g.CASES)
    for golden in GOLDENS:
        assert golden.config == g.CASES[golden.name]


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda x: x.name)
def test_backtest_matches_its_golden(golden: g.Golden) -> None:
    drifts = g.golden_check(golden)
    assert [d for d in drifts if not d.within] == []
    assert all(d.new is not None for d in drifts)


def test_drift_beyond_tolerance_is_reported() -> None:
    golden = GOLDENS[0]
    moved = dataclasses.replace(golden, metrics={**golden.metrics, "sharpe": golden.metrics["sharpe"] * 1.001})
    drifts = {d.metric: d for d in g.golden_check(moved, metrics=golden.metrics)}
    assert not drifts["sharpe"].within and drifts["total_return"].within


def test_regenerate_writes_files_and_reports_old_to_new(tmp_path: Path, monkeypatch) -> None:
    case = "momentum_monthly_long_short"
    monkeypatch.setattr(g, "CASES", {case: g.CASES[case]})
    stale = json.loads((g.GOLDENS_DIR / f"{case}.json").read_text())
    stale["metrics"]["sharpe"] = 9.0
    (tmp_path / f"{case}.json").write_text(json.dumps(stale))
    report = g.goldens_regenerate(tmp_path)
    sharpe = next(d for d in report[case] if d.metric == "sharpe")
    assert sharpe.old == 9.0 and not sharpe.within
    committed = next(x for x in GOLDENS if x.name == case)
    assert sharpe.new == pytest.approx(committed.metrics["sharpe"], rel=1e-7)
    rewritten = json.loads((tmp_path / f"{case}.json").read_text())
    assert rewritten["metrics"]["sharpe"] == sharpe.new and rewritten["config_hash"] == g.CASES[case].hash()


def test_command_fails_on_drift(tmp_path: Path, monkeypatch, capsys) -> None:
    golden = next(x for x in GOLDENS if x.name == "low_vol_quarterly_top20_large_caps")
    body = json.loads(golden.path.read_text())
    body["metrics"]["cagr"] = 0.5
    (tmp_path / golden.path.name).write_text(json.dumps(body))
    monkeypatch.setattr(g, "GOLDENS_DIR", tmp_path)
    monkeypatch.setattr("backtests.management.commands.backtest_goldens.load_goldens", lambda: g.load_goldens(tmp_path))
    with pytest.raises(CommandError, match="1 golden"):
        call_command("backtest_goldens")
    assert "cagr" in capsys.readouterr().out
