"""Risk pages without a model: empty states, permissions of the rebuild control, query counts."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.support.otp import login_verified

pytestmark = pytest.mark.django_db


def test_dashboard_empty_state_names_the_command(client: Client) -> None:
    client.force_login(UserFactory(role="viewer"))
    page = client.get("/risk/")
    assert page.status_code == 200
    assert b"python manage.py risk_build --as-of" in page.content
    heat = client.get("/risk/exposures/")
    assert b"python manage.py risk_build --as-of" in heat.content


def test_heatmap_fragment_is_only_the_fragment(client: Client) -> None:
    client.force_login(UserFactory(role="viewer"))
    page = client.get("/risk/exposures/", headers={"HX-Request": "true"})
    assert page.status_code == 200 and b"<html" not in page.content


def test_anonymous_users_are_redirected_to_login(client: Client) -> None:
    assert client.get("/risk/").status_code == 302


def test_viewer_cannot_post_the_rebuild_control(client: Client) -> None:
    client.force_login(UserFactory(role="viewer"))
    assert client.get("/risk/").content.count(b"Rebuild risk model") == 0
    assert client.post("/risk/rebuild/").status_code == 403


def test_operator_may_post_the_rebuild_control(client: Client) -> None:
    from tests.factories import TOTPDeviceFactory

    operator = UserFactory(role="operator")
    login_verified(client, TOTPDeviceFactory(user=operator))
    response = client.post("/risk/rebuild/", follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    # without a warehouse: the command to build it; with one: queued, or already up to date
    assert any(m in body for m in ("warehouse_sync --source demo", "queued on", "already up to date"))


def test_dashboard_query_count_is_bounded(client: Client, django_assert_max_num_queries) -> None:  # noqa: ANN001
    from risk.services.portfolios import portfolio_save

    client.force_login(UserFactory(role="viewer"))
    for i in range(5):
        portfolio_save(name=f"P{i}", weights={10001 + j: 0.1 for j in range(10)})
    client.get("/risk/")
    with django_assert_max_num_queries(12):
        assert client.get("/risk/").status_code == 200


def test_runs_show_the_job_progress_partial_which_polls_only_while_active(client: Client) -> None:
    import datetime as dt

    from quant.models import Job
    from risk.models import RiskModelRun

    client.force_login(UserFactory(role="viewer"))
    job = Job.objects.create(kind="risk_build", status="running", progress=0.4, message="regression")
    RiskModelRun.objects.create(job=job, version="abc", as_of=dt.date(2024, 12, 31), config_hash="h")
    busy = client.get("/risk/runs/", headers={"HX-Request": "true"}).content.decode()
    assert busy.strip().startswith('<div id="risk-runs"') and f'id="job-{job.pk}"' in busy
    assert f"/jobs/{job.pk}/" in busy and "every 2s" in busy and "regression" in busy and 'value="40"' in busy
    assert "every 2s" in client.get("/risk/").content.decode()  # the page shows the running build too
    Job.objects.filter(pk=job.pk).update(status="failed", error="ValueError: boom")
    done = client.get("/risk/runs/", headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in done and "ValueError: boom" in done
