"""``manage.py tax_lots TRADES.csv``: tax lots, realized gains, Form 8949 and TXF from a trade file.

``--output lots`` (default) prints every lot (open and closed pieces, after wash sales) in the
wash-sale tracker's columns; ``--output 8949`` the Form 8949 rows (box, description, date
acquired, date sold, proceeds, cost basis, adjustment code, adjustment amount, gain or loss) and
``--output txf`` the same as TXF v042 for tax software. The trade file format is in
:mod:`tax.trades_csv`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tax.analytics.form8949 import COLUMNS as FORM_COLUMNS
from tax.analytics.form8949 import form8949_rows, row_record, summary, txf
from tax.analytics.lots import CENT, METHODS, ReliefError, relieve
from tax.analytics.washsales import wash_sales
from tax.trades_csv import TradeFileError, read_trades
from tax.washsale_csv import lot_record, write_lots


class Command(BaseCommand):
    help = "Tax lots (FIFO/LIFO/HIFO/specific ID), wash sales, Form 8949 and TXF from a broker trade CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="trades CSV: date,symbol,side,quantity,price[,fees,lot_id,picks]")
        parser.add_argument("--method", choices=[m for m in METHODS if m != "specific"], default="fifo")
        parser.add_argument("--output", choices=["lots", "8949", "txf"], default="lots")
        parser.add_argument("--year", type=int, help="only sales in this tax year (8949/txf)")
        parser.add_argument(
            "--basis-not-reported", action="store_true", help="boxes B/E instead of A/D (basis not reported to the IRS)"
        )
        parser.add_argument("--format", choices=["csv", "json"], default="csv", help="for lots and 8949")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        try:
            with path.open(newline="", encoding="utf-8-sig") as stream:
                trades = read_trades(stream)
            lots = wash_sales(relieve(trades, method=opts["method"]), quantum=CENT)
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file", returncode=2) from None
        except (TradeFileError, ReliefError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from None
        if opts["output"] == "lots":
            if opts["format"] == "json":
                self.stdout.write(json.dumps({"lots": [lot_record(lot) for lot in lots]}, indent=2))
            else:
                self.stdout.write(write_lots(lots), ending="")
            return
        rows = form8949_rows(lots, year=opts["year"], basis_reported=not opts["basis_not_reported"])
        if opts["output"] == "txf":
            self.stdout.write(txf(rows, exported=timezone.localdate()), ending="")
            return
        if opts["format"] == "json":
            doc = {"rows": [row_record(r) for r in rows], "summary": summary(rows)}
            self.stdout.write(json.dumps(doc, indent=2))
            return
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=FORM_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(row_record(r) for r in rows)
        self.stdout.write(out.getvalue(), ending="")
