"""Operations → Jobs and the one job progress partial: visibility, filters, cancel, retry, polling."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from quant.jobs import kinds
from quant.jobs.services import job_claim, job_create, job_finish, job_heartbeat
from quant.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REQUEUED: list[int] = []
kinds.register_kind(
    kinds.JobKind(
        name="test.page",
        label="Page test job",
        requeue=lambda job: REQUEUED.append(job.pk),
        result_url=lambda job: f"/results/{job.pk}/",
    )
)


def _running(user, label: str, progress: float) -> Job:  # noqa: ANN001
    job = job_create(kind="test.page", label=label, requested_by=user)
    claim = job_claim(job_id=job.pk, task_id=f"t-{label}")
    job_heartbeat(claim=claim, progress=progress, message=f"{label} working")
    job.refresh_from_db()
    return job


def _failed(user, label: str) -> Job:  # noqa: ANN001
    job = job_create(kind="test.page", label=label, requested_by=user)
    claim = job_claim(job_id=job.pk, task_id=f"t-{label}")
    job_finish(claim=claim, status=Job.Status.FAILED, message="failed", error="ValueError: no data for 1999")
    job.refresh_from_db()
    return job


def _login(client: Client, user) -> Client:  # noqa: ANN001
    client.force_login(user)
    return client


def test_a_researcher_sees_only_their_own_jobs_with_progress(client: Client) -> None:
    alice, bob = UserFactory(role="researcher"), UserFactory(role="researcher")
    _running(alice, "alice-run", 0.375)
    _running(bob, "bob-run", 0.5)
    html = _login(client, alice).get(reverse("console:jobs")).content.decode()
    assert "alice-run" in html and "bob-run" not in html
    assert 'value="38"' in html and "38 %" in html  # 0.375 of the way, as a whole percentage
    assert 'href="/results/' in html  # links to the result page of the kind
    assert "Jobs" in html and "<html" in html  # a full page when opened directly


def test_an_operator_sees_everyones_jobs_and_filters_them(client: Client) -> None:
    alice = UserFactory(role="researcher")
    _running(alice, "alice-run", 0.2)
    _failed(alice, "alice-failed")
    operator = _login(client, UserFactory(role="operator"))
    html = operator.get(reverse("console:jobs")).content.decode()
    assert "alice-run" in html and "alice-failed" in html
    fragment = operator.get(
        reverse("console:jobs"), {"status": "failed", "user": alice.username}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment and 'id="console-jobs"' in fragment
    assert "alice-failed" in fragment and "alice-run" not in fragment
    assert "no data for 1999" in fragment
    assert 'hx-trigger="every 2s"' not in fragment  # nothing active in the filtered list: no polling


def test_the_list_costs_a_fixed_number_of_queries(client: Client, django_assert_max_num_queries) -> None:  # noqa: ANN001
    _login(client, UserFactory(role="operator"))
    users = [UserFactory(role="researcher") for _ in range(3)]
    for i in range(12):
        _running(users[i % 3], f"run-{i}", i / 12)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("console:jobs")).status_code == 200


def test_the_requester_cancels_a_running_job_and_a_stranger_cannot(client: Client) -> None:
    alice, bob = UserFactory(role="researcher"), UserFactory(role="researcher")
    job = _running(alice, "alice-run", 0.1)
    _login(client, bob)
    assert client.post(reverse("quant:job_cancel", args=[job.pk])).status_code == 404  # not even visible
    _login(client, alice)
    fragment = client.post(reverse("quant:job_cancel", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    job.refresh_from_db()
    assert job.cancel_requested and "cancel requested" in fragment


def test_retry_queues_a_failed_job_again(client: Client) -> None:
    alice = UserFactory(role="researcher")
    job = _failed(alice, "alice-failed")
    REQUEUED.clear()
    _login(client, alice).post(reverse("quant:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "queued" and [job.pk] == REQUEUED


def test_the_status_fragment_polls_while_active_and_asks_for_a_reload_when_done(client: Client) -> None:
    alice = UserFactory(role="researcher")
    job = _running(alice, "alice-run", 0.6)
    _login(client, alice)
    url = reverse("quant:job_status", args=[job.pk])
    fragment = client.get(url, {"refresh": "1"}, headers={"HX-Request": "true"})
    assert 'hx-trigger="load delay:500ms, every 2s"' in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, progress=1.0)
    done = client.get(url, {"refresh": "1"}, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "every 2s" not in done.content.decode()
    page = client.get(url).content.decode()  # opened in a new tab: the job's own page with its log
    assert "<html" in page and f"Job #{job.pk}" in page and "Log" in page
