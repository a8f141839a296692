"""Show the warehouse's datasets: current version, rows, date range, validation, tags."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from warehouse.selectors import dataset_summaries


class Command(BaseCommand):
    help = "List every dataset's current version, rows, date range, last validation result and tags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: object, **opts: object) -> None:
        rows = dataset_summaries()
        if opts["format"] == "json":
            payload = [
                {
                    "dataset": r.dataset, "version": r.version, "created": r.created.isoformat(),
                    "source": r.source, "rows": r.rows,
                    "date_min": r.date_min.isoformat() if r.date_min else None,
                    "date_max": r.date_max.isoformat() if r.date_max else None,
                    "validated": r.validated, "validation": r.validation_summary, "files": r.files,
                    "bytes": r.bytes, "tags": r.tags, "last_rejected": r.rejected,
                }
                for r in rows
            ]  # fmt: skip
            self.stdout.write(json.dumps(payload, indent=2))
            return
        if not rows:
            self.stdout.write("The warehouse is empty. Run: python manage.py warehouse_sync --source demo")
            return
        header = f"{'dataset':<20} {'ver':>4} {'rows':>12} {'from':>10} {'to':>10} {'valid':<5} {'source':<8} tags"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for r in rows:
            tags = ", ".join(f"{t}=v{v}" for t, v in sorted(r.tags.items()))
            self.stdout.write(
                f"{r.dataset:<20} {r.version:>4} {r.rows:>12,} {r.date_min!s:>10} {r.date_max!s:>10} "
                f"{'ok' if r.validated else 'FAIL':<5} {r.source:<8} {tags}"
            )
            if r.rejected:
                self.stdout.write(self.style.WARNING(f"    last attempt rejected {r.rejected}"))
