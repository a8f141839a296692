"""Run the System health checks from the shell (cron, deploy scripts, CI smoke tests)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.web.health import overall_status, run_checks


class Command(BaseCommand):
    help = "Run every registered health check; exit non-zero if any is bad (or warn, with --strict)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--strict", action="store_true", help="treat warn as a failure too")
        parser.add_argument("--details", action="store_true", help="print each check's details")

    def handle(self, *args: object, **opts: object) -> None:
        outcomes = run_checks()
        styles = {"ok": self.style.SUCCESS, "warn": self.style.WARNING, "bad": self.style.ERROR}
        for outcome in outcomes:
            status = outcome.result.status
            style = styles.get(status, str)
            label = "n/a" if status == "unknown" else status
            line = f"{outcome.name:<18} {label:<5} {outcome.result.summary}  ({outcome.elapsed_ms:.0f} ms)"
            self.stdout.write(style(line))
            if opts["details"]:
                for key, value in outcome.result.details.items():
                    self.stdout.write(f"{'':<18} {key}: {value}")
        overall = overall_status(o.result.status for o in outcomes)
        failing = {"bad", "warn"} if opts["strict"] else {"bad"}
        names = [o.name for o in outcomes if o.result.status in failing]
        if names:
            raise CommandError(f"Health: {overall}; failing: {', '.join(names)}")
        self.stdout.write(f"Health: {overall} ({len(outcomes)} checks)")
