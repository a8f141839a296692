"""prune_backtests: age and per-owner limits, and what is never deleted."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from backtests.models import BacktestRun
from backtests.services.goldens import CASES
from quant.jobs.services import job_create
from quant.models import Job
from tests.backtests.factories import finished_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def age(run: BacktestRun, days: int) -> None:
    Job.objects.filter(pk=run.job_id).update(created_at=timezone.now() - dt.timedelta(days=days))


def test_old_runs_go_protected_ones_stay() -> None:
    owner = UserFactory()
    old, pinned, referenced, recent = (finished_run(owner, commission_bps=float(i)) for i in range(4))
    golden_config = CASES["momentum_monthly_long_short"]
    golden = BacktestRun.objects.create(
        config=golden_config.as_json_dict(), config_hash=golden_config.hash(), data_hash="d", code_version="x",
        owner=owner, job=job_create(kind="backtest", requested_by=owner),
    )  # fmt: skip
    Job.objects.filter(pk=golden.job_id).update(status="failed")
    for run in (old, pinned, referenced, golden):
        age(run, 40)
    BacktestRun.objects.filter(pk=pinned.pk).update(pinned=True)
    BacktestRun.objects.filter(pk=referenced.pk).update(referenced_by="report:Q3 deck")
    out = StringIO()
    call_command("prune_backtests", "--keep-days", "30", stdout=out)
    assert set(BacktestRun.objects.values_list("pk", flat=True)) == {pinned.pk, referenced.pk, recent.pk, golden.pk}
    assert not Job.objects.filter(pk=old.job_id).exists()  # the pruned run's job goes with it
    assert not Path(old.result_path).exists() and Path(pinned.result_path).exists()
    text = out.getvalue()
    assert "Deleted 1 runs; kept 3 protected." in text and "(golden test)" in text and "(pinned)" in text


def test_keep_per_owner_keeps_the_newest_and_dry_run_deletes_nothing() -> None:
    alice, bob = UserFactory(), UserFactory()
    a_runs = [finished_run(alice, commission_bps=float(i)) for i in range(3)]
    b_run = finished_run(bob, half_spread_bps=1.0)
    for days, run in zip((3, 2, 1), a_runs, strict=True):
        age(run, days)
    out = StringIO()
    call_command("prune_backtests", "--keep-per-owner", "1", "--dry-run", stdout=out)
    assert BacktestRun.objects.count() == 4 and "2 would be deleted" in out.getvalue()
    call_command("prune_backtests", "--keep-per-owner", "1", stdout=StringIO())
    assert set(BacktestRun.objects.values_list("pk", flat=True)) == {a_runs[2].pk, b_run.pk}


def test_active_runs_are_never_pruned_and_a_policy_is_required() -> None:
    owner = UserFactory()
    run = finished_run(owner)
    Job.objects.filter(pk=run.job_id).update(status="running")
    age(run, 400)
    call_command("prune_backtests", "--keep-days", "1", stdout=StringIO())
    assert BacktestRun.objects.filter(pk=run.pk).exists()
    with pytest.raises(CommandError, match="keep_days"):
        call_command("prune_backtests")
