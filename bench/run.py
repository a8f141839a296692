"""One benchmark runner: ``python bench/run.py [--only AREA ...] [--repeat N] [--force]``.

Runs every bench (``bench/<area>.py`` with a ``measure(h)`` function, see ``bench/harness.py``)
one after the other, each in its own process with its peers, and writes
``bench/results/<area>.json`` (the rows plus the load average before and after, the CPU model,
the library versions and the git commit) and ``bench/results/SUMMARY.md`` (one table over every
area's latest JSON).

A shared machine gives numbers that mean nothing from run to run, so before the run and before
each area the runner waits up to ``--settle`` seconds (300) for the 1-minute load average to fall to
``--max-load`` (0.5) — an area's own peers leave the load high for the next one — and refuses to
run an area that cannot start idle, unless ``--force``: the JSON then says it was forced and at
what load. ``--no-write`` runs and prints without writing anything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
MAX_LOAD = 0.5
LIBRARIES = ("polars", "numpy", "pandas", "duckdb", "pyarrow", "cvxpy", "clarabel", "scipy", "django")


def discover(bench_dir: Path) -> list[str]:
    """Areas: the bench scripts that define a top-level ``measure`` function, sorted."""
    return sorted(p.stem for p in bench_dir.glob("*.py") if "\ndef measure(" in p.read_text())


def cpu_model() -> str:
    try:
        for raw in Path("/proc/cpuinfo").read_text().splitlines():
            if raw.startswith("model name"):
                return raw.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_commit(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    return {"commit": git("rev-parse", "HEAD"), "branch": branch, "dirty": bool(changed)}


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def machine() -> dict[str, Any]:
    return {"cpu_model": cpu_model(), "cpus": os.cpu_count(), "platform": platform.platform()}


def wait_for_idle(max_load: float, settle: float, poll: float = 5.0) -> tuple[float, ...]:
    """The load average once the 1-minute load is at most ``max_load``, or after ``settle`` seconds."""
    deadline = time.monotonic() + settle
    load = os.getloadavg()
    while load[0] > max_load and time.monotonic() < deadline:
        left = deadline - time.monotonic()
        print(f"   waiting for an idle machine: 1-minute load {load[0]:.2f} > {max_load} ({left:.0f} s left)",
              flush=True)  # fmt: skip
        time.sleep(min(poll, max(left, 0.0)))
        load = os.getloadavg()
    return load


def run_area(area: str, bench_dir: Path, repeat: int) -> tuple[dict[str, Any], int]:
    """Run one bench in its own process; returns its emitted rows and the exit code."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{area}-") as tmp:
        emit = Path(tmp) / "rows.json"
        command = [sys.executable, str(bench_dir / f"{area}.py"), "--repeat", str(repeat), "--emit", str(emit)]
        code = subprocess.run(command, cwd=ROOT).returncode
        data = json.loads(emit.read_text()) if emit.exists() else {"rows": [], "versions": {}, "config": {}}
    return data, code


def area_payload(area: str, data: dict[str, Any], *, code: int, repeat: int, load_before: tuple[float, ...],
                 seconds: float, forced: bool, max_load: float, git: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    load_after = os.getloadavg()
    return {
        "area": area,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git": git,
        "machine": machine(),
        "versions": {**versions(), **data.get("versions", {})},
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
            "max_allowed_1m": max_load,
            "forced": forced,
            "note": (
                f"FORCED: 1-minute load {load_before[0]:.2f} > {max_load} at start; timings "
                "are inflated by other work, ratios from the same run less so"
            )
            if forced and load_before[0] > max_load
            else "idle at start",
        },  # fmt: skip
        "repeat": repeat,
        "exit_code": code,
        "wall_seconds": round(seconds, 1),
        "config": data.get("config", {}),
        "rows": data.get("rows", []),
    }


