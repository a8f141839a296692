"""Fama-French attribution of a return file (alpha, betas, Newey-West t-stats); ``--save`` stores it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import add_save_arguments, finite_json, input_error, print_saved, require_range, save_owner
from research import io
from research.analytics.attribution import AttributionResult
from research.services.attribution import AttributionRun, attribution_run, attribution_save


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


def render_table(run: AttributionRun) -> str:
    """The text report: the fit, the up/down-market fits, the last rolling windows, the convention."""
    lines = _result_lines(f"{run.model} {run.frequency} attribution", run.result)
    if run.conditional is not None:
        lines += _result_lines("up market (mktrf > 0)", run.conditional.up)
        lines += _result_lines("down market (mktrf < 0)", run.conditional.down)
    if run.rolling is not None:
        lines.append(f"rolling exposures (window {run.rolling_window}), last 5 windows:")
        lines.append(str(run.rolling.tail(5)))
    lines.append(f"convention: {run.convention}")
    return "\n".join(lines)


MIN_ROLLING_WINDOW = 10  # fewer periods than this cannot fit up to 6 factors and a constant


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
        add_save_arguments(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        owner = save_owner(opts)
        require_range("--hac-lags", opts["hac_lags"], low=0, unit=" (lags, in periods)")
        require_range("--rolling-window", opts["rolling_window"], low=MIN_ROLLING_WINDOW, unit=" (periods)")
        try:
            run = attribution_run(
                returns=opts["returns"],
                model=opts["model"],
                frequency=opts["frequency"],
                factors=opts["factors"],
                hac_lags=opts["hac_lags"],
                rolling_window=opts["rolling_window"],
                conditional=opts["conditional"],
            )
        except (io.InputError, ValueError) as exc:
            raise input_error(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(finite_json(run.as_dict(), indent=2))
        else:
            self.stdout.write(render_table(run))
        if owner is not None:
            try:
                saved = attribution_save(run=run, owner=owner)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            print_saved(self, saved, json_output=opts["format"] == "json")
