"""Backtest pages: full pages, HTMX fragments, permissions, the one job progress partial (polling
only while active)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backtests.models import BacktestRun
from quant.models import Job
from tests.backtests.factories import finished_run, queued_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def client_for(role: str) -> tuple[Client, object]:
    user = UserFactory(role=role)
    client = Client()
    client.force_login(user)
    return client, user


def test_list_full_page_and_fragment() -> None:
    client, user = client_for("viewer")
    run = queued_run(user)
    page = client.get(reverse("backtests:list")).content.decode()
    assert "<html" in page and 'id="backtests-table"' in page and run.label in page
    fragment = client.get(reverse("backtests:list"), headers=HX).content.decode()
    assert fragment.lstrip().startswith('<section id="backtests-table"')
    assert "<html" not in fragment and run.label in fragment


def test_list_query_count_does_not_grow_with_runs() -> None:
    client, user = client_for("viewer")
    other = UserFactory()
    for i in range(3):
        queued_run(user if i % 2 else other, signal=["momentum_12_1", "low_vol", "reversal_1m"][i])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("backtests:list"), headers=HX)
    for signal in ("size", "market"):
        queued_run(other, signal=signal)
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("backtests:list"), headers=HX)
    assert response.content.decode().count("data-run=") == 5
    # Constant in the number of runs (owner and job via select_related); the rest is session, user,
    # permissions, 2FA device and access-log middleware. The first fragment of a session also writes
    # the session once (the "logged this fragment" mark), hence <= rather than ==.
    assert len(more) <= len(few) <= 12


def test_list_filters_by_status_and_paginates_with_push_url() -> None:
    client, user = client_for("viewer")
    run = queued_run(user)
    Job.objects.filter(pk=run.job_id).update(status="failed")
    queued_run(user, signal="low_vol")
    html = client.get(reverse("backtests:list"), {"status": "failed"}, headers=HX).content.decode()
    assert html.count("data-run=") == 1 and f'data-run="{run.pk}"' in html
    page = client.get(reverse("backtests:list")).content.decode()
    assert 'hx-push-url="true"' in page


def test_viewer_cannot_open_the_form_and_researcher_can() -> None:
    viewer, _ = client_for("viewer")
    assert viewer.get(reverse("backtests:new")).status_code == 403
    researcher, _ = client_for("researcher")
    assert researcher.get(reverse("backtests:new")).status_code == 200


def test_an_active_run_shows_the_job_partial_polling_and_a_finished_one_its_results() -> None:
    client, user = client_for("researcher")
    run = queued_run(user)
    page = client.get(reverse("backtests:detail", args=[run.pk])).content.decode()
    status_url = reverse("quant:job_status", args=[run.job_id])
    assert f'id="job-{run.job_id}"' in page and f'hx-get="{status_url}?refresh=1"' in page
    assert 'hx-trigger="load delay:500ms, every 2s"' in page and "Cancel</button>" in page
    assert page.count("hx-trigger=") == 1  # the one partial polls; the page has no polling of its own
    poll = client.get(status_url + "?refresh=1", headers=HX)
    assert poll.status_code == 200 and "HX-Refresh" not in poll  # still queued: keep polling
    Job.objects.filter(pk=run.job_id).update(status="cancelled")
    assert client.get(status_url + "?refresh=1", headers=HX)["HX-Refresh"] == "true"  # finished: reload
    done = finished_run(user, signal="low_vol")
    page = client.get(reverse("backtests:detail", args=[done.pk])).content.decode()
    assert 'data-status="succeeded"' in page and "hx-trigger" not in page.split(f'id="job-{done.job_id}"')[1][:300]
    assert "Cancel</button>" not in page and 'data-bt-chart="equity"' in page
    fragment = client.get(reverse("backtests:detail", args=[done.pk]), headers=HX).content.decode()
    assert fragment.lstrip().startswith('<section id="backtests-status"') and "<html" not in fragment


def test_results_page_shows_numbers_from_the_row_and_charts() -> None:
    client, user = client_for("viewer")
    run = finished_run(user)
    html = client.get(reverse("backtests:detail", args=[run.pk])).content.decode()
    assert f"{run.sharpe:.2f}" in html and f"{run.total_return * 100:.1f}%" in html
    for chart in ("equity", "drawdown", "rolling_sharpe", "exposure"):
        assert f'data-bt-chart="{chart}"' in html
    assert 'id="backtests-chart-data"' in html and "bt-heatmap" in html
    fragment = client.get(reverse("backtests:results", args=[run.pk]), headers=HX).content.decode()
    assert fragment.lstrip().startswith('<section id="backtests-results"')


def test_trades_csv_has_every_trade() -> None:
    client, user = client_for("viewer")
    run = finished_run(user)
    response = client.get(reverse("backtests:trades_csv", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["date", "permno", "trade", "cost", "reason"]
    assert len(rows) - 1 == run.summary["n_trades"] > 0


def test_trades_csv_neutralises_formula_text_and_keeps_negative_trades_numbers(monkeypatch) -> None:
    import polars as pl

    from backtests.selectors import run_trades
    from backtests.views import results

    client, user = client_for("viewer")
    run = finished_run(user)
    real = run_trades(run)
    evil = real.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("=cmd|' /C calc'!A0"))
                             .otherwise(pl.col("reason")).alias("reason"))  # fmt: skip
    monkeypatch.setattr(results, "run_trades", lambda _run: evil)
    response = client.get(reverse("backtests:trades_csv", args=[run.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][4] == "'=cmd|' /C calc'!A0"
    sells = [row for row in rows[1:] if float(row[2]) < 0]
    assert sells and all(row[2].startswith("-") and not row[2].startswith("'") for row in sells)
    assert [float(row[2]) for row in rows[1:]] == pytest.approx(real["trade"].to_list())


def test_monte_carlo_fragment_brackets_the_backtest_sharpe() -> None:
    client, user = client_for("viewer")
    run = finished_run(user)
    html = client.get(reverse("backtests:montecarlo", args=[run.pk]), headers=HX).content.decode()
    assert html.lstrip().startswith('<section id="backtests-montecarlo"')
    assert "500 stationary bootstrap paths" in html and 'id="backtests-fan-data"' in html


def test_compare_shows_both_runs_side_by_side() -> None:
    client, user = client_for("viewer")
    a, b = finished_run(user), finished_run(user, signal="low_vol")
    html = client.get(reverse("backtests:compare"), {"ids": [a.pk, b.pk]}, headers=HX).content.decode()
    assert html.lstrip().startswith('<section id="backtests-comparison"')
    assert f"{a.sharpe:.2f}" in html and f"{b.sharpe:.2f}" in html
    assert 'id="backtests-compare-data"' in html


def test_cancel_permissions_owner_and_operator() -> None:
    owner_client, owner = client_for("researcher")
    other_client, _ = client_for("researcher")
    operator_client, _ = client_for("operator")
    run = queued_run(owner)
    assert other_client.post(reverse("backtests:cancel", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.job.status == "queued"
    response = owner_client.post(reverse("backtests:cancel", args=[run.pk]), headers=HX)
    assert response.status_code == 200 and 'data-status="cancelled"' in response.content.decode()
    second = queued_run(owner, signal="low_vol")
    operator_client.post(reverse("backtests:cancel", args=[second.pk]))  # someone else's: asks for a code
    second.refresh_from_db()
    assert second.job.status == "queued"
    third = queued_run(owner, signal="reversal_1m")  # the partial's own cancel: the generic endpoint
    assert other_client.post(reverse("quant:job_cancel", args=[third.job_id])).status_code == 403
    assert owner_client.post(reverse("quant:job_cancel", args=[third.job_id])).status_code == 302
    third.refresh_from_db()
    assert third.job.status == "cancelled"


def test_cancel_needs_post() -> None:
    client, user = client_for("researcher")
    run = queued_run(user)
    assert client.get(reverse("backtests:cancel", args=[run.pk])).status_code == 405


def test_walk_forward_form_and_parent_page(django_capture_on_commit_callbacks) -> None:
    from backtests.services import backtest_run_execute
    from backtests.services.walkforward import walkforward_finalize

    client, _ = client_for("researcher")
    data = {
        "label": "wf", "source": "synthetic", "universe": "all", "universe_top_n": 500, "start": "2006-03-01",
        "end": "2009-11-30", "rebalance": "monthly", "construction": "long_short_decile", "top_n": 50,
        "commission_bps": 1, "half_spread_bps": 5, "impact_k": 0, "priority": "normal",
        "candidate_signals": ["momentum"], "train_months": 12, "test_months": 6,
    }  # fmt: skip
    bad = client.post(reverse("backtests:walkforward_new"), data, headers=HX)
    assert bad.status_code == 200 and "Pick at least two signals" in bad.content.decode()
    data["candidate_signals"] = ["momentum", "lowvol"]
    with django_capture_on_commit_callbacks():
        response = client.post(reverse("backtests:walkforward_new"), data)
    parent = BacktestRun.objects.get(kind="walk_forward")
    assert response["Location"] == reverse("backtests:detail", args=[parent.pk])
    for child in parent.children.all():
        backtest_run_execute(run_id=child.pk, task_id=f"t{child.pk}")
    walkforward_finalize(parent_id=parent.pk)
    html = client.get(reverse("backtests:detail", args=[parent.pk])).content.decode()
    parent.refresh_from_db()
    assert parent.job.status == "succeeded"
    for child in parent.children.all():  # each candidate's status through the same partial
        assert (
            f'<div id="job-{child.job_id}" class="job-progress" data-job="{child.job_id}" data-status="succeeded"'
            in html
        )
    assert 'data-bt-chart="oos"' in html and "PBO (CSCV)" in html
    assert f"{parent.summary['walk_forward']['oos_sharpe']:.2f}" in html
    assert html.count('class="data bt-children"') == 1
    assert client.get(reverse("backtests:trades_csv", args=[parent.pk])).status_code == 404
    compared = client.get(reverse("backtests:compare"), {"ids": [parent.pk]}, headers=HX)
    assert compared.status_code == 200 and f"{parent.sharpe:.2f}" in compared.content.decode()
    # the OOS chart sits in a sized box (it never takes the size of a hidden or empty container)
    assert '<div class="bt-chart-box"><canvas data-bt-chart="oos"></canvas></div>' in html
    # its candidate runs can be picked on Compare, from a link on the walk-forward page
    link = re.search(r'href="([^"]+)">Compare the candidate runs', html).group(1).replace("&amp;", "&")
    page = client.get(link).content.decode()
    children = list(parent.children.order_by("id"))
    for child in children:
        assert f'name="ids" value="{child.pk}" checked' in page and f"{child.sharpe:.2f}" in page
    assert f'name="wf" value="{parent.pk}"' in page