def _fmt(x: float | None, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def summary(results_dir: Path) -> str:
    """The one-page table over every area's JSON written by this runner."""
    lines = [
        "# Benchmark summary",
        "",
        "Written by `python bench/run.py`; one row per measured call. Times are the minimum of the repeats",
        "(the median is in `<area>.json`); *×peer* = peer time / ours, *×floor* = ours / floor, both from the",
        "same run. *load* is the 1-minute load average at the start of the area on this machine; a load above",
        "0.5 means the run was forced on a busy machine and the seconds are inflated.",
        "",
        "| area | bench | ours s | peer | peer s | ×peer | floor s | ×floor | target | met | agrees | load |",
        "|---|---|---:|---|---:|---:|---:|---:|---|---|---|---:|",
    ]
    missed: list[str] = []
    headers: list[str] = []
    busy: list[str] = []
    for path in sorted(results_dir.glob("*.json")):
        payload = json.loads(path.read_text())
        if "rows" not in payload or "area" not in payload:
            continue  # a result file from before the runner
        load = payload["load_average"]["before"][0]
        if load > payload["load_average"]["max_allowed_1m"]:
            busy.append(f"{payload['area']} (load {load:.1f})")
        git = payload["git"]
        headers.append(f"- **{payload['area']}**: {payload['created']}, commit `{git['commit'][:10]}`"
                       f"{' (dirty)' if git['dirty'] else ''}, load {payload['load_average']['before']} → "
                       f"{payload['load_average']['after']}{', forced' if payload['load_average']['forced'] else ''},"
                       f" {payload['machine']['cpus']} × {payload['machine']['cpu_model']}")  # fmt: skip
        for row in payload["rows"]:
            peer, floor = row.get("peer") or {}, row.get("floor") or {}
            targets = [
                f"< {row['target_s']} s" if row.get("target_s") is not None else "",
                f"≥ {row['target_speedup']}× peer" if row.get("target_speedup") is not None else "",
                f"≤ {row['target_floor_ratio']}× floor" if row.get("target_floor_ratio") is not None else "",
            ]
            met = {None: "", True: "yes", False: "**no**"}[row.get("met")]
            agrees = {None: "", True: "yes", False: "**NO**"}[row.get("agreement")]
            lines.append(
                f"| {payload['area']} | {row['name']} | {row['ours']['min']:.3f} | {peer.get('label', '')} | "
                f"{_fmt(peer.get('min'), '.3f')} | {_fmt(row.get('speedup'), '.1f')} | "
                f"{_fmt(floor.get('min'), '.3f')} | {_fmt(row.get('floor_ratio'), '.2f')} | "
                f"{', '.join(t for t in targets if t)} | {met} | {agrees} | "
                f"{load:.2f} |"
            )  # fmt: skip
            if row.get("shortfalls"):
                missed.append(f"- {payload['area']} / {row['name']}: {'; '.join(row['shortfalls'])}."
                              + (f" {row['notes']}" if row.get("notes") else ""))  # fmt: skip
    if busy:
        lines[2:2] = [f"**Not an idle run**: {', '.join(busy)} ran forced on a busy machine (1-minute load above "
                      f"{MAX_LOAD}); the seconds are inflated and say nothing about the targets on an idle machine.",
                      ""]  # fmt: skip
    lines += ["", "## Runs", "", *headers, "", "## Missed targets and where the time goes", ""]
    lines += missed or ["None in these runs."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", nargs="+", metavar="AREA", help="run these areas only")
    parser.add_argument("--repeat", type=int, default=5, help="timings per call (min and median reported)")
    parser.add_argument("--force", action="store_true", help="run and write even when the machine is busy")
    parser.add_argument("--no-write", action="store_true", help="run and print; write no JSON")
    parser.add_argument("--max-load", type=float, default=MAX_LOAD)
    parser.add_argument("--settle", type=float, default=300.0,
                        help="seconds to wait for the load to fall to --max-load before each area")  # fmt: skip
    parser.add_argument("--bench-dir", type=Path, default=BENCH_DIR)
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    known = discover(args.bench_dir)
    areas = args.only or known
    unknown = sorted(set(areas) - set(known))
    if unknown:
        print(f"unknown area(s) {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    strict = not (args.force or args.no_write)
    load = wait_for_idle(args.max_load, args.settle) if strict else os.getloadavg()
    if load[0] > args.max_load and strict:
        print(f"refusing to run: 1-minute load average {load[0]:.2f} > {args.max_load} (the machine is busy); "
              "use --force to run and write anyway (the JSON records it) or --no-write", file=sys.stderr)  # fmt: skip
        return 3
    failed = []
    git = git_commit(ROOT)  # the code measured: recorded before any area runs
    for area in areas:
        load_before = wait_for_idle(args.max_load, args.settle) if strict else os.getloadavg()
        if load_before[0] > args.max_load and strict:
            print(f"== {area}: not run, the 1-minute load stayed at {load_before[0]:.2f} > {args.max_load} "
                  f"for {args.settle:.0f} s; its previous results are kept (--force runs it anyway)",
                  file=sys.stderr)  # fmt: skip
            failed.append(area)
            continue
        print(f"== {area} (load {load_before[0]:.2f}, repeat {args.repeat})", flush=True)
        started = time.perf_counter()
        data, code = run_area(area, args.bench_dir, args.repeat)
        if code:
            failed.append(area)
        if args.no_write:
            continue
        seconds = time.perf_counter() - started
        payload = area_payload(area, data, code=code, repeat=args.repeat, load_before=load_before, seconds=seconds,
                               forced=args.force, max_load=args.max_load, git=git)  # fmt: skip
        if code and not data.get("rows"):
            print(f"{area}: exited {code} with no rows; keeping the previous results", file=sys.stderr)
            continue
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / f"{area}.json").write_text(json.dumps(payload, indent=2) + "\n")
    if not args.no_write:
        (args.results / "SUMMARY.md").write_text(summary(args.results))
        print(f"wrote {args.results / 'SUMMARY.md'}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
