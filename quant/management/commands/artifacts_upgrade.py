"""artifacts_upgrade: convert result folders written before the one artifact format (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.artifacts_upgrade import artifacts_upgrade


class Command(BaseCommand):
    help = (
        "Rewrite old result.json / metadata.json / pre-format manifest.json folders (backtests, risk builds, "
        "signal reports, registered models) into the quant.artifacts manifest, after checking their checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would be converted, change nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = artifacts_upgrade(dry_run=bool(opts["dry_run"]))
        verb = "would convert" if opts["dry_run"] else "converted"
        for folder in report.upgraded:
            self.stdout.write(f"{verb} {folder}")
        for folder, reason in report.corrupt:
            self.stderr.write(f"left as is (corrupt): {folder}: {reason}")
        self.stdout.write(f"artifacts_upgrade: {verb} {len(report.upgraded)} folder(s), {len(report.corrupt)} corrupt")
        if report.corrupt:
            raise CommandError(f"{len(report.corrupt)} folder(s) failed their old checksums; see above")
