"""Snapshots (immutable dataset versions): create/tag, list, diff, gc.

- ``create <name> [--dataset D]``: tag the current version of every dataset (or of D) as ``name`` —
  a named, gc-protected snapshot of the warehouse as it is now. No data is copied: versions are
  already immutable.
- ``tag <dataset> <version> <name>``: tag an existing version (``current`` allowed).
- ``list [dataset]``: versions with rows, date range, tags and what protects them.
- ``diff <dataset> <old> [new]``: rows added/removed/changed by key, schema, partitions, date range.
- ``gc <dataset|--all> [--version N ...] [--keep-last K] [--dry-run]``: delete unprotected versions.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.locks import LockBusy
from warehouse import storage, versions
from warehouse.datasets import ALL_DATASETS, UnknownDataset

WRITER = "warehouse_snapshot"


class Command(BaseCommand):
    help = "Create/tag, list, diff and garbage-collect dataset snapshots."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="tag the current versions as a named snapshot")
        create.add_argument("name")
        create.add_argument("--dataset", help="only this dataset (default: every published dataset)")
        tag = sub.add_parser("tag", help="tag a version")
        tag.add_argument("dataset")
        tag.add_argument("version", help="a version number, a tag, or 'current'")
        tag.add_argument("name")
        lst = sub.add_parser("list", help="list versions")
        lst.add_argument("dataset", nargs="?")
        dff = sub.add_parser("diff", help="compare two versions")
        dff.add_argument("dataset")
        dff.add_argument("old")
        dff.add_argument("new", nargs="?", help="default: the current version")
        gc = sub.add_parser("gc", help="delete unreferenced versions")
        gc.add_argument("dataset", nargs="?")
        gc.add_argument("--all", action="store_true", help="every dataset")
        gc.add_argument("--version", type=int, action="append", dest="versions", help="delete exactly these")
        gc.add_argument("--keep-last", type=int, default=0)
        gc.add_argument("--dry-run", action="store_true")

    def handle(self, *args: object, **opts: object) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except (storage.WarehouseError, UnknownDataset, LockBusy, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def _create(self, opts: dict) -> None:
        if opts["dataset"]:
            made = {opts["dataset"]: versions.set_tag(opts["dataset"], "current", opts["name"], writer=WRITER)}
        else:
            made = versions.snapshot_all(opts["name"], writer=WRITER)
        if not made:
            raise CommandError("Nothing is published yet: run `python manage.py warehouse_sync --source demo`.")
        for dataset, version in made.items():
            self.stdout.write(f"  {dataset:<20} v{version} tagged {opts['name']!r}")
        self.stdout.write(self.style.SUCCESS(f"Snapshot {opts['name']!r} created ({len(made)} datasets)."))

    def _tag(self, opts: dict) -> None:
        version = versions.set_tag(opts["dataset"], opts["version"], opts["name"], writer=WRITER)
        self.stdout.write(self.style.SUCCESS(f"{opts['dataset']} v{version} tagged {opts['name']!r}."))

    def _list(self, opts: dict) -> None:
        names = [opts["dataset"]] if opts["dataset"] else list(ALL_DATASETS)
        for dataset in names:
            found = storage.list_versions(dataset)
            if not found:
                continue
            protected = versions.protected_versions(dataset)
            self.stdout.write(self.style.MIGRATE_HEADING(dataset))
            for version in found:
                m = storage.load_manifest(dataset, version)
                why = ", ".join(protected.get(version, [])) or "unreferenced"
                self.stdout.write(
                    f"  v{version:<4} {m.created[:19]} {m.rows:>12,} rows {m.date_min}..{m.date_max}  [{why}]"
                )

    def _diff(self, opts: dict) -> None:
        d = versions.diff(opts["dataset"], opts["old"], opts["new"])
        self.stdout.write(f"{d.dataset}: v{d.old} -> v{d.new}")
        self.stdout.write(
            f"  rows: +{d.rows_added:,} added, -{d.rows_removed:,} removed, "
            f"~{d.rows_changed:,} changed, {d.rows_unchanged:,} unchanged"
        )
        self.stdout.write(f"  columns added {d.columns_added or '-'}, removed {d.columns_removed or '-'}, "
                          f"dtype changes {d.dtype_changes or '-'}")  # fmt: skip
        self.stdout.write(
            f"  partitions: {len(d.files_same)} same, changed {d.files_changed or '-'}, "
            f"added {d.files_added or '-'}, removed {d.files_removed or '-'}"
        )
        self.stdout.write(f"  date range: {d.date_range_old} -> {d.date_range_new}")

    def _gc(self, opts: dict) -> None:
        if opts["all"] == bool(opts["dataset"]):
            raise CommandError("Give exactly one of a dataset name or --all.")
        names = storage.published_datasets() if opts["all"] else [opts["dataset"]]
        for dataset in names:
            result = versions.gc(
                dataset, writer=WRITER, versions=opts["versions"], keep_last=opts["keep_last"], dry_run=opts["dry_run"]
            )
            verb = "would delete" if opts["dry_run"] else "deleted"
            self.stdout.write(
                f"{dataset}: {verb} {[f'v{v}' for v in result.deleted] or 'nothing'} "
                f"({result.freed_bytes:,} bytes freed); kept "
                + ", ".join(f"v{v} ({'; '.join(w)})" for v, w in sorted(result.kept.items()))
            )
