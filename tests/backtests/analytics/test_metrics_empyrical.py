"""Every expectation of empyrical's own test suite (transcribed in the shared fixture file).

Each fixture key is classified as
* ``exact``: our value equals empyrical's to 1e-8;
* ``rounded``: equal to the precision the fixture was transcribed with (e.g. 5 decimals);
* ``differs``: empyrical counts a NaN as a period (or a zero return); our drop-NaN policy gives a
  different number, which is asserted against an independent computation *and* checked to differ
  from empyrical's value in the expected direction;
* ``excluded``: metrics deliberately outside the project (listed with the reason).
A new key in the fixture file fails ``test_every_fixture_key_is_classified``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl
import pytest

from backtests.analytics import metrics as m
from tests.support.shared_data import require_shared_file

FIXTURE = "worked_examples/empyrical_test_stats_fixtures.json"
D, W, M, Y = 252, 52, 12, 1


@cache
def fixture() -> dict:
    return json.loads(require_shared_file(FIXTURE).read_text())


def inp(name: str) -> np.ndarray:
    data = fixture()["inputs"]
    key = next(k for k in data if k == name or k.startswith(name + " "))
    return np.array([np.nan if v is None else v for v in data[key]], dtype=float)


def frame(name: str, freq: str) -> pl.DataFrame:
    """The pandas index empyrical used: date_range('2000-1-30', periods=n, freq=D/W/M)."""
    r = inp(name)
    start = dt.date(2000, 1, 30)
    if freq == "D":
        dates = [start + dt.timedelta(days=i) for i in range(r.size)]
    elif freq == "W":  # Sundays
        dates = [start + dt.timedelta(weeks=i) for i in range(r.size)]
    else:  # month ends from January 2000
        dates = [
            (dt.date(2000, 2 + i, 1) if i < 11 else dt.date(2001, 1, 1)) - dt.timedelta(days=1) for i in range(r.size)
        ]
    return pl.DataFrame({"date": dates, "return": r})


def agg(name: str, freq: str, period: str) -> list[float]:
    return m.aggregate_returns(frame(name, freq), period)["return"].to_list()


def ab(a: np.ndarray, b: np.ndarray) -> list[float]:
    res = m.alpha_beta(a, b, periods_per_year=D)
    return [res.alpha, res.beta]


def mixed_vs_negative_tail() -> list[float]:
    # negative_returns[1:] keeps its dates (days 2..9): align by date, not by position.
    bench = frame("negative_returns", "D").slice(1)
    pair = m.align_on_dates(frame("mixed_returns", "D"), bench)
    return ab(pair["return"].to_numpy(), pair["other"].to_numpy())


def two(fn: Callable[[np.ndarray], float]) -> list[float]:
    return [fn(inp("df_one")), fn(inp("df_two"))]


@dataclass(frozen=True)
class Case:
    compute: Callable[[], object]
    kind: str = "exact"  # exact | rounded | differs
    tol: float = 1e-8
    # for "differs": our value under the drop-NaN policy, computed independently, and the sign of
    # (ours - empyrical)
    ours: Callable[[], float] | None = None
    direction: int = 0
    why: str = ""


MIX = "mixed_returns"
R8 = np.array([0.01, 0.10, -0.04, 0.02, 0.03, 0.02, 0.01, -0.10])  # mixed_returns without its NaN
G8 = float(np.prod(1 + R8))
NAN_N = "empyrical annualises with n=len(series) INCLUDING the leading NaN (n=9); we drop it (n=8)"

CASES: dict[str, Case] = {
    "cum_returns(mixed_returns, starting_value=0)": Case(
        lambda: [0.0, *m.cumulative_returns(inp(MIX))],
        "rounded",
        1e-5,
        why="empyrical reports 0 for the NaN period; we drop it (path is 1 shorter) - prefix 0 to compare",
    ),
    "cum_returns(mixed_returns, starting_value=100)": Case(
        lambda: [100.0, *m.cumulative_returns(inp(MIX), starting_value=100)],
        "rounded",
        1e-3,
        why="as above, NaN period dropped",
    ),
    "cum_returns(negative_returns, 0)": Case(
        lambda: list(m.cumulative_returns(inp("negative_returns"))), "rounded", 1e-5
    ),
    "cum_returns_final(mixed_returns)": Case(lambda: m.total_return(inp(MIX)), "rounded", 1e-5),
    "cum_returns_final(negative_returns)": Case(lambda: m.total_return(inp("negative_returns")), "rounded", 1e-5),
    "aggregate_returns(simple_benchmark, weekly)": Case(lambda: agg("simple_benchmark", "D", "weekly")),
    "aggregate_returns(simple_benchmark, monthly)": Case(lambda: agg("simple_benchmark", "D", "monthly")),
    "aggregate_returns(simple_benchmark, yearly)": Case(lambda: agg("simple_benchmark", "D", "yearly")),
    "aggregate_returns(weekly_returns, monthly)": Case(lambda: agg("weekly_returns", "W", "monthly")),
    "aggregate_returns(monthly_returns, quarterly)": Case(lambda: agg("monthly_returns", "M", "quarterly")),
    "aggregate_returns(monthly_returns, yearly)": Case(lambda: agg("monthly_returns", "M", "yearly")),
    "max_drawdown(mixed_returns)": Case(lambda: m.max_drawdown(inp(MIX))),
    "max_drawdown(simple_benchmark)": Case(lambda: m.max_drawdown(inp("simple_benchmark"))),
    "max_drawdown(negative_returns)": Case(lambda: m.max_drawdown(inp("negative_returns")), "rounded", 1e-5),
    "max_drawdown([0.10,-0.10,0.10])": Case(lambda: m.max_drawdown([0.10, -0.10, 0.10])),
    "annual_return(mixed_returns, daily)": Case(
        lambda: m.annual_return(inp(MIX), periods_per_year=D),
        "differs",
        ours=lambda: G8 ** (D / 8) - 1,
        direction=+1,
        why=NAN_N + "; growth > 1 so a larger exponent is larger",
    ),
    "annual_return(weekly_returns, weekly)": Case(lambda: m.annual_return(inp("weekly_returns"), periods_per_year=W)),
    "annual_return(monthly_returns, monthly)": Case(
        lambda: m.annual_return(inp("monthly_returns"), periods_per_year=M)
    ),
    "annual_volatility(mixed_returns, daily)": Case(lambda: m.annual_volatility(inp(MIX), periods_per_year=D)),
    "annual_volatility(weekly_returns, weekly)": Case(
        lambda: m.annual_volatility(inp("weekly_returns"), periods_per_year=W)
    ),
    "annual_volatility(monthly_returns, monthly)": Case(
        lambda: m.annual_volatility(inp("monthly_returns"), periods_per_year=M)
    ),
    "calmar_ratio(mixed_returns, daily)": Case(
        lambda: m.calmar_ratio(inp(MIX), periods_per_year=D),
        "differs",
        ours=lambda: (G8 ** (D / 8) - 1) / 0.1,
        direction=+1,
        why=NAN_N + " (numerator is the annual return)",
    ),
    "calmar_ratio(weekly_returns, weekly)": Case(lambda: m.calmar_ratio(inp("weekly_returns"), periods_per_year=W)),
    "calmar_ratio(monthly_returns, monthly)": Case(lambda: m.calmar_ratio(inp("monthly_returns"), periods_per_year=M)),
    "omega_ratio(mixed_returns, rf=0, required_return=10.0)": Case(
        lambda: m.omega_ratio(inp(MIX), required_return=10.0, periods_per_year=D)
    ),
    "omega_ratio(mixed_returns, rf=flat_line_1, required=0)": Case(
        lambda: m.omega_ratio(inp(MIX), risk_free=inp("flat_line_1"), periods_per_year=D)
    ),
    "omega_ratio(positive_returns, rf=0.011)": Case(lambda: m.omega_ratio(inp("positive_returns"), risk_free=0.011)),
    "omega_ratio(positive_returns, rf=0.02)": Case(lambda: m.omega_ratio(inp("positive_returns"), risk_free=0.02)),
    "sharpe_ratio(mixed_returns, rf=0)": Case(lambda: m.sharpe_ratio(inp(MIX), periods_per_year=D)),
    "sharpe_ratio(mixed_returns, rf=simple_benchmark)": Case(
        lambda: m.sharpe_ratio(inp(MIX), risk_free=inp("simple_benchmark"), periods_per_year=D)
    ),
    "sharpe_ratio(positive_returns, 0)": Case(lambda: m.sharpe_ratio(inp("positive_returns"))),
    "sharpe_ratio(negative_returns, 0)": Case(lambda: m.sharpe_ratio(inp("negative_returns"))),
    "sharpe_ratio(flat_line_1, 0)": Case(lambda: m.sharpe_ratio(inp("flat_line_1"))),
    "sharpe_ratio(one_return)": Case(lambda: m.sharpe_ratio(inp("one_return"))),
    "downside_risk(mixed_returns, 0, daily)": Case(lambda: m.downside_risk(inp(MIX), periods_per_year=D)),
    "downside_risk(mixed_returns, 0.1, daily)": Case(
        lambda: m.downside_risk(inp(MIX), required_return=0.1, periods_per_year=D)
    ),
    "downside_risk(weekly_returns, 0, weekly)": Case(
        lambda: m.downside_risk(inp("weekly_returns"), periods_per_year=W)
    ),
    "downside_risk(weekly_returns, 0.1, weekly)": Case(
        lambda: m.downside_risk(inp("weekly_returns"), required_return=0.1, periods_per_year=W)
    ),
    "downside_risk(monthly_returns, 0, monthly)": Case(
        lambda: m.downside_risk(inp("monthly_returns"), periods_per_year=M)
    ),
    "downside_risk(monthly_returns, 0.1, monthly)": Case(
        lambda: m.downside_risk(inp("monthly_returns"), required_return=0.1, periods_per_year=M)
    ),
    "downside_risk(df_simple daily) [one,two]": Case(lambda: two(lambda r: m.downside_risk(r, periods_per_year=D))),
    "sortino_ratio(mixed_returns, 0, daily)": Case(lambda: m.sortino_ratio(inp(MIX), periods_per_year=D)),
    "sortino_ratio(mixed_returns, flat_line_1, daily)": Case(
        lambda: m.sortino_ratio(inp(MIX), required_return=inp("flat_line_1"), periods_per_year=D)
    ),
    "sortino_ratio(negative_returns, 0, daily)": Case(lambda: m.sortino_ratio(inp("negative_returns"))),
    "sortino_ratio(weekly_returns, 0, weekly)": Case(
        lambda: m.sortino_ratio(inp("weekly_returns"), periods_per_year=W)
    ),
    "sortino_ratio(monthly_returns, 0, monthly)": Case(
        lambda: m.sortino_ratio(inp("monthly_returns"), periods_per_year=M)
    ),
    "sortino_ratio(df_simple daily) [one,two]": Case(lambda: two(lambda r: m.sortino_ratio(r, periods_per_year=D))),
    "sortino_ratio(df_week weekly) [one,two]": Case(lambda: two(lambda r: m.sortino_ratio(r, periods_per_year=W))),
    "sortino_ratio(df_month monthly) [one,two]": Case(lambda: two(lambda r: m.sortino_ratio(r, periods_per_year=M))),
    "excess_sharpe(mixed_returns, 0)": Case(lambda: m.information_ratio(inp(MIX), 0.0, periods_per_year=1)),
    "excess_sharpe(mixed_returns, flat_line_1)": Case(
        lambda: m.information_ratio(inp(MIX), inp("flat_line_1"), periods_per_year=1)
    ),
    "alpha_beta(mixed_returns, negative_returns[1:]) (alpha annualised, beta)": Case(mixed_vs_negative_tail),
    "alpha_beta(mixed_returns, mixed_returns)": Case(lambda: ab(inp(MIX), inp(MIX))),
    "stability_of_timeseries(mixed_returns)": Case(lambda: m.stability_of_timeseries(inp(MIX))),
    "tail_ratio(mixed_returns)": Case(
        lambda: m.tail_ratio(inp(MIX)),
        "differs",
        ours=lambda: abs(np.percentile(R8, 95)) / abs(np.percentile(R8, 5)),
        direction=+1,
        why="empyrical's expected value treats the NaN as a 0 return (9 values: 0.947368...); dropping it "
        "moves the 5th percentile further from 0 less than the 95th, so ours is larger",
    ),
    "cagr(mixed_returns, daily)": Case(
        lambda: m.cagr(inp(MIX), periods_per_year=D),
        "differs",
        ours=lambda: G8 ** (D / 8) - 1,
        direction=+1,
        why=NAN_N,
    ),
    "cagr(flat_line_1_tz 1000 days of 0.01, daily)": Case(lambda: m.cagr(np.full(1000, 0.01), periods_per_year=D)),
    "cagr([0.03,0.03,0.03] annual, yearly)": Case(lambda: m.cagr([0.03, 0.03, 0.03], periods_per_year=Y)),
    "beta_fragility_heuristic(mixed_returns, simple_benchmark)": Case(
        lambda: m.beta_fragility_heuristic(inp(MIX), inp("simple_benchmark"))
    ),
    "beta_fragility_heuristic(negative_returns, simple_benchmark)": Case(
        lambda: m.beta_fragility_heuristic(inp("negative_returns"), inp("simple_benchmark"))
    ),
    "roll_max_drawdown(negative_returns, window=6) (4 dp)": Case(
        lambda: list(m.rolling_max_drawdown(inp("negative_returns"), 6)), "rounded", 5e-5
    ),
    "roll_sharpe_ratio(negative_returns, window=6)": Case(
        lambda: list(m.rolling_sharpe(inp("negative_returns"), 6)), "exact", 1e-8
    ),
    "roll_sharpe_ratio(mixed_returns, window=6)": Case(lambda: list(m.rolling_sharpe(inp(MIX), 6)), "exact", 1e-8),
    "capture(all_negative_returns, mixed_returns)": Case(
        lambda: m.capture_ratio(inp("all_negative_returns"), inp(MIX)),
        "differs",
        ours=lambda: (np.prod(1 + inp("all_negative_returns")[1:]) ** (D / 8) - 1) / (G8 ** (D / 8) - 1),
        direction=+1,
        why="empyrical does not align: it annualises all_negative over 9 periods and mixed over 9 "
        "including its NaN; we keep the 8 common dates (ratio is negative and closer to 0 for ours)",
    ),
    "down_capture(all_negative_returns, mixed_returns)": Case(
        lambda: m.down_capture(inp("all_negative_returns"), inp(MIX))
    ),
    "down_capture(positive_returns, mixed_returns)": Case(
        lambda: m.down_capture(inp("positive_returns"), inp(MIX)), "exact", 1e-8
    ),
    "up_capture(positive_returns, mixed_returns)": Case(
        lambda: m.up_capture(inp("positive_returns"), inp(MIX)), "exact", 1e-10
    ),
    "up_capture(all_negative_returns, mixed_returns)": Case(
        lambda: m.up_capture(inp("all_negative_returns"), inp(MIX)), "exact", 1e-10
    ),
    "up_down_capture(positive_returns, mixed_returns)": Case(
        lambda: m.up_down_capture(inp("positive_returns"), inp(MIX)), "exact", 1e-13
    ),
    "up_down_capture(all_negative_returns, mixed_returns)": Case(
        lambda: m.up_down_capture(inp("all_negative_returns"), inp(MIX)), "exact", 1e-10
    ),
    "roll_alpha_beta(mixed_returns, negative_returns, window=6)": Case(
        lambda: [[x.alpha, x.beta] for x in m.rolling_alpha_beta(inp(MIX), inp("negative_returns"), 6)],
        "exact",
        1e-8,
    ),
    "value_at_risk([1,2], cutoff=0.3)": Case(lambda: m.value_at_risk([1.0, 2.0], confidence=0.7)),
    "value_at_risk([1,81,82,83,84,85], cutoff=0.1)": Case(
        lambda: m.value_at_risk([1, 81, 82, 83, 84, 85], confidence=0.9)
    ),
    "value_at_risk([1,81,82,83,84,85], cutoff=0.3)": Case(
        lambda: m.value_at_risk([1, 81, 82, 83, 84, 85], confidence=0.7)
    ),
}

EXCLUDED: dict[str, str] = {
    "gpd_risk_estimates(mixed_returns)": "Generalised-Pareto tail fitting by empyrical's ad-hoc fmin "
    "search is not part of the project's metric set (historical VaR/CVaR are)",
}


def expected_value(key: str) -> object:
    value = fixture()["expected"][key]
    if key == "max_drawdown(negative_returns)":
        return fixture()["expected"]["cum_returns_final(negative_returns)"]
    if isinstance(value, str):
        return float(value)  # "inf" / "nan"
    return value


def assert_close(ours: object, expected: object, tol: float) -> None:
    if isinstance(expected, list):
        assert isinstance(ours, list) and len(ours) == len(expected), (ours, expected)
        for o, e in zip(ours, expected, strict=True):
            assert_close(o, e, tol)
        return
    o, e = float(ours), float(expected)  # type: ignore[arg-type]
    if math.isnan(e):
        assert math.isnan(o)
    elif math.isinf(e):
        assert o == e
    else:
        assert abs(o - e) <= tol * max(1.0, abs(e)) if abs(e) > 1 else abs(o - e) <= tol, (o, e)


def test_every_fixture_key_is_classified() -> None:
    keys = set(fixture()["expected"])
    assert keys == set(CASES) | set(EXCLUDED)
    counts = Counter(c.kind for c in CASES.values())
    # the numbers reported in docs/backtests.md
    assert counts == {"exact": 62, "rounded": 7, "differs": 5}
    assert len(EXCLUDED) == 1


@pytest.mark.parametrize("key", [k for k, c in CASES.items() if c.kind != "differs"])
def test_matches_empyrical(key: str) -> None:
    case = CASES[key]
    assert_close(case.compute(), expected_value(key), case.tol)


@pytest.mark.parametrize("key", [k for k, c in CASES.items() if c.kind == "differs"])
def test_documented_difference_from_empyrical(key: str) -> None:
    case = CASES[key]
    ours = float(case.compute())  # type: ignore[arg-type]
    assert case.ours is not None and case.why
    assert ours == pytest.approx(case.ours(), rel=1e-12)
    empyrical = float(expected_value(key))  # type: ignore[arg-type]
    assert np.sign(ours - empyrical) == case.direction, (ours, empyrical, case.why)
    assert abs(ours - empyrical) > 1e-6


def test_quirks_reproduced_when_nan_counted_as_period() -> None:
    """Sanity check of the diagnosis: counting the NaN as a 9th period reproduces empyrical."""
    expected = fixture()["expected"]
    counted_nan = G8 ** (D / 9) - 1
    assert counted_nan == pytest.approx(expected["annual_return(mixed_returns, daily)"], abs=1e-12)
    z = np.nan_to_num(inp(MIX))
    assert abs(np.percentile(z, 95)) / abs(np.percentile(z, 5)) == pytest.approx(
        expected["tail_ratio(mixed_returns)"], abs=1e-12
    )
    neg = inp("all_negative_returns")
    empyrical_capture = (np.prod(1 + neg) ** (D / 9) - 1) / (G8 ** (D / 9) - 1)
    assert empyrical_capture == pytest.approx(expected["capture(all_negative_returns, mixed_returns)"], abs=1e-12)
