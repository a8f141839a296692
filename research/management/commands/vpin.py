"""VPIN with bulk volume classification (mlfinlab conventions) on a bar file."""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from research.analytics.microstructure.vpin import vpin
from research.io import InputError
from research.services.microstructure import read_bars


class Command(BaseCommand):
    help = "VPIN per bar of BARS.csv (date_time, close, volume): sigma over 20 bars, mean over --window bars."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--window", type=int, default=50, help="bars in the rolling mean (default 50)")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["window"] < 1:
            raise CommandError(f"--window must be >= 1, got {opts['window']}")
        try:
            bars = read_bars(opts["file"])
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        values = vpin(bars["close"].to_numpy(), bars["volume"].to_numpy(), window=opts["window"])
        out = [None if not math.isfinite(v) else float(v) for v in values]
        if opts["format"] == "json":
            self.stdout.write(json.dumps({"vpin": out}))
            return
        for when, v in zip(bars["date_time"].to_list(), out, strict=True):
            self.stdout.write(f"{when}  {'' if v is None else f'{v:.4f}'}")
