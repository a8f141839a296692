"""Risk-model benchmark: cross-sectional factor regression and optimizer solve/re-solve times.

``python bench/run.py --only risk`` (alone: ``python bench/risk.py``). Synthetic, seeded data only.
The warm re-solve targets are the issue's 0.1 s (N = 500) and 0.5 s (N = 3,000) with a 30 %
margin (0.07 s, 0.35 s). The peer is the same problem written plainly in cvxpy (weights,
``cp.power`` for the impact cost, no parameters or scaling), solved once: our optimum must be at
least as good and the weights equal to 1e-4. No floor: Clarabel's own ``solve_time`` is in the
notes, but it runs on the solver's clock and can exceed the call's wall time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import Harness, Row, Timing  # noqa: E402
from bench.harness import main as harness_main  # noqa: E402
from risk.analytics.optimizer import FactorOptimizer, PortfolioProblem, transaction_cost  # noqa: E402
from risk.analytics.regression import factor_returns  # noqa: E402
from tests.support.risk_panel import simulate_panel  # noqa: E402

N_INDUSTRIES, N_STYLES, N_SECTORS = 60, 10, 11


def bench_regression() -> dict[str, object]:
    t0 = time.perf_counter()
    sim = simulate_panel(n_stocks=3_000, n_days=2_520, n_industries=N_INDUSTRIES, n_styles=N_STYLES, seed=42)
    sim_s = time.perf_counter() - t0
    styles = [f"style{k}" for k in range(N_STYLES)]
    t0, c0 = time.perf_counter(), time.process_time()
    res = factor_returns(sim.panel, styles=styles)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    est = res.factor_returns_wide()
    corr = [
        float(np.corrcoef(est.get_column(s).to_numpy(), sim.factor_returns.get_column(s).to_numpy())[0, 1])
        for s in styles
    ]
    return {
        "name": "factor regression 3,000 stocks x 2,520 days (1 + 60 industries + 10 styles)",
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "target_seconds": 20.0,
        "met": seconds < 20.0,
        "notes": f"simulation {sim_s:.1f}s excluded; min style corr with truth {min(corr):.4f}; "
        f"mean R2 {res.r2.get_column('r2').mean():.3f}",
    }


def make_problem(n: int, seed: int) -> PortfolioProblem:
    rng = np.random.default_rng(seed)
    k = N_INDUSTRIES + N_STYLES
    industry = rng.integers(0, N_INDUSTRIES, n)
    x = np.zeros((n, k))
    x[np.arange(n), industry] = 1.0
    x[:, N_INDUSTRIES:] = rng.standard_normal((n, N_STYLES))
    a = rng.standard_normal((k, k)) * 0.004
    f = a @ a.T / k + np.eye(k) * 2e-5
    sectors = np.zeros((N_SECTORS, n))
    sectors[industry % N_SECTORS, np.arange(n)] = 1.0
    bench = rng.dirichlet(np.ones(n))
    return PortfolioProblem(
        exposures=x,
        factor_cov=f,
        specific_var=rng.uniform(1e-4, 9e-4, n),
        objective="mean_variance",
        expected_returns=rng.normal(0.0, 3e-4, n),
        risk_aversion=5.0,
        lower=0.0,
        upper=0.05,
        sector_matrix=sectors,
        sector_lower=sectors @ bench - 0.05,
        sector_upper=sectors @ bench + 0.05,
        factor_lower=np.r_[np.full(N_INDUSTRIES, -1.0), np.full(N_STYLES, -0.5)],
        factor_upper=np.r_[np.full(N_INDUSTRIES, 1.0), np.full(N_STYLES, 0.5)],
        w0=bench,
        max_turnover=0.3,
        linear_cost=np.full(n, 5e-4),
        impact_cost=np.full(n, 1e-3),
    )


def bench_optimizer(n: int, target: float, dpp: bool | None) -> list[dict[str, object]]:
    opt = FactorOptimizer(dpp=dpp)
    base = make_problem(n, seed=7)
    uses_dpp = opt.uses_dpp(n, N_INDUSTRIES + N_STYLES, N_SECTORS)
    t0, c0 = time.perf_counter(), time.process_time()
    first = opt.solve(base)
    first_s, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    warm, warm_cpu, solver = [], [], []
    for i in range(3):  # new alphas and current weights, same exposures: the daily re-solve case
        rng = np.random.default_rng(100 + i)
        changed = replace(base, expected_returns=rng.normal(0.0, 3e-4, n), w0=first.weights)
        t0, c0 = time.perf_counter(), time.process_time()
        res = opt.solve(changed)
        warm.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
        solver.append(res.solver_time or float("nan"))
    mode = "DPP (parameters only)" if uses_dpp else "re-canonicalised (ignore_dpp)"
    label = f"optimizer N={n:,} K=70, {N_SECTORS} sector bands, turnover, linear+impact costs, {mode}"
    warm_s = statistics.median(warm)
    return [
        {
            "name": f"{label}: first solve",
            "seconds": round(first_s, 3),
            "cpu_seconds": round(first_cpu, 3),
            "target_seconds": None,
            "met": None,
            "notes": f"status {first.status}; includes canonicalisation; solver {first.solver_time:.3f}s",
        },
        {
            "name": f"{label}: warm re-solve (median of 3)",
            "seconds": round(warm_s, 3),
            "cpu_seconds": round(statistics.median(warm_cpu), 3),
            "target_seconds": target,
            "met": warm_s < target,
            "notes": f"wall per run {[round(t, 3) for t in warm]}s, inside Clarabel "
            f"{[round(t, 3) for t in solver]}s"
            + ("" if warm_s < target else "; missed: the interior-point solve itself dominates (see docs/risk.md)"),
        },
    ]


MARGIN = 0.7  # targets must hold with a 30 % margin


def plain_solve(p: PortfolioProblem) -> np.ndarray:
    """The same problem written the obvious way in cvxpy (weights, cp.power for the impact, no
    scaling tricks or parameters): the reference our optimizer's result must agree with."""
    import cvxpy as cp

    w = cp.Variable(len(p.specific_var))
    x = p.exposures.T @ w
    trade = cp.abs(w - p.w0)
    risk = cp.quad_form(x, cp.psd_wrap(p.factor_cov)) + cp.sum(cp.multiply(p.specific_var, cp.square(w)))
    cost = p.linear_cost @ trade + p.impact_cost @ cp.power(trade, 1.5)  # type: ignore[operator]
    utility = p.expected_returns @ w - p.risk_aversion * risk - cost  # type: ignore[operator]
    sectors = p.sector_matrix @ w  # type: ignore[operator]
    cons = [cp.sum(w) == 1, w >= p.lower, w <= p.upper, sectors >= p.sector_lower, sectors <= p.sector_upper,
            x >= p.factor_lower, x <= p.factor_upper, cp.sum(trade) <= p.max_turnover]  # fmt: skip
    cp.Problem(cp.Maximize(utility * 1e4), cons).solve(solver=cp.CLARABEL)
    return np.asarray(w.value)


