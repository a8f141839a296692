"""french_import DIR_OR_ZIP: publish ff_factors / ff_industries from Ken French files downloaded by hand."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import input_error
from quant.locks import LockBusy
from warehouse.sources.french import FrenchParseError
from warehouse.sources.kenfrench import local_files
from warehouse.syncs.service import french_sync_run


class Command(BaseCommand):
    help = "Import Ken French CSV/zip files from a directory (or one file) into ff_factors / ff_industries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A directory of *.CSV / *_CSV.zip files, or one such file.")

    def handle(self, *args: object, **opts: object) -> None:
        path: Path = opts["path"]  # type: ignore[assignment]
        if not path.exists():
            raise input_error(f"{path} does not exist.")
        found = local_files(path)
        if not found:
            raise input_error(f"No Ken French files found in {path} (e.g. F-F_Research_Data_Factors_daily.CSV).")
        for name, file in found.items():
            self.stdout.write(f"  {name}: {file.name}")
        try:
            results = french_sync_run(path=path)
        except LockBusy as exc:
            raise CommandError(f"Refused: {exc}") from exc
        except FrenchParseError as exc:
            raise input_error(f"Ken French import refused: {exc}") from exc
        except Exception as exc:
            raise CommandError(f"Ken French import failed: {type(exc).__name__}: {exc}") from exc
        for r in results:
            self.stdout.write(self.style.SUCCESS(f"{r.dataset}: {r.rows} rows, version {r.version}"))
