"""Prepare a fresh machine: migrations, roles, demo admin, the demo warehouse and everything built on it."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.quickstart import Options, collect_steps


class Command(BaseCommand):
    help = "Run every quickstart step (idempotent): migrate, seed roles, demo admin, demo warehouse, builds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stocks", type=int, default=500, help="demo universe size (default 500)")
        parser.add_argument("--years", type=int, default=10, help="demo history in years (default 10)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--list", action="store_true", help="list the steps and exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        steps = collect_steps()
        if opts["list"]:
            for i, step in enumerate(steps, 1):
                self.stdout.write(f"{i:2d}. {step.name}")
            return
        options = Options(
            stdout=self.stdout,
            demo_stocks=int(opts["stocks"]),
            demo_years=int(opts["years"]),
            seed=int(opts["seed"]),
        )
        if int(opts["verbosity"]) < 2:
            # Row-drop reports and job traces are logged at INFO: keep the set-up summary readable
            # (-v 2 shows them).
            logging.disable(logging.INFO)
        try:
            for i, step in enumerate(steps, 1):
                self.stdout.write(self.style.MIGRATE_HEADING(f"[{i}/{len(steps)}] {step.name}"))
                started = time.perf_counter()
                try:
                    step.run(options)
                except Exception as exc:
                    raise CommandError(f"Quickstart step '{step.name}' failed: {exc}") from exc
                self.stdout.write(f"      done in {time.perf_counter() - started:.1f}s")
        finally:
            logging.disable(logging.NOTSET)
        self.stdout.write(self.style.SUCCESS("Quickstart complete."))
