from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from quant.accounts.decorators import CONTROL_VIEWS
from quant.models import AccessLog, Strategy
from tests.factories import StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified, totp_code

pytestmark = pytest.mark.django_db


def _operator_with_strategy(client):
    device = TOTPDeviceFactory(user=UserFactory(role="operator"))
    strategy = StrategyFactory(owner=device.user, status=Strategy.Status.ACTIVE)
    login_verified(client, device)
    return device, strategy


def test_halt_view_is_registered_as_a_control():
    import quant.views.strategies  # noqa: F401  (registration happens at import, i.e. when URLs load)

    assert CONTROL_VIEWS["quant.views.strategies.strategy_halt"] == "quant.use_controls"


def test_post_without_code_returns_confirmation_fragment_for_htmx(client):
    _, strategy = _operator_with_strategy(client)
    response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="step-up-confirm"' in body
    assert "<html" not in body and "strategy.halt" in body
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.ACTIVE
    assert not AccessLog.objects.filter(action="control").exists()


def test_post_without_code_returns_full_page_without_htmx(client):
    _, strategy = _operator_with_strategy(client)
    response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]), {"note": "keep me"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and 'id="step-up-confirm"' in body
    assert '<input type="hidden" name="note" value="keep me">' in body  # original fields re-posted


def test_reason_is_required(client):
    device, strategy = _operator_with_strategy(client)
    response = client.post(
        reverse("quant:strategy_halt", args=[strategy.pk]),
        {"step_up_token": totp_code(device), "step_up_reason": "   "},
        headers={"HX-Request": "true"},
    )
    assert "Write why you are doing this." in response.content.decode()
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.ACTIVE


def test_wrong_code_is_refused_and_logged(client, caplog):
    device, strategy = _operator_with_strategy(client)
    wrong = f"{(int(totp_code(device)) + 3) % 1_000_000:06d}"
    with caplog.at_level(logging.WARNING, logger="quantdesk.security"):
        response = client.post(
            reverse("quant:strategy_halt", args=[strategy.pk]),
            {"step_up_token": wrong, "step_up_reason": "risk limit"},
            headers={"HX-Request": "true"},
        )
    assert "That code is not valid" in response.content.decode()
    assert any("OTP step-up failed" in r.getMessage() for r in caplog.records)
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.ACTIVE
    assert not AccessLog.objects.filter(action="control").exists()


def test_code_and_reason_run_the_action_and_record_it(client):
    device, strategy = _operator_with_strategy(client)
    response = client.post(
        reverse("quant:strategy_halt", args=[strategy.pk]),
        {"step_up_token": totp_code(device), "step_up_reason": "drawdown over limit"},
        HTTP_USER_AGENT="pytest-agent",
    )
    assert response.status_code == 302 and response["Location"] == strategy.get_absolute_url()
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.HALTED
    log = AccessLog.objects.get(action="control")
    assert (log.name, log.object_type, log.object_id, log.reason) == (
        "strategy.halt",
        "quant.strategy",
        str(strategy.pk),
        "drawdown over limit",
    )
    assert (log.user_id, log.ip, log.user_agent, log.method) == (
        device.user.pk,
        "127.0.0.1",
        "pytest-agent",
        "POST",
    )
    # the same code cannot be replayed for a second action
    other = StrategyFactory(owner=device.user)
    replay = client.post(
        reverse("quant:strategy_halt", args=[other.pk]),
        {"step_up_token": totp_code(device), "step_up_reason": "again"},
    )
    assert "not valid" in replay.content.decode()


def test_viewer_gets_403_and_log_entry(client, caplog):
    device = TOTPDeviceFactory(user=UserFactory(role="viewer"))
    strategy = StrategyFactory(owner=device.user)
    login_verified(client, device)
    with caplog.at_level(logging.WARNING, logger="quantdesk.security"):
        response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]))
    assert response.status_code == 403
    assert "Your role does not include this control" in response.content.decode()
    assert any("control refused (permission)" in r.getMessage() for r in caplog.records)


def test_operator_without_enrolment_is_told_to_enrol(client):
    user = UserFactory(role="operator")
    strategy = StrategyFactory(owner=user)
    client.force_login(user)
    response = client.post(reverse("quant:strategy_halt", args=[strategy.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Enrol two-factor authentication first" in body and reverse("account_profile") in body
    assert "<html" not in body  # fragment for HTMX
    toast = json.loads(response["HX-Trigger"])["toast"]
    assert toast["level"] == "error" and toast["message"].startswith("Enrol two-factor authentication")


def test_operator_without_object_permission_gets_404_after_step_up(client):
    device = TOTPDeviceFactory(user=UserFactory(role="operator"))
    login_verified(client, device)
    foreign = StrategyFactory()
    response = client.post(
        reverse("quant:strategy_halt", args=[foreign.pk]),
        {"step_up_token": totp_code(device), "step_up_reason": "not mine"},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Strategy.Status.ACTIVE
    assert not AccessLog.objects.filter(action="control").exists()
