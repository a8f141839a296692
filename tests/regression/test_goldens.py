"""Golden backtests: recompute the pinned configs on the pinned demo warehouse and fail on drift.

The demo warehouse (``goldens.PINNED_DEMO``) is generated once per session in a temporary
directory and read through the production path (``backtests.data.load_inputs`` ->
``warehouse.readers``). If a change is meant to move the numbers, run
``python manage.py backtest_goldens --regenerate`` and commit the diff it prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backtests.services import goldens as g

GOLDENS = g.load_goldens()
BY_NAME = {x.name: x for x in GOLDENS}


def test_every_case_has_a_golden_file_on_the_pinned_demo(pinned_demo: g.PinnedDemo) -> None:
    assert sorted(BY_NAME) == sorted(g.CASES)
    for golden in GOLDENS:
        assert golden.config == g.CASES[golden.name]
        assert golden.config.source == "warehouse"
        assert golden.demo_config_hash == pinned_demo.config_hash
        assert golden.dataset_versions == {"crsp_daily": 1, "crsp_delist": 1, "crsp_names": 1}
        body = json.loads(golden.path.read_text())
        assert {k: body["demo"][k] for k in g.PINNED_DEMO} == g.PINNED_DEMO


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda x: x.name)
def test_backtest_matches_its_golden(golden: g.Golden, pinned_demo: g.PinnedDemo) -> None:
    drifts = g.golden_check(golden, demo_config_hash=pinned_demo.config_hash)
    assert [d for d in drifts if not d.within] == []
    assert all(d.new is not None for d in drifts)


def test_a_perturbed_stored_metric_fails_the_check(pinned_demo: g.PinnedDemo, tmp_path: Path) -> None:
    golden = BY_NAME["momentum_monthly_long_short"]
    body = json.loads(golden.path.read_text())
    body["metrics"]["sharpe"] *= 1 + 1e-6  # 10x the relative tolerance
    (tmp_path / golden.path.name).write_text(json.dumps(body))
    (perturbed,) = g.load_goldens(tmp_path)
    drifts = {d.metric: d for d in g.golden_check(perturbed, demo_config_hash=pinned_demo.config_hash)}
    assert [m for m, d in drifts.items() if not d.within] == ["sharpe"]
    assert drifts["sharpe"].new == pytest.approx(golden.metrics["sharpe"], rel=1e-9)


def test_a_golden_stored_under_an_old_signal_name_still_loads(tmp_path: Path) -> None:
    """Files written before the one signal library name ``low_vol``: their hash is of the config as
    stored (so it still verifies and stays protected from pruning) and the config loads as ``lowvol``."""
    from quant.provenance import canonical_json, sha256_text

    body = json.loads(BY_NAME["low_vol_monthly_top30_large_caps_with_costs"].path.read_text())
    body["config"]["signal"] = "low_vol"
    body["config_hash"] = sha256_text(canonical_json(body["config"]))
    (tmp_path / "old.json").write_text(json.dumps(body))
    (old,) = g.load_goldens(tmp_path)
    assert old.config.signal == "lowvol" and old.config == g.CASES["low_vol_monthly_top30_large_caps_with_costs"]
    assert g.golden_config_hashes(tmp_path) == {body["config_hash"]} != {old.config.hash()}
    body["config"]["top_n"] = 31  # a config edited by hand no longer matches its hash
    (tmp_path / "old.json").write_text(json.dumps(body))
    with pytest.raises(ValueError, match="config_hash does not match"):
        g.load_goldens(tmp_path)


def test_every_golden_says_why_its_numbers_last_changed() -> None:
    notes = {x.name: json.loads(x.path.read_text())["history"] for x in GOLDENS}
    assert all(notes.values())
    assert any("63-session" in note for note in notes["low_vol_monthly_top30_large_caps_with_costs"])
    # the last two changes of every golden: exact post-cost sizing (issue 13) and the demo's real history (issue 15)
    assert all(any("post-cost NAV exactly" in n for n in history) for history in notes.values())
    assert all(any("real market history" in n for n in history) for history in notes.values())


def test_another_demo_dataset_is_drift() -> None:
    golden = GOLDENS[0]
    drifts = {d.metric: d for d in g.golden_check(golden, golden.metrics, demo_config_hash="0" * 64)}
    assert not drifts[g.DEMO_HASH_KEY].within and drifts["sharpe"].within


def test_drift_beyond_tolerance_is_reported() -> None:
    golden = GOLDENS[0]
    moved = dataclasses.replace(golden, metrics={**golden.metrics, "sharpe": golden.metrics["sharpe"] * 1.001})
    drifts = {d.metric: d for d in g.golden_check(moved, metrics=golden.metrics)}
    assert not drifts["sharpe"].within and drifts["total_return"].within


def test_regenerate_writes_files_and_reports_old_to_new(
    pinned_demo: g.PinnedDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = "low_vol_monthly_top30_large_caps_with_costs"
    monkeypatch.setattr(g, "CASES", {case: g.CASES[case]})
    stale = json.loads((g.GOLDENS_DIR / f"{case}.json").read_text())
    stale["metrics"]["sharpe"] = 9.0
    (tmp_path / f"{case}.json").write_text(json.dumps(stale))
    report = g.goldens_regenerate(pinned_demo, tmp_path)
    sharpe = next(d for d in report[case] if d.metric == "sharpe")
    assert sharpe.old == 9.0 and not sharpe.within
    assert sharpe.new == pytest.approx(BY_NAME[case].metrics["sharpe"], rel=1e-7)
    rewritten = json.loads((tmp_path / f"{case}.json").read_text())
    assert rewritten["metrics"]["sharpe"] == sharpe.new and rewritten["config_hash"] == g.CASES[case].hash()
    assert rewritten["history"] == stale["history"] != []  # the hand-written notes survive
    assert rewritten["demo"]["config_hash"] == pinned_demo.config_hash
    assert rewritten["dataset_versions"]["crsp_daily"] == 1


def test_command_builds_the_pinned_demo_and_fails_on_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    golden = BY_NAME["reversal_weekly_long_short_with_impact"]
    body = json.loads(golden.path.read_text())
    body["metrics"]["cagr"] = 0.5
    (tmp_path / golden.path.name).write_text(json.dumps(body))
    monkeypatch.setattr(g, "GOLDENS_DIR", tmp_path)
    with pytest.raises(CommandError, match="1 golden.*--regenerate"):
        call_command("backtest_goldens")
    out = capsys.readouterr().out
    assert "cagr" in out and "0.5 ->" in out and "CHANGED" in out and "sharpe" not in out


def test_command_regenerate_prints_old_to_new(
    pinned_demo: g.PinnedDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = "momentum_monthly_long_short"
    monkeypatch.setattr(g, "CASES", {case: g.CASES[case]})
    monkeypatch.setattr(g, "GOLDENS_DIR", tmp_path)
    monkeypatch.setattr(g, "pinned_demo_warehouse", lambda: contextlib.nullcontext(pinned_demo))
    call_command("backtest_goldens", "--regenerate")
    out = capsys.readouterr().out
    assert f"total_return     None -> {BY_NAME[case].metrics['total_return']:.10g}  CHANGED" in out
    assert "Rewrote 1 goldens" in out and (tmp_path / f"{case}.json").exists()
