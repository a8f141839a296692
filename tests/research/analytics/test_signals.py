from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from quant import calendars
from research.analytics.signals import (
    ALIASES,
    SIGNALS,
    SignalInputs,
    canonical_name,
    standardized_unexpected_earnings,
    stored_names,
)


def _inputs(seed: int = 3, n: int = 30) -> SignalInputs:
    rng = np.random.default_rng(seed)
    days = calendars.sessions(dt.date(2020, 1, 1), dt.date(2021, 12, 31))
    permnos = np.arange(10001, 10001 + n)
    grid = pl.DataFrame({"permno": np.repeat(permnos, len(days)), "date": np.tile(days.to_numpy(), n)})
    ret = rng.normal(0.0004, 0.02, grid.height)
    daily = grid.with_columns(
        pl.Series("ret", ret), pl.Series("shrout", rng.uniform(1e3, 1e5, grid.height)).round(0)
    ).with_columns((50 * (1 + pl.col("ret")).cum_prod().over("permno")).alias("prc"))
    years = [2018, 2019, 2020, 2021]
    annual = pl.DataFrame(
        {"permno": np.repeat(permnos, 4), "gvkey": np.repeat([f"{p:06d}" for p in permnos], 4),
         "datadate": [dt.date(y, 12, 31) for y in years] * n}
    ).with_columns(
        pl.col("datadate").dt.offset_by("6mo").alias("available_date"),
        *(pl.Series(c, rng.uniform(1e7, 1e9, 4 * n)) for c in ("seq", "at")),
        pl.Series("ib", rng.normal(5e6, 3e7, 4 * n)),
        *(pl.lit(None, pl.Float64).alias(c) for c in ("ceq", "pstk", "lt", "txditc", "pstkrv", "pstkl")),
    )  # fmt: skip
    qdates = [dt.date(y, m, 28 if m == 2 else 30 if m in (6, 9) else 31) for y in (2017, 2018, 2019, 2020, 2021)
              for m in (3, 6, 9, 12)]  # fmt: skip
    quarterly = pl.DataFrame(
        {"permno": np.repeat(permnos, len(qdates)), "gvkey": np.repeat([f"{p:06d}" for p in permnos], len(qdates)),
         "datadate": qdates * n, "ibq": rng.normal(1e6, 5e5, len(qdates) * n)}
    ).with_columns((pl.col("datadate") + pl.duration(days=35)).alias("available_date"))  # fmt: skip
    return SignalInputs(daily=daily, annual=annual, quarterly=quarterly, dates=calendars.month_ends(days[0], days[-1]))


def test_sue_is_the_seasonal_change_over_its_trailing_std() -> None:
    e = [1.0, 2.0, 3.0, 4.0, 2.0, 4.0, 3.0, 8.0, 0.0, 1.0]
    q = pl.DataFrame({"permno": [1] * 10, "gvkey": ["g"] * 10,
                      "datadate": [dt.date(2010 + i // 4, 3 * (i % 4) + 1, 1) for i in range(10)],
                      "available_date": [dt.date(2010 + i // 4, 3 * (i % 4) + 2, 1) for i in range(10)],
                      "ibq": e})  # fmt: skip
    out = standardized_unexpected_earnings(q, window=8, min_periods=4)
    surprises = [e[i] - e[i - 4] for i in range(4, 10)]  # 1, 2, 0, 4, -2, -3
    expected = [surprises[k] / np.std(surprises[: k + 1], ddof=1) for k in range(3, 6)]
    assert out["sue"].to_list() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", list(SIGNALS))
def test_no_look_ahead(name: str) -> None:
    """Scrambling every row after a cutoff leaves the values formed on or before it unchanged."""
    base = _inputs()
    cutoff = dt.date(2021, 6, 30)
    rng = np.random.default_rng(99)
    late = pl.col("date") > cutoff
    daily = base.daily.with_columns(
        pl.when(late).then(pl.Series(rng.normal(0, 0.1, base.daily.height))).otherwise(pl.col("ret")).alias("ret"),
        pl.when(late).then(pl.col("prc") * 3).otherwise(pl.col("prc")).alias("prc"),
    )
    scramble = pl.col("available_date") > cutoff
    annual = base.annual.with_columns(
        pl.when(scramble).then(pl.col("ib") * -7).otherwise(pl.col("ib")).alias("ib"),
        pl.when(scramble).then(pl.col("seq") * 9).otherwise(pl.col("seq")).alias("seq"),
    )
    quarterly = base.quarterly.with_columns(
        pl.when(scramble).then(pl.col("ibq") * -5).otherwise(pl.col("ibq")).alias("ibq")
    )
    changed = SignalInputs(daily=daily, annual=annual, quarterly=quarterly, dates=base.dates)
    before = SIGNALS[name].run(base).filter(pl.col("date") <= cutoff)
    after = SIGNALS[name].run(changed).filter(pl.col("date") <= cutoff)
    assert before.height > 0
    assert_frame_equal(before, after)


def test_price_signals_reuse_the_factor_registry_definitions() -> None:
    from research.analytics import factors

    inputs = _inputs()
    mom = SIGNALS["momentum"].run(inputs)
    direct = (
        inputs.daily.with_columns(factors.momentum().alias("value"))
        .join(mom.select("date", "permno"), on=["date", "permno"])
        .select("date", "permno", "value")
        .sort("date", "permno")
    )
    assert_frame_equal(mom, direct)
    assert SIGNALS["momentum"].definition_hash() != SIGNALS["reversal"].definition_hash()


def test_one_name_per_signal_with_the_old_backtest_names_as_aliases() -> None:
    assert {alias: canonical_name(alias) for alias in ALIASES} == {
        "momentum_12_1": "momentum", "reversal_1m": "reversal", "low_vol": "lowvol"
    }  # fmt: skip
    assert set(ALIASES.values()) <= set(SIGNALS) and not set(ALIASES) & set(SIGNALS)
    assert canonical_name("value") == "value" and canonical_name("nope") == "nope"
    assert stored_names("low_vol") == stored_names("lowvol") == ["lowvol", "low_vol"]
    assert stored_names("quality") == ["quality"]


def test_the_documented_windows_and_directions() -> None:
    """docs/research.md: 252-session low volatility (>= 126 returns), 12-1 momentum (252, skip 21)."""
    assert dict(SIGNALS["lowvol"].params) == {"window": 252, "min_periods": 126}
    assert dict(SIGNALS["momentum"].params) == {"lookback": 252, "skip": 21}
    assert {n: d.direction for n, d in SIGNALS.items() if d.direction < 0} == {"size": -1}
    assert SIGNALS["noise"].expected_sign == 0 and SIGNALS["noise"].direction == 1
