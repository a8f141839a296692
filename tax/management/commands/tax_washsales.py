"""``manage.py tax_washsales FILE.csv [--format csv|json]``: apply the wash-sale rule to a lot file.

Reads lots in the CSV format of the open-source wash-sale tracker (see :mod:`tax.washsale_csv`)
and prints the processed lots in the same columns: split lots as separate rows, adjusted buy
dates and bases filled in on replacements, code ``W`` and the disallowed loss on washed sales.
``--format json`` prints ``{"lots": [{column: value, ...}], "summary": {...}}`` with the same
column names as keys (values as strings, blank = unchanged).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tax.analytics.washsales import WASH_CODE, wash_sales
from tax.washsale_csv import LotFileError, lot_record, read_lots, write_lots

QUANTA = {"dollars": Decimal(1), "cents": Decimal("0.01")}


class Command(BaseCommand):
    help = "Apply the wash-sale rule to lots in the wash-sale tracker's CSV format and print the processed lots."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="lots CSV (columns: Num Shares, Symbol, ..., Loss Processed)")
        parser.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")
        parser.add_argument(
            "--round",
            choices=sorted(QUANTA),
            default="dollars",
            help="rounding of amounts when a lot is split (default dollars, as the tracker and Form 8949)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        try:
            with path.open(newline="", encoding="utf-8-sig") as stream:
                lots = read_lots(stream)
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file", returncode=2) from None
        except (LotFileError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from None
        processed = wash_sales(lots, quantum=QUANTA[opts["round"]])
        if opts["format"] == "csv":
            self.stdout.write(write_lots(processed), ending="")
            return
        washed = [lot for lot in processed if lot.adjustment_code == WASH_CODE]
        summary = {
            "lots_in": len(lots),
            "lots_out": len(processed),
            "wash_sales": len(washed),
            "disallowed_loss": str(sum((lot.adjustment or Decimal(0) for lot in washed), Decimal(0))),
        }
        self.stdout.write(json.dumps({"lots": [lot_record(lot) for lot in processed], "summary": summary}, indent=2))
