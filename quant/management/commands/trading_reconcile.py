"""Compare a strategy's positions and cash with its broker's; print every difference (exit 1 if any)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.models import Job, Strategy
from quant.trading.reconcile import Difference, reconcile_job_create, reconcile_job_run


class Command(BaseCommand):
    help = (
        "Reconcile a strategy with its broker (a trading_reconcile job): prints one line per difference in "
        "positions (shares) or cash (dollars). Exit 0: none; 1: differences; 2: bad input or the job failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strategy", required=True, help="strategy name")
        parser.add_argument("--broker", default=None, help="broker name (default: that of its latest order, or paper)")

    def handle(self, *args: object, **opts: object) -> None:
        strategy = Strategy.objects.filter(name=str(opts["strategy"])).first()
        if strategy is None:
            raise CommandError(f"no strategy {opts['strategy']!r}", returncode=2)
        job = reconcile_job_create(strategy, broker=str(opts["broker"]) if opts["broker"] else None)
        found: list[Difference] = []
        outcome = reconcile_job_run(job_id=job.pk, found=found)
        job.refresh_from_db()
        if outcome.status != Job.Status.SUCCEEDED:
            raise CommandError(f"reconcile job #{job.pk} {job.status}: {job.error or job.message}", returncode=2)
        for diff in found:
            self.stdout.write(str(diff))
        self.stdout.write(f"{job.message} (job #{job.pk})")
        if found:
            raise CommandError(f"{len(found)} difference(s)", returncode=1)
