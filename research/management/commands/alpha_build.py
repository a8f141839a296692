"""Compute the reports of the registered signals on the current warehouse (idempotent)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from research.io import InputError
from research.services.combination import alpha_combination_register, signal_definitions_register
from research.services.reports import alpha_build, resolve_signals


class Command(BaseCommand):
    help = "Build IC / decay / quantile reports of the registered alpha signals from the warehouse."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--signals", default="all", help="all, or comma-separated names")
        parser.add_argument("--force", action="store_true", help="recompute even when an identical report exists")
        parser.add_argument("--no-combination", action="store_true", help="skip registering the ICIR combination")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            names = [d.name for d in resolve_signals(opts["signals"])]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        started = time.perf_counter()
        bar = tqdm(total=len(names), desc="signals", disable=opts["verbosity"] < 1, file=self.stderr)

        def progress(message: str) -> None:
            bar.update(1)
            bar.set_postfix_str(message.split(":")[0])

        try:
            reports = alpha_build(names=names, progress=progress, force=opts["force"])
            definitions = signal_definitions_register(author=None)
            combo = None if opts["no_combination"] else alpha_combination_register(author=None)
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(f"{'signal':<10}{'IC(21d)':>10}{'t':>8}{'ICIR':>8}{'rank IC':>10}{'L/S':>9}  report")
        for r in reports:
            self.stdout.write(
                f"{r.signal:<10}{_f(r.ic_mean):>10}{_f(r.ic_t_stat, 2):>8}{_f(r.icir, 3):>8}"
                f"{_f(r.rank_ic_mean):>10}{_f(r.long_short, 4):>9}  #{r.pk} {r.job.status}"
            )
        new = sum(d.created for d in definitions)
        self.stdout.write(f"factor definitions in the registry: {len(definitions)} ({new} new versions)")
        if combo is not None:
            self.stdout.write(f"alpha combination: {combo.version.name} v{combo.version.version} "
                              f"({'registered' if combo.created else 'unchanged'})")  # fmt: skip
        self.stdout.write(f"alpha_build: {len(reports)} reports in {time.perf_counter() - started:.1f} s")


def _f(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