def measure(h: Harness) -> None:
    reg = bench_regression()
    h.record(Row(str(reg["name"]), ours=Timing((float(reg["seconds"]),)), target_s=20.0,  # type: ignore[arg-type]
                 notes=str(reg["notes"])))  # fmt: skip
    # the forced re-canonicalised N = 500 row shows what DPP saves; the targets are for the auto mode
    for n, target, dpp in ((500, 0.1, None), (500, None, False), (3_000, 0.5, None)):
        _optimizer_rows(h, n, target, dpp)
    import cvxpy

    h.versions["cvxpy"] = cvxpy.__version__


def _optimizer_rows(h: Harness, n: int, target: float | None, dpp: bool | None) -> None:
    opt = FactorOptimizer(dpp=dpp)
    base = make_problem(n, seed=7)
    mode = "DPP" if opt.uses_dpp(n, N_INDUSTRIES + N_STYLES, N_SECTORS) else "re-canonicalised"
    first = h.time(lambda: opt.solve(base), repeat=1)
    start = h.last.weights  # type: ignore[attr-defined]
    h.record(Row(f"optimizer N={n:,} K=70 ({mode}): first solve", ours=first, notes="includes canonicalisation"))
    rounds = iter(range(10_000))
    inside: list[float] = []

    def resolve() -> object:
        rng = np.random.default_rng(100 + next(rounds))  # new alphas, same exposures: the daily re-solve
        res = opt.solve(replace(base, expected_returns=rng.normal(0.0, 3e-4, n), w0=start))
        inside.append(res.solver_time or float("nan"))
        return res

    warm = h.time(resolve, repeat=max(h.repeat, 3))
    ours = h.last
    peer, agreement, detail = None, None, ""
    if n <= 3_000 and dpp is None:
        rng = np.random.default_rng(100 + max(h.repeat, 3) - 1)  # the last re-solve's problem
        last = replace(base, expected_returns=rng.normal(0.0, 3e-4, n), w0=start)
        peer = h.time(lambda: plain_solve(last), repeat=1, label="plain cvxpy formulation")
        theirs = h.last
        u_ours, u_theirs = _utility(last, ours.weights), _utility(last, theirs)  # type: ignore[attr-defined, arg-type]
        gap = abs(u_ours - u_theirs)
        # ours no worse than the reference's optimum, to 1e-6 of the size of the utility's terms (the
        # utility itself is a small difference of them), and the same weights to 1e-4 (weights ~ 1/N;
        # the plain formulation is badly scaled and stops "inaccurate" near the optimum)
        w_gap = float(np.abs(ours.weights - theirs).max())  # type: ignore[attr-defined, operator]
        agreement = u_ours >= u_theirs - 1e-6 * _scale(last, theirs) and w_gap <= 1e-4
        detail = f"utility ours {u_ours:.9e} plain {u_theirs:.9e} (|diff| {gap:.1e}); max |w diff| {w_gap:.1e}"
    status = ours.status  # type: ignore[attr-defined]
    notes = (f"issue target {target} s with a 30 % margin; " if target else "") + (
        f"status {status}; Clarabel's own solve_time {statistics.median(inside):.3f} s "
        "(median; its clock, not a share of the wall)")  # fmt: skip
    target_s = None if target is None else round(target * MARGIN, 3)
    h.record(Row(f"optimizer N={n:,} K=70 ({mode}): warm re-solve", ours=warm, peer=peer, target_s=target_s,
                 agreement=agreement, agreement_detail=detail, notes=notes))  # fmt: skip


