"""Quickstart steps 35–37: signal reports, demo TAQ aggregates and PEAD on the demo warehouse (idempotent)."""

from __future__ import annotations

import time

from quant.quickstart import Options, Step
from research.services.combination import alpha_combination_register, signal_definitions_register
from research.services.reports import alpha_build


def _build_reports(opts: Options) -> None:
    started = time.perf_counter()
    reports = alpha_build(names="all")
    signal_definitions_register(author=None)
    combo = alpha_combination_register(author=None)
    opts.stdout.write(
        f"{len(reports)} signal reports, combination {combo.version.name} v{combo.version.version} "
        f"in {time.perf_counter() - started:.1f} s\n"
    )


STEPS = [Step(name="Compute the alpha signal reports", order=35, run=_build_reports)]


def _build_taq_demo(opts: Options) -> None:
    from research.services.taq import taq_demo_build

    started = time.perf_counter()
    results = taq_demo_build()
    rows = ", ".join(f"{r.dataset} v{r.version} ({r.rows} rows)" for r in results)
    opts.stdout.write(f"TAQ demo Tier 1: {rows} in {time.perf_counter() - started:.1f} s\n")


STEPS.append(Step(name="Build the demo intraday (TAQ Tier 1) aggregates", order=36, run=_build_taq_demo))


def _build_pead(opts: Options) -> None:
    from research.services.pead import pead_job_run, pead_request

    started = time.perf_counter()
    job, created = pead_request()
    if created or job.is_active:
        pead_job_run(job_id=job.pk)
    opts.stdout.write(f"PEAD by SUE decile (job #{job.pk}) in {time.perf_counter() - started:.1f} s\n")


STEPS.append(Step(name="Compute post-earnings-announcement drift (PEAD page)", order=37, run=_build_pead))
