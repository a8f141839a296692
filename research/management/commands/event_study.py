"""Event study over the warehouse or users' files: ``manage.py event_study EVENTS.csv --model market``."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from quant.cli import finite_json, input_error
from research.analytics.events import MODELS, Windows
from research.io import InputError
from research.services.events import (
    event_study_run,
    parse_window,
    read_events,
    read_user_market,
    read_user_returns,
)


class Command(BaseCommand):
    help = (
        "Abnormal returns, CAAR path with a 95 % band, BHAR and the cross-sectional t, Patell, BMP and sign "
        "tests of EVENTS.csv (permno,date[,id]) over the warehouse, or over --returns/--market files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # windows are written "-250,-30": let argparse take a value that starts with "-<digit>" as a
        # value, not as an unknown option (no option of this command looks like a number)
        parser._negative_number_matcher = re.compile(r"^-\d[\d,.-]*$")
        parser.add_argument("events", help="CSV/Parquet with permno,date (optional id)")
        parser.add_argument("--model", choices=MODELS, default="market")
        parser.add_argument("--estimation", default="-250,-30", help="estimation window in sessions (low,high)")
        parser.add_argument("--window", default="-1,1", help="event window in sessions (low,high)")
        parser.add_argument("--returns", help="your own returns file permno,date,ret (with --market)")
        parser.add_argument("--market", help="your own factors: date,mktrf,rf[,smb,hml,rmw,cma] or date,market")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        model = opts["model"]
        if bool(opts["returns"]) != bool(opts["market"]):
            raise input_error("give both --returns and --market, or neither (the warehouse)")
        try:
            est = parse_window(opts["estimation"], "--estimation")
            win = parse_window(opts["window"], "--window")
            windows = Windows(est[0], est[1], win[0], win[1])
            events = read_events(opts["events"])
            returns = read_user_returns(opts["returns"]) if opts["returns"] else None
            market = read_user_market(opts["market"], model) if opts["market"] else None
            report = event_study_run(events=events, model=model, windows=windows, returns=returns, market=market)
        except (InputError, ValueError) as exc:
            raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(finite_json(report.as_dict(), indent=2))
            return
        d = report.as_dict()
        self.stdout.write(
            f"{model} model, estimation [{est[0]}, {est[1]}], window [{win[0]}, {win[1]}] sessions, "
            f"{d['n_events']} events ({d['dropped']} dropped: too few returns), data: {d['source']}"
        )
        self.stdout.write(f"mean CAR {d['car']['mean'] * 100:+.3f} %   mean BHAR {d['bhar']['mean'] * 100:+.3f} %")
        for t in report.tests:
            self.stdout.write(f"  {t.name:<18}{t.statistic:>9.3f}   p = {t.p_value:.4f}   {t.note}")
        ct = report.calendar
        self.stdout.write(f"  calendar-time alpha {ct.alpha * 1e4:+.2f} bp/day (t = {ct.t_stat:.2f}, {ct.n_days} days)")
        self.stdout.write("offset      AAR %     CAAR %   95 % band")
        for row in report.path.iter_rows(named=True):
            self.stdout.write(f"{row['offset']:>6} {row['aar'] * 100:>10.3f} {row['caar'] * 100:>10.3f}   "
                              f"[{row['lo'] * 100:.3f}, {row['hi'] * 100:.3f}]")  # fmt: skip
