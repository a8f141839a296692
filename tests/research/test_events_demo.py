"""PEAD on the demo warehouse recovers the drift the demo source plants by SUE decile.

Tolerance, and why: the demo plants, for SUE decile d, a drift of 0.25 % x (d - 5.5) over sessions
[+2, +60] (docs/demo-data.md). Here (300 names x 6 years) each decile has ~550 announcements with a
full window; a decile's 59-session market-adjusted CAR has a measured standard error of ~0.8 %
(specific risk ~25 %/yr, plus the beta and sector noise that market adjustment leaves in). So:

* each decile, less the mean over deciles, within 3.5 of its own measured standard errors of the
  planted value (a false alarm about once in 2,000 deciles). Demeaned, because market-adjusted
  returns keep a component common to all deciles (equal-weighted names against the cap-weighted
  market: +1.0 % over the 59 sessions on the 500 x 10 demo) that the plant (mean zero) is not;
* the slope of drift on (d - 5.5), planted 0.25 % per decile, within 3.5 standard errors (~0.3 %),
  and that standard error below 0.1 % (the plant is then at least 2.5 standard errors from zero);
* the 10-1 spread (planted 2.25 %) within 3.5 percentage points (3 s.e. of a difference).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from django.test import override_settings

from research.services.pead import pead_compute, pead_events, pead_versions

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PLANTED_DRIFT = 0.0025  # Calibration.earnings_drift: drift of decile d = 0.0025 * (d - 5.5)
PLANTED_ANNOUNCEMENT = 0.003  # Calibration.earnings_announcement


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
    z = (table["drift"] - table["drift"].mean() - planted) / table["drift_se"]
    assert z.abs().max() < 3.5, table
    x = pl.Series([d - 5.5 for d in range(1, 11)])
    sxx = float((x**2).sum())
    slope = float((x * table["drift"]).sum()) / sxx
    slope_se = float(((x**2) * table["drift_se"] ** 2).sum()) ** 0.5 / sxx
    assert slope_se < 0.001
    assert abs(slope - PLANTED_DRIFT) < 3.5 * slope_se, (slope, slope_se)
    assert result.summary["drift_spread"] == pytest.approx(9 * PLANTED_DRIFT, abs=0.035)
    # the announcement return over sessions -1..+1 (planted 0.3 % x (d - 5.5) on days 0 and +1); its
    # 3-session window has ~1/20 of the drift window's variance, so the slope's s.e. is ~0.02 %
    ann_slope = float((x * table["announcement"]).sum()) / sxx
    assert ann_slope == pytest.approx(PLANTED_ANNOUNCEMENT, abs=0.0008)


# ----------------------------------------------------------------------------- pages and commands
HX = {"HX-Request": "true"}


def _client():  # noqa: ANN202
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(role="researcher"))
    return client


def test_pead_page_empty_state_then_the_computed_result(demo):
    from io import StringIO

    from django.core.management import call_command
    from django.urls import reverse

    client = _client()
    body = client.get(reverse("research:pead")).content.decode()
    assert "PEAD not computed for this warehouse version" in body and "pead_build" in body
    out = StringIO()
    call_command("pead_build", stdout=out)
    assert "succeeded" in out.getvalue()
    body = client.get(reverse("research:pead")).content.decode()
    assert "<!doctype html>" in body.lower() and 'data-ev-chart="pead"' in body
    fragment = client.get(reverse("research:pead"), headers=HX).content.decode()
    assert fragment.lstrip().startswith('<section id="research-pead"')
    assert "Drift by decile" in fragment
    again = StringIO()
    call_command("pead_build", stdout=again)  # the same warehouse version: the existing result
    assert "job #" not in again.getvalue() and "decile" in again.getvalue()


def test_event_study_page_runs_a_sue_decile(demo):
    from django.urls import reverse

    client = _client()
    url = reverse("research:event_study") + "?source=sue&decile=10&model=market&estimation=-250,-30&window=-1,1"
    fragment = client.get(url, headers=HX).content.decode()
    assert fragment.lstrip().startswith('<section id="research-event-study"')
    for name in ("cross-sectional t", "Patell Z", "BMP t", "sign Z"):
        assert name in fragment
    assert "SUE decile 10 announcements" in fragment
    bad = client.get(url.replace("-250,-30", "-250,5"), headers=HX).content.decode()
    assert "the estimation window must end before the event window starts" in bad
    query = "?source=list&events=x&model=market&estimation=-250,-30&window=-1,1"
    typed = client.get(reverse("research:event_study") + query, headers=HX).content.decode()
    assert "line 1: expected permno,YYYY-MM-DD" in typed


def test_event_study_command_over_the_warehouse_and_over_files(demo, tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from warehouse.selectors import planted_truth

    planted = planted_truth("earnings_events").filter(pl.col("decile") == 10).tail(300)
    events = tmp_path / "events.csv"
    planted.select("permno", pl.col("event_date").alias("date")).write_csv(events)
    out = StringIO()
    call_command("event_study", str(events), "--model", "market", "--estimation", "-250,-30", "--window", "0,1",
                 "--format", "json", stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    assert set(report) >= {"model", "estimation", "window", "n_events", "dropped", "car", "bhar", "tests",
                           "calendar_time", "path"}  # fmt: skip
    assert report["n_events"] + report["dropped"] == 300
    # decile 10's planted announcement return is 0.3 % x 4.5 = 1.35 % over days 0 and +1; ~300 events
    # with ~2 %/day specific noise give a CAR s.e. near 0.2 %, so +-0.8 % is ~4 s.e.
    assert report["car"]["mean"] == pytest.approx(0.0135, abs=0.008)
    assert [t["name"] for t in report["tests"]] == ["cross-sectional t", "Patell Z", "BMP t", "sign Z"]
    with pytest.raises(CommandError, match="give both --returns and --market") as info:
        call_command("event_study", str(events), "--returns", str(events))
    assert info.value.returncode == 2


def test_index_additions_and_deletions_recover_the_planted_announcement_effect(demo):
    # the demo plants +2 % (additions) / -2 % (deletions) over the announcement day and the next. The
    # mean CAR[0, 1] must be within 3.5 of its measured cross-sectional standard errors of the plant
    # (~50 additions and ~28 deletions here: s.e. ~0.3-0.5 %; deletions are recent losers, some near a
    # performance delisting, which widens their spread), and the BMP test must see it.
    from research.analytics.events import Windows
    from research.services.event_pages import index_change_events
    from research.services.events import event_study_run
    from warehouse.selectors import planted_truth

    membership = planted_truth("index_membership")
    assert membership.filter(pl.col("end").is_null()).height == pytest.approx(0.2 * 270, rel=0.25)
    for action, sign in (("add", 1), ("delete", -1)):
        report = event_study_run(events=index_change_events(action), model="market", windows=Windows(-250, -30, 0, 1))
        assert report.n_events >= 15
        car = report.as_dict()["car"]
        se = car["std"] / report.n_events**0.5
        assert se < 0.007
        assert abs(car["mean"] - sign * 0.02) < 3.5 * se, (action, car, se)
        bmp = next(t for t in report.tests if t.name == "BMP t")
        assert sign * bmp.statistic > 2.5
