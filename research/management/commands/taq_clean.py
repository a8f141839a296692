"""Clean raw TAQ trades/quotes (highfrequency's rules) and print rows kept and dropped per rule."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quant.cli import input_error
from research.io import InputError
from research.services.microstructure import clean_files


class Command(BaseCommand):
    help = "Apply the TAQ cleaning rules to raw CSVs; print the per-rule report; --out-* writes Parquet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trades", help="raw trades CSV")
        parser.add_argument("--quotes", help="raw quotes CSV")
        parser.add_argument("--exchanges", default="N", help="comma-separated exchange codes, or 'all' (default N)")
        parser.add_argument("--out-trades", help="write cleaned trades to this Parquet file")
        parser.add_argument("--out-quotes", help="write cleaned quotes to this Parquet file")
        parser.add_argument(
            "--match-quotes", action="store_true", help="then drop trades outside the prevailing spread"
        )
        parser.add_argument("--lag-seconds", type=float, default=0.0, help="quote lag for --match-quotes (default 0)")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["trades"] and not opts["quotes"]:
            raise input_error("give --trades and/or --quotes")
        exchanges = None if opts["exchanges"] == "all" else opts["exchanges"].split(",")
        try:
            results = clean_files(
                trades=opts["trades"],
                quotes=opts["quotes"],
                exchanges=exchanges,
                match_quotes=opts["match_quotes"],
                lag_seconds=opts["lag_seconds"],
            )
        except (InputError, ValueError) as exc:
            raise input_error(str(exc)) from exc
        reports = {kind: res[1].as_dict() for kind, res in results.items()}
        final = {"trades": results.get("trades_vs_quotes", results.get("trades")), "quotes": results.get("quotes")}
        for kind, res in final.items():
            if opts[f"out_{kind}"] and res is not None:
                res[0].write_parquet(opts[f"out_{kind}"])
        if opts["format"] == "json":
            self.stdout.write(json.dumps(reports))
            return
        for kind, rep in reports.items():
            self.stdout.write(f"{kind}: {rep['initial']} rows in, {rep['final']} kept")
            for r in rep["rules"]:  # type: ignore[attr-defined]
                self.stdout.write(f"  {r['rule']:22} kept {r['kept']:>8}  dropped {r['dropped']:>8}")
