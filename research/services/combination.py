"""The ICIR-weighted alpha combination of the canonical signals, registered in the model registry,
and the multiple-testing table across every signal tried."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from quant.periods import TRADING_DAYS_PER_YEAR
from research.analytics.combine import combination_weights, combine_signals
from research.analytics.ic import ic_by_date, ic_summary
from research.analytics.multiple_testing import multiple_testing_table, oos_split
from research.analytics.signals import SIGNALS
from research.models import ModelVersion, SignalReport
from research.selectors import latest_reports
from research.services.data import load_research_data
from research.services.registry import RegisterResult, model_version_register
from research.services.reports import MAIN_HORIZON, signal_forward_returns, signal_values

COMBINATION_NAME = "alpha-icir-combo"
PLACEBOS = ("noise",)
# 21-session forward returns from a month end are known about one month-end later; 2 signal dates of
# delay leave a margin for months with more than 21 sessions (no look-ahead).
KNOWN_AFTER_DATES = 2
WINDOW_DATES = 36
OOS_FRACTION = 0.5


def testing_table(reports: list[SignalReport]) -> list[dict[str, Any]]:
    """Adjusted p-values (Bonferroni, Holm, BH) and the t > 3 hurdle over every signal tried."""
    tried = [r for r in reports if r.ic_t_stat is not None]
    if not tried:
        return []
    table = multiple_testing_table([r.signal for r in tried], [float(r.ic_t_stat) for r in tried],  # type: ignore[arg-type]
                                   [max(1, (r.n_dates or 2) - 1) for r in tried])  # fmt: skip
    by_name = {r.signal: r for r in tried}
    return [{**row, "report": by_name[row["name"]]} for row in table.to_dicts()]


@dataclass(frozen=True)
class CombinationResult:
    version: ModelVersion
    created: bool
    weights: pl.DataFrame


def alpha_combination_register(*, author: Any = None) -> RegisterResult:
    """ICIR-weighted combination (trailing ``WINDOW_DATES`` month-ends) of the non-placebo signals
    with a succeeded report; metrics are the IC of the combined signal in-sample and out-of-sample
    (second half of the dates, embargoed)."""
    names = [r.signal for r in latest_reports() if r.signal not in PLACEBOS]
    if len(names) < 2:
        raise ValueError("need at least two signal reports: run `python manage.py alpha_build` first")
    data = load_research_data()
    signals = pl.concat(
        [signal_values(SIGNALS[n], data).with_columns(pl.lit(n).alias("signal")) for n in names]
    ).select("date", "asset", "signal", "value")
    fwd = signal_forward_returns(data).filter(pl.col("h") == MAIN_HORIZON)
    weights = combination_weights(signals, fwd, method="icir", horizon=KNOWN_AFTER_DATES, window=WINDOW_DATES,
                                  min_periods=12, calendar=data.inputs.dates)  # fmt: skip
    combined = combine_signals(signals, weights)
    per = ic_by_date(combined, fwd)
    split = oos_split(per["date"], fraction=OOS_FRACTION, embargo=KNOWN_AFTER_DATES)
    ppy = TRADING_DAYS_PER_YEAR / MAIN_HORIZON
    ins = ic_summary(per.filter(pl.col("date").is_in(split.in_sample.implode()))["ic"], periods_per_year=ppy)
    oos = ic_summary(per.filter(pl.col("date").is_in(split.out_of_sample.implode()))["ic"], periods_per_year=ppy)
    config = {"method": "icir", "signals": names, "window_dates": WINDOW_DATES, "known_after_dates": KNOWN_AFTER_DATES,
              "horizon_sessions": MAIN_HORIZON, "oos_fraction": OOS_FRACTION,
              "definition_hashes": {n: SIGNALS[n].definition_hash() for n in names}}  # fmt: skip
    metrics = {"is_ic_mean": ins.mean, "is_ic_t_stat": ins.t_stat, "oos_ic_mean": oos.mean, "oos_ic_t_stat": oos.t_stat,
               "oos_icir_annualised": oos.icir_annualised, "oos_n_dates": oos.n_dates,
               "oos_start": str(split.out_of_sample[0])}  # fmt: skip
    return model_version_register(
        name=COMBINATION_NAME, kind=ModelVersion.Kind.ALPHA_COMBINATION, config=config,
        files={"weights.parquet": weights.write_parquet, "combined.parquet": combined.write_parquet},
        dataset_versions=data.dataset_versions, metrics=metrics, author=author,
        description=f"ICIR-weighted ({WINDOW_DATES} month-ends) combination of {', '.join(names)}",
    )  # fmt: skip


def signal_definitions_register(*, author: Any = None) -> list[RegisterResult]:
    """Register each signal with a succeeded report as a ``factor_definition`` version (``signal-<name>``):
    its params, definition hash and source code, with the in-/out-of-sample IC of its report."""
    import inspect
    import json

    from research.selectors import report_frame

    out = []
    for report in latest_reports():
        definition = SIGNALS[report.signal]
        ic = report_frame(report, "ic").sort("date")
        split = oos_split(ic["date"], fraction=OOS_FRACTION, embargo=KNOWN_AFTER_DATES)
        ppy = TRADING_DAYS_PER_YEAR / MAIN_HORIZON
        ins = ic_summary(ic.filter(pl.col("date").is_in(split.in_sample.implode()))["ic"], periods_per_year=ppy)
        oos = ic_summary(ic.filter(pl.col("date").is_in(split.out_of_sample.implode()))["ic"], periods_per_year=ppy)
        config = {"signal": definition.name, "params": dict(definition.params),
                  "definition_hash": definition.definition_hash(), "datasets": list(definition.datasets)}  # fmt: skip
        source = json.dumps({**config, "description": definition.description,
                             "code": inspect.getsource(definition.compute)}, indent=2, default=str)  # fmt: skip
        out.append(model_version_register(
            name=f"signal-{definition.name}", kind=ModelVersion.Kind.FACTOR_DEFINITION, config=config,
            files={"definition.json": lambda path, text=source: path.write_text(text)},
            dataset_versions=report.dataset_versions,
            metrics={"is_ic_mean": ins.mean, "is_ic_t_stat": ins.t_stat, "oos_ic_mean": oos.mean,
                     "oos_ic_t_stat": oos.t_stat, "report_id": report.pk},
            author=author, description=definition.description,
        ))  # fmt: skip
    return out
