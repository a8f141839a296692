"""Build the risk model (exposures, factor returns, covariance, specific risk) and the built-in portfolios."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from quant.cli import parse_date
from quant.models import Job
from risk.services.jobs import risk_refresh


class Command(BaseCommand):
    help = "Build the Barra-style risk model as of a date (idempotent: identical inputs reuse the artifact)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD (the last session on or before it)")
        parser.add_argument("--universe", default="all", help="all (default) or topN, e.g. top500")
        parser.add_argument("--start", default=None, help="first return date (default: 10 years back)")

    def handle(self, *args: object, **opts: object) -> None:
        as_of = parse_date(str(opts["as_of"]))
        start = parse_date(str(opts["start"])) if opts["start"] else None
        bar = tqdm(total=100, desc="risk_build", unit="%", disable=None)

        def progress(stage: str, frac: float) -> None:
            bar.set_postfix_str(stage)
            bar.update(max(0, round(frac * 100) - bar.n))

        try:
            run = risk_refresh(as_of=as_of, universe=str(opts["universe"]), start=start, progress=progress)
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        if run.job.status != Job.Status.SUCCEEDED:
            detail = run.job.error or run.job.message
            raise CommandError(f"risk build job #{run.job_id} {run.job.status}: {detail}")
        s = run.summary
        self.stdout.write(
            f"risk model {run.version} (job #{run.job_id}) as of {run.as_of}, universe {run.universe}: "
            f"{s['n_factors']} factors, {s['n_days']} days {s['first_date']}..{s['last_date']}, "
            f"{s['stocks_last']} stocks\n"
            f"  mean R² {s['r2_mean']:.3f} (regression-weighted), {s['r2_equal_mean']:.3f} (equal-weighted)\n"
            f"  out-of-sample bias (last {run.config['holdout']} days): mean {s['bias_mean']:.3f}, "
            f"{s['bias_share_in_band']:.0%} of factors inside the 95 % band\n"
            f"  timings (s): {run.timings}\n  artifact: {run.artifact_path}"
        )
