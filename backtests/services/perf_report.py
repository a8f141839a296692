"""Performance report of a user's own return file (what ``manage.py perf_report`` runs) and its saved form.

:func:`perf_report_run` reads the file (and an optional benchmark file), infers the annualisation
from the dates unless given, and summarises it with the one metrics module;
:func:`perf_report_save` stores the report for a user so it opens in the console
(``backtests:saved_perf_report``), with the equity and drawdown curves for its charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.contrib.auth.models import AbstractBaseUser

from backtests.analytics.frequency import infer_frequency
from backtests.analytics.metrics import PerformanceSummary, cumulative_returns, drawdown_series, performance_summary
from backtests.io import read_return_file
from quant.models import SavedResult
from quant.saved.services import chart_indices, file_fingerprint, saved_result_create

# Metrics shown as percentages (fractions of capital or per-year returns); the rest are ratios or counts.
PERCENT = {
    "total_return", "annual_return", "annual_volatility", "downside_risk", "max_drawdown", "hit_rate",
    "value_at_risk", "conditional_value_at_risk", "benchmark_annual_return", "alpha", "tracking_error",
    "active_annual_return",
}  # fmt: skip


class PerfReportError(ValueError):
    """The inputs cannot give a report; the message says what to change."""


@dataclass(frozen=True)
class PerfReport:
    """A report: the summary, the notes for the user, and the inputs it came from."""

    returns_file: str  # as given (the JSON output's ``file``)
    benchmark_file: str | None
    frame: pl.DataFrame  # date, return (nulls = missing, counted in summary.n_missing)
    benchmark: pl.DataFrame | None
    summary: PerformanceSummary
    notes: list[str]
    periods_per_year_option: float | None  # None: inferred from the dates (see summary.conventions)
    risk_free_annual: float
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON the command prints (``--format json``)."""
        payload: dict[str, Any] = {"file": self.returns_file, **self.summary.as_dict(), "notes": self.notes}
        payload["conventions"]["risk_free_annual"] = self.risk_free_annual
        return payload


def perf_report_run(
    *,
    returns: Path | str,
    benchmark: Path | str | None = None,
    periods_per_year: float | None = None,
    risk_free: float = 0.0,
    confidence: float = 0.95,
) -> PerfReport:
    """Summarise a ``date, return`` file (simple returns as fractions; missing returns dropped and counted).

    ``risk_free`` is an ANNUAL rate, converted to ``(1 + R) ** (1 / periods_per_year) - 1`` per
    period. Raises ``backtests.io.ReturnFileError`` or :class:`PerfReportError` (both ValueError).
    """
    series = read_return_file(returns)
    bench = read_return_file(benchmark) if benchmark else None
    notes = list(series.notes) + [f"benchmark: {n}" for n in (bench.notes if bench else [])]
    ppy = periods_per_year
    if ppy is None:
        try:
            inferred = infer_frequency(series.frame["date"])
        except ValueError as exc:
            raise PerfReportError(f"cannot infer the frequency ({exc}); pass --periods-per-year") from exc
        ppy = inferred.periods_per_year
        notes.append(
            f"assumed {inferred.frequency} data (median gap {inferred.median_gap_days:g} days): "
            f"periods_per_year={ppy}; override with --periods-per-year"
        )
    if ppy <= 0 or not 0 < confidence < 1:
        raise PerfReportError("--periods-per-year must be > 0 and --confidence in (0, 1)")
    summary = performance_summary(
        series.frame,
        benchmark=bench.frame if bench else None,
        risk_free=(1.0 + risk_free) ** (1.0 / ppy) - 1.0,
        periods_per_year=ppy,
        confidence=confidence,
    )
    if summary.n_obs < 2:
        raise PerfReportError(f"only {summary.n_obs} non-missing return(s): need at least 2")
    if summary.benchmark is not None and summary.benchmark.n_aligned < 2:
        raise PerfReportError(
            f"the benchmark shares only {summary.benchmark.n_aligned} dated return(s) with the series"
        )
    return PerfReport(
        returns_file=str(returns),
        benchmark_file=str(benchmark) if benchmark else None,
        frame=series.frame,
        benchmark=bench.frame if bench else None,
        summary=summary,
        notes=notes,
        periods_per_year_option=periods_per_year,
        risk_free_annual=risk_free,
        confidence=confidence,
    )


def perf_report_curves(report: PerfReport) -> dict[str, Any]:
    """Growth of 1 and drawdown on the series' non-missing dates, thinned for a chart (the deepest
    drawdown point is always kept). The benchmark's growth uses the same dates; a date the benchmark
    lacks counts as a zero benchmark return there."""
    present = report.frame.drop_nulls("return").sort("date")
    r = present["return"].to_numpy()
    equity = cumulative_returns(r, starting_value=1.0)
    drawdown = drawdown_series(r)
    keep = chart_indices(present.height, keep=[int(np.argmin(drawdown))])
    curves: dict[str, Any] = {
        "dates": [present["date"][i].isoformat() for i in keep],
        "equity": equity[keep].tolist(),
        "drawdown": drawdown[keep].tolist(),
        "benchmark": None,
    }
    if report.benchmark is not None:
        joined = present.select("date").join(report.benchmark, on="date", how="left")
        growth = cumulative_returns(joined["return"].fill_null(0.0).to_numpy(), starting_value=1.0)
        curves["benchmark"] = growth[keep].tolist()
    return curves


def perf_report_save(*, report: PerfReport, owner: AbstractBaseUser) -> SavedResult:
    """Store ``report`` for ``owner``: the printed JSON plus the curves, the options, and the input
    files' names and sha256."""
    params = {
        "returns": file_fingerprint(report.returns_file),
        "benchmark": file_fingerprint(report.benchmark_file) if report.benchmark_file else None,
        "periods_per_year": report.periods_per_year_option,
        "risk_free": report.risk_free_annual,
        "confidence": report.confidence,
    }
    return saved_result_create(
        kind="perf_report",
        title=f"Performance of {Path(report.returns_file).name}",
        owner=owner,
        params=params,
        result={**report.as_dict(), "chart": perf_report_curves(report)},
    )
