"""Apply the backtest retention policy (never touches pinned, referenced or golden runs)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backtests.services.retention import backtests_prune, prune_plan


class Command(BaseCommand):
    help = "Delete finished backtest runs older than --keep-days or beyond --keep-per-owner newest ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep-days", type=int, help="delete finished runs created more than N days ago")
        parser.add_argument("--keep-per-owner", type=int, help="keep only the N newest finished runs per owner")
        parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")

    def handle(self, *args: object, **options: object) -> None:
        try:
            plan = prune_plan(keep_days=options["keep_days"], keep_per_owner=options["keep_per_owner"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for run in plan.delete:
            self.stdout.write(f"delete #{run.pk} {run.label} ({run.job.status}, {run.job.created_at:%Y-%m-%d})")
        for run_id, why in sorted(plan.protected.items()):
            self.stdout.write(f"keep   #{run_id} ({why})")
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {len(plan.delete)} would be deleted, {len(plan.protected)} protected.")
            return
        deleted = backtests_prune(plan=plan)
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} runs; kept {len(plan.protected)} protected."))
