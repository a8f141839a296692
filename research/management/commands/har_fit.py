"""Fit HAR(1,5,22) (Corsi) by OLS to a daily realized-variance column of a CSV."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from research.analytics.microstructure.har import har_fit
from research.io import InputError
from research.services.microstructure import read_series


class Command(BaseCommand):
    help = "HAR(1,5,22) by OLS on FILE.csv (columns date and --column): coefficients, std errors, R², n."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV with a date column and the RV column")
        parser.add_argument("--column", default="RV", help="the realized-variance column (default RV)")
        parser.add_argument("--log", action="store_true", help="fit on log RV")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            fit = har_fit(read_series(opts["file"], opts["column"]), log=opts["log"])
        except (InputError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(json.dumps(fit.as_dict()))
            return
        self.stdout.write(f"HAR(1,5,22){' on log RV' if fit.log else ''}  n={fit.n}  R²={fit.r2:.4f}")
        for name, b in fit.coefficients.items():
            self.stdout.write(f"  {name:8}{b:>14.6g}  se {fit.std_errors[name]:.3g}")
        self.stdout.write(f"  forecast for the next day: {fit.forecast:.6g} (units of {opts['column']})")
