"""Finding 6 of issue 12: any operator, even without 2FA, cancelled another user's backtest and
nothing recorded who or why. Cancelling someone else's job is now a control: the operator role, a
current authenticator code and a reason, recorded in the access log; one's own job needs none."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from quant.models import AccessLog, Job
from tests.backtests.factories import queued_run
from tests.factories import TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified, totp_code

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _operator(enrolled: bool = True) -> tuple[Client, object]:
    client = Client()
    user = UserFactory(role="operator")
    if enrolled:
        device = TOTPDeviceFactory(user=user)
        login_verified(client, device)
        return client, device
    client.force_login(user)
    return client, None


@pytest.mark.parametrize("endpoint", ["quant:job_cancel", "backtests:cancel"])
def test_cancelling_someone_elses_job_needs_a_code_and_a_reason_and_records_who(endpoint: str) -> None:
    owner = UserFactory(role="researcher")
    run = queued_run(owner)
    url = reverse(endpoint, args=[run.job_id if endpoint == "quant:job_cancel" else run.pk])
    client, device = _operator()

    ask = client.post(url, headers=HX)
    assert ask.status_code == 200 and 'id="step-up-confirm"' in ask.content.decode()
    assert Job.objects.get(pk=run.job_id).status == "queued"
    no_reason = client.post(url, {"step_up_token": totp_code(device)}, headers=HX)
    assert "Write why you are doing this." in no_reason.content.decode()
    assert Job.objects.get(pk=run.job_id).status == "queued"

    done = client.post(url, {"step_up_token": totp_code(device, steps_ahead=1), "step_up_reason": "wrong universe"},
                       headers=HX)  # fmt: skip
    assert done.status_code == 200 and 'data-status="cancelled"' in done.content.decode()
    job = Job.objects.get(pk=run.job_id)
    assert job.status == "cancelled" and job.message == f"cancelled by {device.user.username} before it started"
    log = AccessLog.objects.get(action="control")
    assert (log.name, log.user_id, log.reason) == ("job.cancel_other", device.user.pk, "wrong universe")
    assert log.timestamp is not None


def test_an_operator_without_2fa_cannot_cancel_someone_elses_job() -> None:
    run = queued_run(UserFactory(role="researcher"))
    client, _ = _operator(enrolled=False)
    client.post(reverse("quant:job_cancel", args=[run.job_id]), {"step_up_token": "123456", "step_up_reason": "x"})
    assert Job.objects.get(pk=run.job_id).status == "queued"
    assert not AccessLog.objects.filter(action="control").exists()


def test_ones_own_job_is_cancelled_at_once_and_recorded() -> None:
    owner = UserFactory(role="researcher")
    run = queued_run(owner)
    client = Client()
    client.force_login(owner)
    assert client.post(reverse("quant:job_cancel", args=[run.job_id])).status_code == 302
    assert Job.objects.get(pk=run.job_id).status == "cancelled"
    log = AccessLog.objects.get(action="control")
    assert (log.name, log.user_id) == ("job.cancel", owner.pk)


def test_a_researcher_still_gets_403_for_someone_elses_job() -> None:
    run = queued_run(UserFactory(role="researcher"))
    client = Client()
    client.force_login(UserFactory(role="researcher"))
    assert client.post(reverse("quant:job_cancel", args=[run.job_id])).status_code == 403
    assert client.post(reverse("backtests:cancel", args=[run.pk])).status_code == 403
