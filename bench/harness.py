"""The common interface of the benches that ``bench/run.py`` runs.

A bench is ``bench/<area>.py`` with a top-level ``measure(h: Harness) -> None`` that times its
calls through ``h.time`` and records one row per measured thing with ``h.record``: our timing,
the peer's (an independent implementation, from the same run) and the floor's (the physical
limit, e.g. a plain scan of the same columns) where one exists, the target and whether our result
agrees with the peer's. ``python bench/<area>.py`` runs it alone (printing only); the runner runs
each area in its own process (``--emit FILE``) and adds the machine, the load and the versions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Wall seconds of repeated runs of one call; ``label`` names what was timed (the peer, the floor)."""

    runs: tuple[float, ...]
    label: str = ""

    @property
    def min(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "min": round(self.min, 4), "median": round(self.median, 4),
                "runs": [round(r, 4) for r in self.runs]}  # fmt: skip


@dataclass
class Row:
    """One measured thing. Ratios use the minimum of the repeats (the least disturbed by load).

    ``target_s``: ours (min) must be below it; ``target_speedup``: peer/ours at least it;
    ``target_floor_ratio``: ours/floor at most it. ``agreement``: our result equals the peer's
    (``None`` when there is nothing to compare)."""

    name: str
    ours: Timing
    peer: Timing | None = None
    floor: Timing | None = None
    target_s: float | None = None
    target_speedup: float | None = None
    target_floor_ratio: float | None = None
    agreement: bool | None = None
    agreement_detail: str = ""
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def speedup(self) -> float | None:
        return self.peer.min / self.ours.min if self.peer and self.ours.min > 0 else None

    @property
    def floor_ratio(self) -> float | None:
        return self.ours.min / self.floor.min if self.floor and self.floor.min > 0 else None

    def shortfalls(self) -> list[str]:
        """One line per missed target, saying by how much."""
        out = []
        if self.target_s is not None and self.ours.min >= self.target_s:
            out.append(f"{self.ours.min:.3f} s vs target {self.target_s} s (+{self.ours.min / self.target_s - 1:.0%})")
        if self.target_speedup is not None and self.speedup is None:
            out.append(f"no peer timing: target {self.target_speedup}x the peer not verified")
        elif self.target_speedup is not None and self.speedup is not None and self.speedup < self.target_speedup:
            out.append(f"{self.speedup:.1f}x the peer vs target {self.target_speedup}x")
        if self.target_floor_ratio is not None and (
            self.floor_ratio is None or self.floor_ratio > self.target_floor_ratio
        ):
            out.append(f"{self.floor_ratio or 0:.2f}x the floor vs target {self.target_floor_ratio}x")
        if self.agreement is False:
            out.append(f"DISAGREES with the peer: {self.agreement_detail}")
        return out

    @property
    def met(self) -> bool | None:
        has_target = any(t is not None for t in (self.target_s, self.target_speedup, self.target_floor_ratio))
        return None if not has_target and self.agreement is None else not self.shortfalls()

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("ours", "peer", "floor"):
            timing = getattr(self, key)
            data[key] = timing.as_dict() if timing else None
        speedup, ratio = self.speedup, self.floor_ratio
        data.update(speedup=None if speedup is None else round(speedup, 2),
                    floor_ratio=None if ratio is None else round(ratio, 2), met=self.met,
                    shortfalls=self.shortfalls())  # fmt: skip
        return data


class Harness:
    """Times calls and collects rows; ``repeat`` is the runner's repeat count."""

    def __init__(self, repeat: int = 3, *, echo: bool = True) -> None:
        self.repeat = repeat
        self.rows: list[Row] = []
        self.versions: dict[str, str] = {}
        self.config: dict[str, Any] = {}
        self.echo = echo
        self.last: object = None

    def time(self, fn: Callable[[], object], *, repeat: int | None = None, label: str = "") -> Timing:
        """Run ``fn`` ``repeat`` times (default: the harness's); the last return value is in ``self.last``."""
        runs = []
        for _ in range(repeat or self.repeat):
            started = time.perf_counter()
            self.last = fn()
            runs.append(time.perf_counter() - started)
        return Timing(tuple(runs), label)

    def record(self, row: Row) -> Row:
        self.rows.append(row)
        if self.echo:
            print(line(row), flush=True)
        return row


def line(row: Row) -> str:
    """One printed line: ours, the peer and the floor from the same run, the ratios and the verdict."""
    parts = [f"{row.name}: ours {row.ours.min:.3f} s (median {row.ours.median:.3f})"]
    if row.peer:
        parts.append(f"peer {row.peer.label} {row.peer.min:.3f} s = {row.speedup:.1f}x")
    if row.floor:
        parts.append(f"floor {row.floor.label} {row.floor.min:.3f} s, ours/floor {row.floor_ratio:.2f}")
    if row.agreement is not None:
        parts.append("agrees" if row.agreement else "DISAGREES")
    verdict = {None: "", True: "[target met]", False: "[MISSED: " + "; ".join(row.shortfalls()) + "]"}[row.met]
    return " | ".join(parts) + (f" {verdict}" if verdict else "")


def main(measure: Callable[[Harness], None], argv: list[str] | None = None) -> None:
    """Entry point of a bench script: ``python bench/<area>.py [--repeat N] [--emit FILE]``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--emit", type=Path, help="write the rows as JSON for bench/run.py")
    args, _ = parser.parse_known_args(argv)
    h = Harness(args.repeat)
    measure(h)
    if args.emit:
        payload = {"rows": [r.as_dict() for r in h.rows], "versions": h.versions, "config": h.config}
        args.emit.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    sys.stdout.flush()
