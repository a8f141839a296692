"""Check the golden backtests, or rewrite them deliberately with --regenerate (prints old -> new).

Both modes first build the pinned demo warehouse (``goldens.PINNED_DEMO``) in a temporary
directory; the live warehouse is never read or written.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backtests.services import goldens as g


def _fmt(value: float | str | None) -> str:
    if isinstance(value, str):
        return value[:16]
    return "None" if value is None else f"{value:.10g}"


class Command(BaseCommand):
    help = "Recompute the golden backtests on the pinned demo warehouse and compare (or --regenerate)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regenerate", action="store_true", help="rewrite the golden files")

    def handle(self, *args: object, regenerate: bool = False, **options: object) -> None:
        goldens = [] if regenerate else g.load_goldens(g.GOLDENS_DIR)
        if not regenerate and not goldens:
            raise CommandError(f"No goldens in {g.GOLDENS_DIR}; create them with --regenerate.")
        params = " ".join(f"{k}={v}" for k, v in g.PINNED_DEMO.items())
        self.stdout.write(f"Building the pinned demo warehouse ({params}) in a temporary directory ...")
        with g.pinned_demo_warehouse() as demo:
            self.stdout.write(f"demo config hash {demo.config_hash}")
            if regenerate:
                report = g.goldens_regenerate(demo, g.GOLDENS_DIR)
                for name, drifts in report.items():
                    self._print(name, drifts, changed_only=False)
                self.stdout.write(self.style.SUCCESS(f"Rewrote {len(report)} goldens in {g.GOLDENS_DIR}."))
                return
            failed = []
            for golden in tqdm(goldens, desc="goldens", disable=None):
                drifts = g.golden_check(golden, demo_config_hash=demo.config_hash)
                self._print(golden.name, drifts, changed_only=True)
                if not all(d.within for d in drifts):
                    failed.append(golden.name)
        if failed:
            raise CommandError(
                f"{len(failed)} golden(s) drifted beyond tolerance: {', '.join(failed)}. "
                "If the change is intended: python manage.py backtest_goldens --regenerate"
            )
        self.stdout.write(self.style.SUCCESS(f"{len(goldens)} goldens match within tolerance."))

    def _print(self, name: str, drifts: list[g.Drift], *, changed_only: bool) -> None:
        self.stdout.write(name)
        for d in drifts:
            if changed_only and d.within:
                continue
            mark = "=" if d.within else "CHANGED"
            self.stdout.write(f"  {d.metric:<16} {_fmt(d.old)} -> {_fmt(d.new)}  {mark}")
