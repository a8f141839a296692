"""french_sync: download Ken French factor and industry files and publish ff_factors / ff_industries."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.locks import LockBusy
from warehouse.sources.kenfrench import FILES
from warehouse.syncs.service import french_sync_run


class Command(BaseCommand):
    help = "Download the Ken French Data Library files (pandas-datareader) and publish ff_factors/ff_industries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", action="append", choices=list(FILES), help="Repeat; default: every file.")
        parser.add_argument("--retry-count", type=int, default=3, help="Retries per download (default 3).")
        parser.add_argument("--pause", type=float, default=1.0, help="Seconds between retries (default 1).")

    def handle(self, *args: object, **opts: object) -> None:
        if int(opts["retry_count"]) < 0:  # type: ignore[call-overload]
            raise CommandError("--retry-count must be >= 0.")
        files = opts["file"] or list(FILES)
        self.stdout.write(f"Downloading {len(files)} Ken French file(s)...")  # type: ignore[arg-type]
        try:
            results = french_sync_run(
                files=files, retry_count=opts["retry_count"], pause=opts["pause"],  # type: ignore[arg-type]
            )  # fmt: skip
        except LockBusy as exc:
            raise CommandError(f"Refused: {exc}") from exc
        except Exception as exc:
            raise CommandError(f"Ken French sync failed: {type(exc).__name__}: {exc}") from exc
        for r in results:
            self.stdout.write(self.style.SUCCESS(f"{r.dataset}: {r.rows} rows, version {r.version}"))
