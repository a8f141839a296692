"""wrds_sync: full (resumable) or incremental WRDS syncs, status, and unlocking a dead writer's lock."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from quant.locks import LockBusy, force_unlock
from warehouse.sources.wrds.queries import DATASETS
from warehouse.syncs.manager import Progress
from warehouse.syncs.service import resolve_datasets, warehouse_lock_holder, wrds_sync_run, wrds_sync_status


class Command(BaseCommand):
    help = "Sync WRDS datasets into the warehouse (--full, --incremental), show --status, or --force-unlock."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--full", action="store_true", help="Download by year (resumes an interrupted run).")
        action.add_argument("--incremental", action="store_true", help="Fetch from each dataset's watermark.")
        action.add_argument("--status", action="store_true", help="Watermarks, last runs, checkpoints.")
        action.add_argument("--force-unlock", action="store_true", help="Remove a dead writer's warehouse lock.")
        parser.add_argument("--dataset", action="append", choices=DATASETS, help="Repeat for several datasets.")
        parser.add_argument("--all", action="store_true", help="Every WRDS dataset.")
        parser.add_argument("--start-year", type=int, default=None)
        parser.add_argument("--end-year", type=int, default=None)

    def handle(self, *args: object, **opts: object) -> None:
        try:
            self._handle(**opts)
        except ImproperlyConfigured as exc:  # credentials, storage layer or settings missing
            raise CommandError(str(exc)) from exc

    def _handle(self, **opts: object) -> None:
        if opts["status"]:
            return self._status()
        if opts["force_unlock"]:
            return self._unlock()
        if not opts["dataset"] and not opts["all"]:
            raise CommandError("Name the datasets with --dataset NAME (repeatable) or use --all.")
        datasets = resolve_datasets(opts["dataset"], all_datasets=bool(opts["all"]))  # type: ignore[arg-type]
        mode = "full" if opts["full"] else "incremental"
        bars: list[tqdm] = []

        def progress(name: str) -> Progress:
            bar = tqdm(desc=f"{name} (years)", unit="year", file=self.stderr._out, leave=True)
            bars.append(bar)

            def update(year: int, done: int, total: int) -> None:
                bar.total = total
                bar.set_postfix_str(str(year))
                bar.update(1)

            return update

        try:
            outcomes, failures = wrds_sync_run(
                datasets=datasets, mode=mode, start_year=opts["start_year"], end_year=opts["end_year"],  # type: ignore[arg-type]
                progress=progress,
            )  # fmt: skip
        except LockBusy as exc:
            raise CommandError(f"Refused: {exc}") from exc
        except KeyboardInterrupt as exc:
            raise CommandError(
                "Interrupted. The checkpoint keeps every completed year: run the same command again to resume."
            ) from exc
        finally:
            for bar in bars:
                bar.close()
        for o in outcomes:
            resumed = f", resumed years {o.resumed_years}" if o.resumed_years else ""
            detail = o.message or f"{o.rows} rows, version {o.version}{resumed}"
            self.stdout.write(self.style.SUCCESS(f"{o.dataset}: {mode} sync ok — {detail}"))
        for name, error in failures.items():
            self.stderr.write(self.style.ERROR(f"{name}: {mode} sync FAILED — {error}"))
        self.stdout.write(f"Summary: {len(outcomes)} succeeded, {len(failures)} failed.")
        if failures:
            raise CommandError(f"{len(failures)} dataset(s) failed: {', '.join(failures)}.")

    def _status(self) -> None:
        statuses = wrds_sync_status()
        holder = warehouse_lock_holder()
        self.stdout.write(f"warehouse lock: {holder.describe() if holder else 'free'}")
        header = f"{'dataset':<22}{'watermark':<12}{'rows':>10}  {'last run':<44}checkpoint"
        self.stdout.write(header)
        for s in statuses:
            run = s.last_run
            last = f"{run.mode} {run.outcome} {run.job.created_at:%Y-%m-%d %H:%M}" if run else "never"
            ck = s.checkpoint
            ckpt = f"{ck.state} {len(ck.chunks)}/{len(ck.years())} years ({ck.run_id})" if ck else "none"
            rows = "-" if s.rows is None else str(s.rows)
            self.stdout.write(f"{s.dataset:<22}{str(s.watermark or '-'):<12}{rows:>10}  {last:<44}{ckpt}")

    def _unlock(self) -> None:
        holder = warehouse_lock_holder()
        if holder is None:
            self.stdout.write("The warehouse lock is free; nothing to do.")
            return
        self.stdout.write(f"warehouse lock {holder.describe()}")
        try:
            removed = force_unlock("warehouse")
        except LockBusy as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Removed the lock of writer '{removed.writer if removed else '?'}'."))
