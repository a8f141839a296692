"""VPIN with bulk volume classification (mlfinlab conventions) on a bar file."""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quant.cli import input_error
from research.analytics.microstructure.vpin import bucket_vpin, vpin
from research.io import InputError
from research.services.microstructure import read_bars, read_taq_trades


class Command(BaseCommand):
    help = (
        "VPIN per bar of BARS.csv (date_time, close, volume): sigma over 20 bars, mean over --window bars; with "
        "--bucket-volume V, FILE is a TAQ trades CSV (cleaned) regrouped into buckets of exactly V shares per symbol."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--window", type=int, default=50, help="bars in the rolling mean (default 50)")
        parser.add_argument("--bucket-volume", type=float, help="shares per bucket: volume-bucketed VPIN from trades")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["window"] < 1:
            raise input_error(f"--window must be >= 1, got {opts['window']}")
        if opts["bucket_volume"] is not None:
            self._buckets(opts)
            return
        try:
            bars = read_bars(opts["file"])
        except InputError as exc:
            raise input_error(str(exc)) from exc
        values = vpin(bars["close"].to_numpy(), bars["volume"].to_numpy(), window=opts["window"])
        out = [None if not math.isfinite(v) else float(v) for v in values]
        if opts["format"] == "json":
            self.stdout.write(json.dumps({"vpin": out}))
            return
        for when, v in zip(bars["date_time"].to_list(), out, strict=True):
            self.stdout.write(f"{when}  {'' if v is None else f'{v:.4f}'}")

    def _buckets(self, opts: dict[str, Any]) -> None:
        try:
            out = bucket_vpin(read_taq_trades(opts["file"]), bucket_volume=opts["bucket_volume"], window=opts["window"])
        except (InputError, ValueError) as exc:
            raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            payload = {"vpin": out["vpin"].to_list(), "symbol": out["symbol"].to_list(),
                       "bucket_end": [t.isoformat() for t in out["ts"]]}  # fmt: skip
            self.stdout.write(json.dumps(payload))
            return
        for symbol, when, v in out.select("symbol", "ts", "vpin").iter_rows():
            self.stdout.write(f"{symbol}  {when}  {'' if v is None else f'{v:.4f}'}")
