"""Re-hash every file of every dataset version against its manifest; non-zero exit on any mismatch."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from warehouse.services import warehouse_verify, warehouse_verify_live


class Command(BaseCommand):
    help = "Verify the sha256 of every file of every version; report orphans. Exits non-zero on mismatch."

    def handle(self, *args: object, **opts: object) -> None:
        with tqdm(desc="warehouse_verify", unit="file", file=sys.stderr) as bar:
            report = warehouse_verify(progress=lambda label: bar.update(1))
        self.stdout.write(f"Checked {report.files_checked} files in {report.versions_checked} versions.")
        live = warehouse_verify_live()  # what health, the readers and the catalog go by
        self.stdout.write(f"Live files: {live.files_checked} checked, {len(live.mismatches)} failed (recorded).")
        for orphan in report.orphans:
            self.stdout.write(f"  orphan (no manifest references it): {orphan}")
        if not report.ok:
            for problem in report.mismatches:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"warehouse_verify: {len(report.mismatches)} file(s) failed their checksum.")
        self.stdout.write(self.style.SUCCESS("warehouse_verify: every file matches its manifest."))
