"""Fit HAR(1,5,22) (Corsi) by OLS to a daily realized-variance column of a CSV, with out-of-sample accuracy."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandParser

from quant.cli import input_error
from research.analytics.microstructure.har import har_evaluate, har_fit
from research.io import InputError
from research.services.microstructure import read_series


class Command(BaseCommand):
    help = (
        "HAR(1,5,22) by OLS on FILE.csv (columns date and --column): coefficients, std errors, R², n, and the "
        "out-of-sample accuracy (RMSE, QLIKE, Mincer-Zarnowitz) of expanding-window forecasts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV with a date column and the RV column")
        parser.add_argument("--column", default="RV", help="the realized-variance column (default RV)")
        parser.add_argument("--log", action="store_true", help="fit on log RV")
        parser.add_argument("--bpv", metavar="COLUMN", help="bipower column: fit HAR-J with J = max(RV - BPV, 0)")
        parser.add_argument("--min-train", type=int, default=250, help="days before the first out-of-sample forecast")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            rv = read_series(opts["file"], opts["column"])
            jumps = np.maximum(rv - read_series(opts["file"], opts["bpv"]), 0.0) if opts["bpv"] else None
            fit = har_fit(rv, log=opts["log"], jumps=jumps)
        except (InputError, ValueError) as exc:
            raise input_error(str(exc)) from exc
        accuracy = None
        if len(rv) > opts["min_train"] + 2:
            accuracy = har_evaluate(rv, min_train=opts["min_train"], log=opts["log"], jumps=jumps)[1].as_dict()
        variant = ("log_har" if fit.log else "har") if jumps is None else "har_j"
        if opts["format"] == "json":
            self.stdout.write(json.dumps({**fit.as_dict(), "variant": variant, "accuracy": accuracy}))
            return
        self.stdout.write(f"{variant.upper().replace('_', '-')}(1,5,22)  n={fit.n}  R²={fit.r2:.4f}")
        for name, b in fit.coefficients.items():
            self.stdout.write(f"  {name:8}{b:>14.6g}  se {fit.std_errors[name]:.3g}")
        self.stdout.write(f"  forecast for the next day: {fit.forecast:.6g} (units of {opts['column']})")
        if accuracy is None:
            self.stdout.write(f"  out-of-sample accuracy: needs more than {opts['min_train'] + 2} days")
            return
        self.stdout.write(
            f"  out of sample ({accuracy['n']} days after {opts['min_train']}): RMSE {accuracy['rmse']:.4g}, "
            f"QLIKE {accuracy['qlike']:.4f}, Mincer-Zarnowitz alpha {accuracy['mz_alpha']:.3g} "
            f"beta {accuracy['mz_beta']:.3f} R² {accuracy['mz_r2']:.3f} p(0,1) {accuracy['mz_p']:.3g}"
        )
