"""Performance report of a user's own return series: ``manage.py perf_report --returns FILE``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backtests.analytics.metrics import PerformanceSummary
from backtests.services.perf_report import PERCENT, perf_report_run, perf_report_save
from quant.cli import add_save_arguments, finite_json, input_error, print_saved, require_range, save_owner


class Command(BaseCommand):
    help = (
        "Performance metrics of a return series (CSV or Parquet with columns date,return; simple "
        "returns as fractions). Missing returns are dropped and counted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--returns", required=True, help="CSV/Parquet file with columns date,return")
        parser.add_argument("--benchmark", help="optional benchmark file in the same format")
        parser.add_argument(
            "--periods-per-year", type=float, help="annualisation factor (default: inferred from the dates)"
        )
        parser.add_argument(
            "--risk-free",
            type=float,
            default=0.0,
            help="ANNUAL risk-free rate as a fraction (0.02 = 2%%), converted to (1+R)**(1/N)-1 per period",
        )
        parser.add_argument("--confidence", type=float, default=0.95, help="VaR/CVaR confidence level")
        parser.add_argument("--format", choices=("table", "json"), default="table")
        add_save_arguments(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        owner = save_owner(opts)
        require_range("--risk-free", opts["risk_free"], low=-1.0, low_open=True, unit=" (an annual rate as a fraction)")
        require_range("--periods-per-year", opts["periods_per_year"], low=0.0, low_open=True)
        try:
            report = perf_report_run(
                returns=opts["returns"],
                benchmark=opts["benchmark"],
                periods_per_year=opts["periods_per_year"],
                risk_free=opts["risk_free"],
                confidence=opts["confidence"],
            )
        except ValueError as exc:
            raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(finite_json(report.as_dict(), indent=2))
        else:
            for note in report.notes:
                self.stdout.write(f"note: {note}")
            self.stdout.write(render_table(report.summary, title=str(opts["returns"])))
        if owner is not None:
            try:
                saved = perf_report_save(report=report, owner=owner)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            print_saved(self, saved, json_output=opts["format"] == "json")


def _fmt(name: str, value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return f"{value:.2%}" if name in PERCENT else f"{value:.3f}"
    return str(value)


def render_table(summary: PerformanceSummary, *, title: str) -> str:
    """Aligned two-column text table of every metric, with the conventions underneath."""
    data = summary.as_dict()
    bench = data.pop("benchmark")
    conventions = data.pop("conventions")
    rows = [(k, _fmt(k, getattr(summary, k))) for k in data]
    if bench:
        rows += [(f"benchmark.{k}", _fmt(k, getattr(summary.benchmark, k))) for k in bench]
    width = max(len(k) for k, _ in rows)
    vwidth = max(len(v) for _, v in rows)
    lines = [f"Performance report: {title}", "-" * (width + vwidth + 2)]
    lines += [f"{k.ljust(width)}  {v.rjust(vwidth)}" for k, v in rows]
    lines += ["", "Conventions:"] + [f"  {k}: {v}" for k, v in conventions.items()]  # type: ignore[union-attr]
    return "\n".join(lines)
