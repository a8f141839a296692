"""IC / quantile report of a signal file (what ``manage.py alpha_report`` runs) and its saved form.

:func:`alpha_report_run` reads the signal, the prices (a file, or the warehouse total-return index)
and optional groups, and computes the report; :func:`alpha_report_save` stores it for a user so it
opens in the console (``research:saved_alpha_report``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from quant.models import SavedResult
from quant.periods import periods_per_year
from quant.saved.services import file_fingerprint, saved_result_create
from research import io
from research.analytics.report import AlphaReport, alpha_report
from research.qlib_adapter import Backend
from research.services.data import current_versions


@dataclass(frozen=True)
class AlphaReportRun:
    """One report and the inputs it came from."""

    signal_path: Path
    prices_path: Path | None  # None: the warehouse crsp_daily total-return index (see dataset_versions)
    groups_path: Path | None
    frequency: str
    backend: str
    report: AlphaReport
    dataset_versions: dict[str, int] = field(default_factory=dict)


def alpha_report_run(
    *,
    signal: Path | str,
    prices: Path | str | None = None,
    warehouse: bool = False,
    groups: Path | str | None = None,
    horizons: Sequence[int] = (1, 5, 21),
    quantiles: int = 5,
    frequency: str = "daily",
    backend: Backend = "auto",
) -> AlphaReportRun:
    """ICs, quantile returns, turnover and decay of a ``date, asset, value`` signal file against a
    ``date, asset, price`` file or (``warehouse``) the warehouse total-return index (asset = permno).

    Raises ``research.io.InputError``, ValueError or RuntimeError (qlib backend) with a message for the user.
    """
    if (prices is None) != warehouse:
        raise ValueError("give either a price file or warehouse=True (not both)")
    if quantiles < 2:
        raise ValueError("--quantiles must be at least 2")
    ppy = periods_per_year(frequency)
    signal_frame = io.read_signal(signal)
    versions: dict[str, int] = {}
    if prices is not None:
        price_frame = io.read_prices(prices)
    else:
        versions = current_versions(("crsp_daily",))
        price_frame = io.warehouse_prices()
        signal_frame = io.permno_assets(signal_frame)
    io.check_overlap(signal_frame, price_frame)
    group_frame = io.read_groups(groups) if groups else None
    report = alpha_report(
        signal_frame,
        price_frame,
        horizons=horizons,
        quantiles=quantiles,
        periods_per_year=ppy,
        backend=backend,
        groups=group_frame,
    )
    return AlphaReportRun(
        signal_path=Path(signal),
        prices_path=Path(prices) if prices is not None else None,
        groups_path=Path(groups) if groups else None,
        frequency=frequency,
        backend=backend,
        report=report,
        dataset_versions=versions,
    )


def _decay_chart(report: AlphaReport) -> list[dict[str, Any]]:
    """Mean IC and mean rank IC per horizon (research.js ``decay`` chart)."""
    return [{"h": h.h, "ic_mean": h.ic["mean"], "rank_ic_mean": h.rank_ic["mean"]} for h in report.horizons]


def alpha_report_save(*, run: AlphaReportRun, owner: AbstractBaseUser) -> SavedResult:
    """Store ``run`` for ``owner``: the printed JSON report plus the decay series, the options, and
    the input files' names and sha256."""
    report = run.report
    params = {
        "signal": file_fingerprint(run.signal_path),
        "prices": file_fingerprint(run.prices_path) if run.prices_path else "warehouse crsp_daily",
        "groups": file_fingerprint(run.groups_path) if run.groups_path else None,
        "horizons": [h.h for h in report.horizons],
        "quantiles": report.quantiles,
        "frequency": run.frequency,
        "backend": run.backend,
    }
    return saved_result_create(
        kind="alpha_report",
        title=f"Alpha report of {run.signal_path.name}",
        owner=owner,
        params=params,
        result={**report.as_dict(), "decay": _decay_chart(report)},
        dataset_versions=run.dataset_versions,
    )
