"""Build or refresh the warehouse from a source (today: the demo generator)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.locks import LockBusy
from warehouse.management.commands._progress import FractionBar
from warehouse.publish import ValidationFailed
from warehouse.syncs.service import demo_sync_run

SOURCES = ("demo",)


class Command(BaseCommand):
    help = "Generate/download a source and publish every dataset through the warehouse's publish path."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, choices=SOURCES)
        parser.add_argument("--stocks", type=int, default=500, help="demo: number of stocks (default 500)")
        parser.add_argument("--years", type=int, default=10, help="demo: years of history (default 10)")
        parser.add_argument("--seed", type=int, default=7, help="demo: random seed (default 7)")
        parser.add_argument("--force", action="store_true", help="rebuild even if built with the same config")

    def handle(self, *args: object, **opts: object) -> None:
        stocks, years = int(opts["stocks"]), int(opts["years"])  # type: ignore[call-overload]
        if stocks < 1 or years < 1:
            raise CommandError("--stocks and --years must be positive.")
        bar = FractionBar("warehouse_sync demo", sys.stderr)
        try:
            result = demo_sync_run(
                stocks=stocks, years=years, seed=int(opts["seed"]),  # type: ignore[call-overload]
                force=bool(opts["force"]), writer="warehouse_sync", progress=bar,
            )  # fmt: skip
        except (LockBusy, ValidationFailed) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(result.message)
        for p in result.published:
            self.stdout.write(
                f"  {p.dataset:<20} v{p.version:<4} {p.rows:>12,} rows  "
                f"{p.files_written} files written, {p.files_linked} unchanged (linked)"
            )
        if result.planted_dir:
            self.stdout.write(f"  planted truth: {result.planted_dir}")
        self.stdout.write(self.style.SUCCESS("warehouse_sync: done."))
