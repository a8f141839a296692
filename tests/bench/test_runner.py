"""bench/run.py: runs a tiny fake bench in its own process, refuses a busy machine unless forced,
records min and median of the repeats, the machine, the versions and the commit, and writes the
per-area JSON and the summary table."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from bench import run
from bench.harness import Row, Timing

ROOT = Path(__file__).resolve().parents[2]

FAKE = f"""
import sys
import time
sys.path.insert(0, {str(ROOT)!r})
from bench.harness import Row, Timing, main


def measure(h):
    ours = h.time(lambda: time.sleep(0.01) or sum(range(1000)))
    assert h.last == 499500
    h.versions["fakelib"] = "1.2.3"
    h.record(Row("sum", ours=ours, peer=Timing((0.5, 0.7, 0.6), "slowpeer"), floor=Timing((0.25,), "noop"),
                 target_speedup=2.0, agreement=True, agreement_detail="exact"))
    h.record(Row("late", ours=Timing((2.0, 3.0, 2.5)), target_s=1.0, notes="all in the sleep"))


if __name__ == "__main__":
    main(measure)
"""


@pytest.fixture
def bench_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "bench"
    directory.mkdir()
    (directory / "fake.py").write_text(FAKE)
    (directory / "helper.py").write_text("X = 1\n")  # no measure(): not an area
    return directory


def _run(bench_dir: Path, *extra: str) -> int:
    return run.main(["--bench-dir", str(bench_dir), "--results", str(bench_dir / "results"), "--repeat", "4", *extra])


def test_timing_reports_min_and_median_of_the_runs() -> None:
    t = Timing((0.3, 0.1, 0.5, 0.2), "x")
    assert (t.min, t.median) == (0.1, statistics.median([0.1, 0.2, 0.3, 0.5])) == (0.1, 0.25)
    assert t.as_dict() == {"label": "x", "min": 0.1, "median": 0.25, "runs": [0.3, 0.1, 0.5, 0.2]}


def test_a_missed_target_says_by_how_much() -> None:
    row = Row("late", ours=Timing((2.0, 3.0)), target_s=1.0)
    assert row.met is False
    assert row.shortfalls() == ["2.000 s vs target 1.0 s (+100%)"]
    fast = Row("fast", ours=Timing((0.1,)), peer=Timing((0.5,), "p"), floor=Timing((0.05,), "f"),
               target_speedup=4.0, target_floor_ratio=3.0)  # fmt: skip
    assert (fast.speedup, fast.floor_ratio, fast.met) == (5.0, 2.0, True)
    assert Row("bad", ours=Timing((0.1,)), agreement=False, agreement_detail="off by 1").met is False


def test_it_discovers_only_scripts_with_a_measure_function(bench_dir: Path) -> None:
    assert run.discover(bench_dir) == ["fake"]
    assert {"warehouse", "backtest", "alpha", "risk"} <= set(run.discover(ROOT / "bench"))


def test_it_refuses_a_busy_machine_without_force(bench_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(bench_dir, "--max-load", "-1", "--settle", "0") == 3
    assert "refusing to run: 1-minute load average" in capsys.readouterr().err
    assert not (bench_dir / "results").exists()


def test_it_waits_for_the_load_left_by_the_previous_area(
    bench_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loads = iter([(0.2, 0.2, 0.2), (1.9, 1.0, 0.5), (0.9, 0.9, 0.5), (0.4, 0.8, 0.5)] + [(0.4, 0.8, 0.5)] * 9)
    slept: list[float] = []
    monkeypatch.setattr(run.os, "getloadavg", lambda: next(loads))
    monkeypatch.setattr(run.time, "sleep", slept.append)
    (bench_dir / "other.py").write_text(FAKE)
    assert _run(bench_dir) == 0  # idle at the start; "fake" waits twice (1.9, 0.9), both areas start at 0.4
    assert len(slept) == 2 and capsys.readouterr().out.count("waiting for an idle machine") == 2
    for area in ("fake", "other"):
        assert json.loads((bench_dir / "results" / f"{area}.json").read_text())["load_average"]["before"][0] == 0.4


def test_an_area_that_cannot_start_idle_is_not_run(bench_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads = iter([(0.1, 0.1, 0.1), (0.1, 0.1, 0.1)] + [(3.0, 3.0, 3.0)] * 99)
    monkeypatch.setattr(run.os, "getloadavg", lambda: next(loads))
    (bench_dir / "other.py").write_text(FAKE)
    assert _run(bench_dir, "--settle", "0") == 1  # fake ran; other was refused and reported as failed
    assert (bench_dir / "results" / "fake.json").exists() and not (bench_dir / "results" / "other.json").exists()


def test_it_rejects_an_unknown_area(bench_dir: Path) -> None:
    assert _run(bench_dir, "--only", "nope") == 2


def test_forced_run_writes_the_area_json_and_the_summary(bench_dir: Path) -> None:
    assert _run(bench_dir, "--max-load", "-1", "--force") == 0
    payload = json.loads((bench_dir / "results" / "fake.json").read_text())
    assert payload["area"] == "fake" and payload["repeat"] == 4 and payload["exit_code"] == 0
    assert payload["load_average"]["forced"] is True
    assert payload["load_average"]["note"].startswith("FORCED: 1-minute load")
    assert len(payload["load_average"]["before"]) == 3
    assert len(payload["git"]["commit"]) == 40
    assert payload["machine"]["cpu_model"] and payload["machine"]["cpus"] >= 1
    assert payload["versions"]["fakelib"] == "1.2.3" and payload["versions"]["polars"]
    first, second = payload["rows"]
    assert len(first["ours"]["runs"]) == 4
    assert first["ours"]["min"] == min(first["ours"]["runs"])
    assert first["peer"] == {"label": "slowpeer", "min": 0.5, "median": 0.6, "runs": [0.5, 0.7, 0.6]}
    assert first["ours"]["min"] >= 0.01 and first["met"] is True
    assert first["speedup"] == pytest.approx(0.5 / first["ours"]["min"], rel=0.01)
    assert first["floor_ratio"] == pytest.approx(first["ours"]["min"] / 0.25, abs=0.01)
    assert second["met"] is False and second["shortfalls"] == ["2.000 s vs target 1.0 s (+100%)"]
    text = (bench_dir / "results" / "SUMMARY.md").read_text()
    assert "| fake | sum |" in text and "| slowpeer | 0.500 |" in text
    assert "- fake / late: 2.000 s vs target 1.0 s (+100%). all in the sleep" in text
    assert ", forced," in text and "**Not an idle run**: fake (load" in text


def test_no_write_runs_and_prints_but_writes_nothing(bench_dir: Path, capfd: pytest.CaptureFixture[str]) -> None:
    assert _run(bench_dir, "--no-write", "--max-load", "-1") == 0
    out = capfd.readouterr().out
    assert "sum: ours" in out and "peer slowpeer 0.500 s" in out and "late: ours 2.000 s (median 2.500) [MISSED" in out
    assert not (bench_dir / "results").exists()
