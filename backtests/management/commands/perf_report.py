"""Performance report of a user's own return series: ``manage.py perf_report --returns FILE``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backtests.analytics.frequency import infer_frequency
from backtests.analytics.metrics import PerformanceSummary, performance_summary
from backtests.io import ReturnFileError, read_return_file

PERCENT = {
    "total_return", "annual_return", "annual_volatility", "downside_risk", "max_drawdown", "hit_rate",
    "value_at_risk", "conditional_value_at_risk", "benchmark_annual_return", "alpha", "tracking_error",
    "active_annual_return",
}  # fmt: skip


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

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            series = read_return_file(opts["returns"])
            bench = read_return_file(opts["benchmark"]) if opts["benchmark"] else None
        except ReturnFileError as exc:
            raise CommandError(str(exc)) from exc
        notes = list(series.notes) + [f"benchmark: {n}" for n in (bench.notes if bench else [])]
        ppy = opts["periods_per_year"]
        if ppy is None:
            try:
                inferred = infer_frequency(series.frame["date"])
            except ValueError as exc:
                raise CommandError(f"cannot infer the frequency ({exc}); pass --periods-per-year") from exc
            ppy = inferred.periods_per_year
            notes.append(
                f"assumed {inferred.frequency} data (median gap {inferred.median_gap_days:g} days): "
                f"periods_per_year={ppy}; override with --periods-per-year"
            )
        if ppy <= 0 or not 0 < opts["confidence"] < 1:
            raise CommandError("--periods-per-year must be > 0 and --confidence in (0, 1)")
        rf = (1.0 + opts["risk_free"]) ** (1.0 / ppy) - 1.0
        summary = performance_summary(
            series.frame,
            benchmark=bench.frame if bench else None,
            risk_free=rf,
            periods_per_year=ppy,
            confidence=opts["confidence"],
        )
        if summary.n_obs < 2:
            raise CommandError(f"only {summary.n_obs} non-missing return(s): need at least 2")
        if summary.benchmark is not None and summary.benchmark.n_aligned < 2:
            raise CommandError(
                f"the benchmark shares only {summary.benchmark.n_aligned} dated return(s) with the series"
            )
        if opts["format"] == "json":
            payload = {"file": str(opts["returns"]), **summary.as_dict(), "notes": notes}
            payload["conventions"]["risk_free_annual"] = opts["risk_free"]
            self.stdout.write(json.dumps(payload, indent=2))
            return
        for note in notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(render_table(summary, title=str(opts["returns"])))


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
