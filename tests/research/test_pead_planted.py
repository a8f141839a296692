"""PEAD on the demo warehouse recovers the drift the demo source plants by SUE decile.

Tolerance, and why: the demo plants, for SUE decile d, a drift of 0.5 % x (d - 5.5) over sessions
[+2, +60] (docs/demo-data.md). Here (300 names x 6 years) each decile has ~550 announcements with a
full window; a decile's 59-session market-adjusted CAR has a measured standard error of ~0.8 %
(specific risk ~25 %/yr, plus the beta and sector noise that market adjustment leaves in). So:

* each decile within 3.5 of its own measured standard errors of the planted value (a false alarm
  about once in 2,000 deciles);
* the slope of drift on (d - 5.5), planted 0.5 % per decile, within 3.5 standard errors (~0.3 %),
  and that standard error below 0.15 % (the test has the power to see the plant);
* the 10-1 spread (planted 4.5 %) within 3.5 percentage points (3 s.e. of a difference).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from django.test import override_settings

from research.services.pead import pead_compute, pead_events, pead_versions

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PLANTED_DRIFT = 0.005  # Calibration.earnings_drift: drift of decile d = 0.005 * (d - 5.5)


@pytest.fixture(scope="module")
def demo_dir(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    from warehouse.services import warehouse_sync_demo

    root = Path(tempfile.mkdtemp(prefix="quantdesk-pead-demo-"))
    dirs = {"WAREHOUSE_DIR": root / "warehouse", "ANALYTICS_DIR": root / "analytics"}
    with django_db_blocker.unblock(), override_settings(**dirs):
        warehouse_sync_demo(stocks=300, years=6, seed=7, writer="tests")
    return dirs


@pytest.fixture
def demo(demo_dir, settings):  # noqa: ANN001, ANN201
    for name, path in demo_dir.items():
        setattr(settings, name, path)
    return demo_dir


def test_sue_deciles_from_the_warehouse_are_the_planted_ones(demo):
    from warehouse.selectors import planted_truth

    planted = planted_truth("earnings_events").select("permno", "event_date", "sue", "decile")
    mine = pead_events(pead_versions())
    joined = planted.join(mine.rename({"sue": "sue_research"}), on=["permno", "event_date"], how="inner")
    assert joined.height > 0.9 * planted.height
    assert (joined["sue"] - joined["sue_research"]).abs().max() < 1e-9


def test_the_estimated_drift_recovers_the_planted_drift(demo):
    result = pead_compute(pead_versions())
    table = result.table
    assert table["decile"].to_list() == list(range(1, 11))
    planted = pl.Series([PLANTED_DRIFT * (d - 5.5) for d in range(1, 11)])
    z = (table["drift"] - planted) / table["drift_se"]
    assert z.abs().max() < 3.5, table
    x = pl.Series([d - 5.5 for d in range(1, 11)])
    sxx = float((x**2).sum())
    slope = float((x * table["drift"]).sum()) / sxx
    slope_se = float(((x**2) * table["drift_se"] ** 2).sum()) ** 0.5 / sxx
    assert slope_se < 0.0015
    assert abs(slope - PLANTED_DRIFT) < 3.5 * slope_se, (slope, slope_se)
    assert result.summary["drift_spread"] == pytest.approx(9 * PLANTED_DRIFT, abs=0.035)
    # the announcement return over sessions -1..+1 (planted 0.6 % x (d - 5.5) on days 0 and +1)
    ann_slope = float((x * table["announcement"]).sum()) / sxx
    assert ann_slope == pytest.approx(0.006, abs=0.0015)
