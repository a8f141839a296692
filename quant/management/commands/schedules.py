"""schedules: sync every app's beat schedules into django-celery-beat, list them, enable or disable them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.schedules import ScheduleState, registered, schedules_sync


class Command(BaseCommand):
    help = (
        "Sync the registered beat schedules (<app>/schedules.py) into django-celery-beat (idempotent; existing "
        "rows keep their enabled flag, and the syncs the timing set on the sync dashboard) and list them. "
        "--enable/--disable NAME... (or --all) change the flag; --reset-timing NAME... restores the code's timing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="sync and list (the default)")
        parser.add_argument("--enable", nargs="*", metavar="NAME", help="enable these schedules (or --all)")
        parser.add_argument("--disable", nargs="*", metavar="NAME", help="disable these schedules (or --all)")
        parser.add_argument("--all", action="store_true", help="with --enable or --disable: every schedule")
        parser.add_argument("--reset-timing", nargs="+", metavar="NAME", default=(),
                            help="put the code's crontab back on schedules whose timing the operator edited "
                                 "(the sync dashboard); a plain sync keeps the edit")  # fmt: skip

    def handle(self, *args: Any, **opts: Any) -> None:
        enable, disable = opts["enable"], opts["disable"]
        if opts["all"]:
            if (enable is None) == (disable is None):
                raise CommandError("--all goes with exactly one of --enable or --disable")
            everything = [s.name for s in registered()]
            enable, disable = (everything, None) if enable is not None else (None, everything)
        if enable == [] or disable == []:
            raise CommandError("name the schedules to change, or add --all")
        try:
            states = schedules_sync(enable=enable or (), disable=disable or (), reset_timing=opts["reset_timing"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self._table(states)

    def _table(self, states: list[ScheduleState]) -> None:
        rows = [("name", "task", "when", "state", "last run")]
        for st in states:
            last = st.last_run.isoformat(timespec="seconds") if st.last_run else "never"
            state = ("enabled" if st.enabled else "disabled") + (" (new)" if st.created else "")
            rows.append((st.schedule.name, st.schedule.task, st.when, state, last))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[4])
        self.stdout.write(f"{len(states)} schedule(s); beat: celery -A config beat (DatabaseScheduler)")
