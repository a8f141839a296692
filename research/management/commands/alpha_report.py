"""IC / quantile report of a signal file against a price file (or the warehouse); ``--save`` stores it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.cli import add_save_arguments, finite_json, input_error, print_saved, require_range, save_owner
from research import io
from research.analytics.report import AlphaReport
from research.services.alpha_report import alpha_report_run, alpha_report_save


def _int_list(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise input_error(f"--horizons must be comma-separated integers, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise input_error("--horizons must be positive integers")
    return values


def _fmt(value: Any, pct: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value * 100:.3f}%" if pct else f"{value:.4f}"


def render_table(report: AlphaReport) -> str:
    """Plain-text table of the report (one column per horizon)."""
    hs = report.horizons
    rows: list[tuple[str, list[str]]] = [
        ("mean IC", [_fmt(h.ic["mean"]) for h in hs]),
        ("IC std (ddof=1)", [_fmt(h.ic["std"]) for h in hs]),
        ("ICIR", [_fmt(h.ic["icir"]) for h in hs]),
        ("ICIR annualised", [_fmt(h.ic["icir_annualised"]) for h in hs]),
        ("IC t-stat", [_fmt(h.ic["t_stat"]) for h in hs]),
        ("IC hit rate", [_fmt(h.ic["hit_rate"]) for h in hs]),
        ("mean rank IC", [_fmt(h.rank_ic["mean"]) for h in hs]),
        ("rank ICIR", [_fmt(h.rank_ic["icir"]) for h in hs]),
        ("rank IC t-stat", [_fmt(h.rank_ic["t_stat"]) for h in hs]),
        ("n dates (IC)", [_fmt(h.ic["n_dates"]) for h in hs]),
        ("dates with null IC", [_fmt(h.ic["n_null"]) for h in hs]),
        ("pairs used", [_fmt(h.n_pairs) for h in hs]),
        ("dropped: no fwd return", [_fmt(h.dropped_no_forward_return) for h in hs]),
        ("dropped: null signal", [_fmt(h.dropped_null_signal) for h in hs]),
        ("sign agreement", [_fmt(h.sign_agreement) for h in hs]),
    ]
    rows.extend(
        (f"Q{q} mean fwd return", [_fmt(h.quantile_mean_returns.get(str(q)), True) for h in hs])
        for q in range(1, report.quantiles + 1)
    )
    rows.append((f"long-short Q{report.quantiles}-Q1", [_fmt(h.long_short_mean, True) for h in hs]))
    groups = sorted({g for h in hs for g in h.group_mean_ic})
    rows.extend((f"IC in {g}", [_fmt(h.group_mean_ic.get(g, {}).get("mean_ic")) for h in hs]) for g in groups)
    width = max(len(r[0]) for r in rows)
    header = " " * width + "".join(f"{'h=' + str(h.h):>12}" for h in hs)
    lines = [header] + [label.ljust(width) + "".join(f"{v:>12}" for v in vals) for label, vals in rows]
    lines += [
        "",
        f"top-quantile turnover (mean)    {_fmt(report.turnover_top)}",
        f"bottom-quantile turnover (mean) {_fmt(report.turnover_bottom)}",
        f"rank autocorrelation, lag 1     {_fmt(report.rank_autocorrelation_lag1)}",
        f"signal: {report.n_signal_rows} rows, {report.n_dates} dates, {report.n_assets} assets",
        f"convention: {report.convention}",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Information coefficients, quantile returns, turnover and decay of a signal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--signal", required=True, help="CSV/Parquet with columns date,asset,value")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--prices", help="CSV/Parquet with columns date,asset,price")
        source.add_argument(
            "--warehouse",
            action="store_true",
            help="use the warehouse crsp_daily total-return index (asset = permno)",
        )
        parser.add_argument("--groups", help="CSV/Parquet asset,group or date,asset,group (e.g. sectors)")
        parser.add_argument("--horizons", default="1,5,21", help="comma-separated, in price-file dates")
        parser.add_argument("--quantiles", type=int, default=5)
        parser.add_argument("--frequency", default="daily", help="signal frequency for annualising ICIR")
        parser.add_argument("--backend", choices=["auto", "qlib", "local"], default="auto")
        parser.add_argument("--format", choices=["json", "table"], default="table")
        add_save_arguments(parser)

    def handle(self, *args: Any, **opts: Any) -> None:
        owner = save_owner(opts)
        horizons = _int_list(opts["horizons"])
        require_range("--quantiles", opts["quantiles"], low=2)
        try:
            run = alpha_report_run(
                signal=opts["signal"],
                prices=opts["prices"],
                warehouse=opts["warehouse"],
                groups=opts["groups"],
                horizons=horizons,
                quantiles=opts["quantiles"],
                frequency=opts["frequency"],
                backend=opts["backend"],
            )
        except (io.InputError, ValueError) as exc:
            raise input_error(str(exc)) from exc
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if opts["format"] == "json":
            self.stdout.write(finite_json(run.report.as_dict(), indent=2, default=str))
        else:
            self.stdout.write(render_table(run.report))
        if owner is not None:
            try:
                saved = alpha_report_save(run=run, owner=owner)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            print_saved(self, saved, json_output=opts["format"] == "json")
