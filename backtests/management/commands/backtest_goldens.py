"""Check the golden backtests, or rewrite them deliberately with --regenerate (prints old -> new)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backtests.services.goldens import GOLDENS_DIR, Drift, golden_check, goldens_regenerate, load_goldens


def _fmt(value: float | None) -> str:
    return "None" if value is None else f"{value:.10g}"


class Command(BaseCommand):
    help = "Recompute the golden backtests and compare with tests/regression/goldens (or --regenerate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regenerate", action="store_true", help="rewrite the golden files")

    def handle(self, *args: object, regenerate: bool = False, **options: object) -> None:
        if regenerate:
            report = goldens_regenerate()
            for name, drifts in report.items():
                self._print(name, drifts, changed_only=False)
            self.stdout.write(self.style.SUCCESS(f"Rewrote {len(report)} goldens in {GOLDENS_DIR}."))
            return
        goldens = load_goldens()
        if not goldens:
            raise CommandError(f"No goldens in {GOLDENS_DIR}; create them with --regenerate.")
        failed = []
        for golden in tqdm(goldens, desc="goldens", disable=None):
            drifts = golden_check(golden)
            self._print(golden.name, drifts, changed_only=True)
            if not all(d.within for d in drifts):
                failed.append(golden.name)
        if failed:
            raise CommandError(f"{len(failed)} golden(s) drifted beyond tolerance: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS(f"{len(goldens)} goldens match within tolerance."))

    def _print(self, name: str, drifts: list[Drift], *, changed_only: bool) -> None:
        self.stdout.write(name)
        for d in drifts:
            if changed_only and d.within:
                continue
            mark = "=" if d.within else "CHANGED"
            self.stdout.write(f"  {d.metric:<14} {_fmt(d.old)} -> {_fmt(d.new)}  {mark}")
