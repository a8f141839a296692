"""Data → Syncs page, the "Data providers" health card, and the quickstart step that schedules syncs."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from quant.models import AccessLog, Job
from quant.quickstart import Options, collect_steps
from quant.schedules import schedules_sync
from quant.web.health import registered_checks
from tests.factories import UserFactory
from warehouse.health import providers_check
from warehouse.models_sync import ProviderUsage, SyncRun

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 24, 2, 30, tzinfo=dt.UTC)


def run(dataset: str, status: str, *, minutes: int = 0, seconds: float | None = 42.5, error: str = "",
        **fields) -> SyncRun:  # fmt: skip
    """A sync run on its job; ``refused`` / ``interrupted`` are failed jobs with that message prefix."""
    started = T0 + dt.timedelta(minutes=minutes)
    finished = None if seconds is None else started + dt.timedelta(seconds=seconds)
    job_status, message = ("failed", f"{status}: {error}") if status in SyncRun.OUTCOMES else (status, status)
    job = Job.objects.create(kind="sync", status=job_status, message=message, error=error, started_at=started,
                             finished_at=finished, heartbeat_at=started)  # fmt: skip
    Job.objects.filter(pk=job.pk).update(created_at=started)
    return SyncRun.objects.create(job=job, dataset=dataset, source="wrds", mode="full", **fields)


@pytest.fixture
def user_client(client):
    client.force_login(UserFactory(role="viewer"))
    return client


def test_syncs_page_lists_runs_with_badges_and_logs_the_access(user_client) -> None:
    run("crsp_daily", "succeeded", rows=36_141_112, version="3")
    run("crsp_monthly", "failed", minutes=1, error="SchemaDrift: crsp_monthly: upstream schema changed")
    run("crsp_names", "refused", minutes=2, error="warehouse lock held by writer 'wrds_sync:crsp_daily'")
    with CaptureQueriesContext(connection) as queries:
        response = user_client.get(reverse("warehouse:syncs"))
    html = response.content.decode()
    assert response.status_code == 200 and "<h1>Syncs</h1>" in html
    assert re.search(r'<a[^>]*href="/warehouse/syncs/"[^>]*>\s*Syncs\s*</a>', html)  # nav: Data → Syncs
    assert '<span class="badge badge-ok">Succeeded</span>' in html and "36,141,112" in html and ">v3<" in html
    assert '<span class="badge badge-bad">Failed</span>' in html and "SchemaDrift: crsp_monthly" in html
    assert '<span class="badge badge-warn">Refused</span>' in html and "42.5 s" in html
    rows = [html.index(f"<td>{d}</td>") for d in ("crsp_names", "crsp_monthly", "crsp_daily")]
    assert rows == sorted(rows)  # newest first
    assert 'hx-trigger="load' not in html  # nothing running: no polling
    assert AccessLog.objects.get().name == "warehouse.syncs"
    run_queries = [
        q["sql"] for q in queries.captured_queries if "warehouse_syncrun" in q["sql"] or "quant_job" in q["sql"]
    ]
    assert len(run_queries) == 1  # one query (runs joined to their jobs), whatever the number of rows


def test_a_running_sync_shows_the_job_progress_partial_and_htmx_gets_the_fragment(user_client) -> None:
    job = run("crsp_daily", "running", seconds=None).job
    Job.objects.filter(pk=job.pk).update(progress=0.25, message="year 2019 saved (1/4)")
    url = reverse("warehouse:syncs")
    full = user_client.get(url).content.decode()
    assert f'id="job-{job.pk}"' in full and f"/jobs/{job.pk}/?refresh=1" in full and 'hx-trigger="load' in full
    assert "year 2019 saved (1/4)" in full and 'value="25"' in full and "running…" in full and "<html" in full
    fragment = user_client.get(url, headers={"HX-Request": "true"}).content.decode().strip()
    assert fragment.startswith('<section id="warehouse-syncs"') and fragment.endswith("</section>")
    assert "<html" not in fragment
    Job.objects.filter(pk=job.pk).update(status="succeeded", finished_at=T0 + dt.timedelta(seconds=5))
    done = user_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="load' not in done and "5.0 s" in done  # a finished run no longer polls


def test_empty_page_names_the_commands_and_the_disabled_schedules(user_client, settings) -> None:
    settings.REDIS_URL, settings.WRDS_USERNAME = "", ""
    html = user_client.get(reverse("warehouse:syncs")).content.decode()
    assert "No sync has run yet" in html and "python manage.py wrds_sync --full --all" in html
    assert "python manage.py schedules" in html
    schedules_sync(names=["wrds-incremental-nightly", "french-weekly"])  # no credentials: created disabled
    html = user_client.get(reverse("warehouse:syncs")).content.decode()
    assert "wrds-incremental-nightly" in html and '<span class="badge badge-warn">disabled</span>' in html
    assert "Embedded mode (no REDIS_URL) without WRDS credentials" in html


def test_syncs_page_requires_login(client) -> None:
    response = client.get(reverse("warehouse:syncs"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_data_providers_card_summarises_usage_and_the_last_sync_of_each_dataset() -> None:
    assert providers_check().status == "unknown"
    for latency, ok in ((10.0, True), (30.0, True), (50.0, False)):
        ProviderUsage.objects.create(provider="crsp", method="total_returns", rows=100 if ok else 0,
                                     latency_ms=latency, ok=ok)  # fmt: skip
    run("crsp_daily", "failed", error="boom")
    run("crsp_daily", "succeeded", minutes=5, rows=3024, version="2")
    run("ff_factors", "interrupted", minutes=6)
    result = providers_check()
    assert result.status == "warn"
    assert result.summary == (
        "3 provider calls in 7 days, 1 failed; 2 datasets synced; last sync not succeeded: ff_factors"
    )
    assert result.details["crsp"] == "3 calls, 200 rows, 30 ms mean / 50 ms max, 1 failed"
    assert result.details["sync crsp_daily"] == "succeeded 2026-11-24 02:35 UTC (wrds full, 3,024 rows, v2)"
    assert result.details["sync ff_factors"].startswith("interrupted 2026-11-24 02:36 UTC")
    SyncRun.objects.filter(dataset="ff_factors").delete()
    ProviderUsage.objects.filter(ok=False).delete()
    assert providers_check().status == "ok"
    assert [c.name for c in registered_checks() if c.name in ("Warehouse", "Data providers")] == [
        "Warehouse", "Data providers",
    ]  # fmt: skip


def quickstart_step(name: str):
    return next(s for s in collect_steps() if s.name == name)


def test_quickstart_step_25_schedules_syncs_idempotently_and_disabled_without_credentials(settings) -> None:
    step = quickstart_step("Sync the beat schedules of every app")
    assert step.order == 25
    settings.REDIS_URL, settings.WRDS_USERNAME = "", ""
    out = io.StringIO()
    opts = Options(stdout=out, demo_stocks=50, demo_years=2, seed=7)
    step.run(opts)
    step.run(opts)
    syncs = PeriodicTask.objects.filter(name__in=["wrds-incremental-nightly", "french-weekly"])
    assert syncs.count() == 2 and not syncs.filter(enabled=True).exists()
    assert "wrds-incremental-nightly: created, disabled" in out.getvalue()
    assert "wrds-incremental-nightly: kept, disabled" in out.getvalue()
    PeriodicTask.objects.filter(name="french-weekly").update(enabled=True)  # an operator's choice survives
    settings.WRDS_USERNAME = "alice"
    step.run(opts)
    assert dict(syncs.values_list("name", "enabled")) == {"wrds-incremental-nightly": False, "french-weekly": True}
    nightly = PeriodicTask.objects.get(name="wrds-incremental-nightly")
    assert nightly.task == "warehouse.tasks.wrds_sync" and json.loads(nightly.kwargs) == {"mode": "incremental"}
    PeriodicTask.objects.all().delete()
    step.run(opts)  # fresh, with credentials: enabled
    assert syncs.filter(enabled=True).count() == 2
