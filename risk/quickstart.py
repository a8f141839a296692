"""Quickstart step 30: risk model + built-in portfolios on the demo warehouse (idempotent)."""

from __future__ import annotations

import time

from quant.quickstart import Options, Step


def _build_risk(opts: Options) -> None:
    from risk.services.jobs import risk_refresh, warehouse_last_date

    t = time.perf_counter()
    run = risk_refresh(as_of=warehouse_last_date(), writer="quickstart")
    s = run.summary
    opts.stdout.write(
        f"risk model as of {run.as_of}: {s['n_factors']} factors, mean R² {s['r2_mean']:.3f}, "
        f"built-in portfolios ready ({time.perf_counter() - t:.1f} s); open /risk/\n"
    )


STEPS = [Step(name="Build the risk model and the built-in portfolios", order=30, run=_build_risk)]