def _scale(p: PortfolioProblem, w: np.ndarray) -> float:
    """|μᵀw| + λ·wᵀΣw + costs: the size of the terms the utility is the difference of."""
    x = p.exposures.T @ w
    risk = x @ p.factor_cov @ x + np.sum(p.specific_var * w**2)
    return float(abs(p.expected_returns @ w) + p.risk_aversion * risk + transaction_cost(p, w))  # type: ignore[operator]


def _utility(p: PortfolioProblem, w: np.ndarray) -> float:
    x = p.exposures.T @ w
    risk = x @ p.factor_cov @ x + np.sum(p.specific_var * w**2)
    return float(p.expected_returns @ w - p.risk_aversion * risk - transaction_cost(p, w))  # type: ignore[operator]


def main() -> None:
    load_start = os.getloadavg()[0]
    results = [bench_regression()]
    results += bench_optimizer(500, 0.1, dpp=None)
    results += bench_optimizer(500, 0.1, dpp=False)
    results += bench_optimizer(3_000, 0.5, dpp=None)
    payload = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m_start": round(load_start, 2),
            "load_average_1m_end": round(os.getloadavg()[0], 2),
        },
        "results": results,
    }
    out = ROOT / "bench" / "results" / "risk.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
    width = max(len(str(r["name"])) for r in results)
    print(f"{'benchmark':<{width}}  {'seconds':>8}  {'cpu s':>7}  {'target':>7}  met")
    for r in results:
        target = "" if r["target_seconds"] is None else f"{r['target_seconds']:.2f}"
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        print(f"{r['name']:<{width}}  {r['seconds']:>8.3f}  {r['cpu_seconds']:>7.3f}  {target:>7}  {met}")
        print(f"{'':<{width}}    {r['notes']}")
    machine = payload["machine"]
    print(
        f"load average {machine['load_average_1m_start']} -> {machine['load_average_1m_end']} "
        f"on {os.cpu_count()} CPUs (shared machine); wrote {out}"
    )


if __name__ == "__main__":
    harness_main(measure)
