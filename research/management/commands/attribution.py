"""Fama-French attribution of a return file (alpha, betas, Newey-West t-stats)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.periods import periods_per_year
from research import io
from research.analytics.attribution import (
    AttributionResult,
    align_excess_returns,
    factor_regression,
    model_factors,
    rolling_exposures,
    up_down_attribution,
)


def _result_lines(label: str, res: AttributionResult) -> list[str]:
    lines = [
        f"{label}  (n_obs={res.n_obs}, dropped={res.dropped}, HAC lags={res.hac_lags} [{res.lag_rule}])",
        f"  {'':8}{'coef':>12}{'NW t':>10}",
    ]
    lines.append(
        f"  {'alpha':8}{res.alpha:>12.6f}{res.t_stats['alpha']:>10.2f}   annualised {res.alpha_annualised:.4%}"
    )
    lines += [f"  {name:8}{beta:>12.4f}{res.t_stats[name]:>10.2f}" for name, beta in res.betas.items()]
    lines.append(f"  R² {res.r2:.4f}   adj R² {res.adj_r2:.4f}")
    return lines


class Command(BaseCommand):
    help = "Regress a return series on Fama-French factors (ff3/ff5/ff6) with Newey-West t-stats."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--returns", required=True, help="CSV/Parquet with columns date,return (decimal)")
        parser.add_argument("--model", choices=["ff3", "ff5", "ff6"], default="ff3")
        parser.add_argument("--frequency", choices=["daily", "monthly"], default="daily")
        parser.add_argument("--factors", help="Ken French CSV, zip or directory (default: warehouse ff_factors)")
        parser.add_argument("--hac-lags", type=int, help="override the Newey-West lag rule")
        parser.add_argument("--rolling-window", type=int, help="also estimate rolling exposures")
        parser.add_argument("--conditional", action="store_true", help="also fit up/down-market betas")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args: Any, **opts: Any) -> None:
        model, freq = opts["model"], opts["frequency"]
        ppy = periods_per_year(freq)
        try:
            model_factors(model)
            returns = io.read_returns(opts["returns"])
            if opts["factors"]:
                factors = io.french_factors(opts["factors"], model=model, frequency=freq)
            else:
                factors = io.warehouse_factors(freq)
            aligned = align_excess_returns(returns, factors, model=model, frequency=freq)
            result = factor_regression(aligned, model=model, periods_per_year=ppy, hac_lags=opts["hac_lags"])
            conditional = (
                up_down_attribution(aligned, model=model, periods_per_year=ppy, hac_lags=opts["hac_lags"])
                if opts["conditional"]
                else None
            )
            rolling = (
                rolling_exposures(aligned, model=model, window=opts["rolling_window"])
                if opts["rolling_window"]
                else None
            )
        except (io.InputError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        convention = (
            "excess = return - rf; OLS with Newey-West (HAC, Bartlett) errors; "
            f"alignment: {'exact dates' if freq == 'daily' else 'calendar month'}"
        )
        if opts["format"] == "json":
            payload: dict[str, Any] = {"frequency": freq, "convention": convention, **result.as_dict()}
            if conditional is not None:
                payload["conditional"] = conditional.as_dict()
            if rolling is not None:
                payload["rolling"] = rolling.with_columns(rolling["date"].cast(str)).to_dicts()
            self.stdout.write(json.dumps(payload, indent=2))
            return
        lines = _result_lines(f"{model} {freq} attribution", result)
        if conditional is not None:
            lines += _result_lines("up market (mktrf > 0)", conditional.up)
            lines += _result_lines("down market (mktrf < 0)", conditional.down)
        if rolling is not None:
            lines.append(f"rolling exposures (window {opts['rolling_window']}), last 5 windows:")
            lines.append(str(rolling.tail(5)))
        lines.append(f"convention: {convention}")
        self.stdout.write("\n".join(lines))
