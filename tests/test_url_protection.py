"""Every URL of the project, walked from the resolver: nothing is open to anonymous users except
an explicit allow-list, every manual control refuses a viewer, strategy pages need object access.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import resolve, reverse

from quant.accounts.decorators import CONTROL_VIEWS
from quant.accounts.urls import ANONYMOUS_URL_NAMES
from tests.factories import StrategyFactory, TOTPDeviceFactory, UserFactory
from tests.support.otp import login_verified
from tests.support.urlwalk import Endpoint, anonymous_problem, sample_for, walk

pytestmark = pytest.mark.django_db

# Open to anonymous users on purpose: login and the password-reset flow (plus a liveness probe
# under one of these names if one exists). Static files are served outside the URLconf.
ALLOWED_ANONYMOUS = ANONYMOUS_URL_NAMES | {"healthz", "console:healthz", "console:liveness"}


def unprotected(urlconf: str | None = None) -> list[str]:
    client = Client(raise_request_exception=False)  # a crash (500) counts as a problem too
    problems = []
    for endpoint in walk(urlconf):
        if endpoint.name in ALLOWED_ANONYMOUS:
            continue
        problem = anonymous_problem(client, endpoint)
        if problem:
            problems.append(problem)
    return problems


def test_sample_urls_resolve_to_their_own_pattern():
    endpoints = list(walk())
    assert len(endpoints) > 50  # admin + allauth + apps
    mismatched = []
    for endpoint in endpoints:
        match = resolve(endpoint.url)
        if match.func is not endpoint.callback and not endpoint.name.endswith("$"):
            mismatched.append(f"{endpoint.url} built for {endpoint.name} resolves to {match.view_name}")
    # Only catch-all patterns (the admin's final catch-all) may be shadowed by an earlier pattern.
    assert mismatched == []


def test_sample_generator_handles_converters_and_regexes():
    assert sample_for(r"^strategies/(?P<pk>[0-9]+)/\Z") == "strategies/1/"
    assert sample_for(r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$") == "password/reset/key/1-a/"
    assert sample_for(r"^(?P<app_label>auth|quant)/$") == "auth/"


def test_no_view_is_open_to_anonymous_users(capsys):
    problems = unprotected()
    with capsys.disabled():
        print(f"\n[url-walk] {len(list(walk()))} URL patterns, unprotected views: {len(problems)}")
    assert problems == []


def test_allow_listed_pages_really_are_open():
    client = Client()
    for name in ("account_login", "account_reset_password", "account_reset_password_done"):
        assert client.get(reverse(name)).status_code == 200


@override_settings(ROOT_URLCONF="tests.support.urlconf_with_hole")
def test_walk_reports_a_newly_added_unprotected_view():
    problems = unprotected("tests.support.urlconf_with_hole")
    assert problems == ["GET /leak/1/ (leak) -> 200 "]


def _control_endpoints() -> list[Endpoint]:
    return [e for e in walk() if getattr(e.callback, "control_permission", None)]


def test_every_registered_control_is_routed_and_found_by_the_walk():
    found = {f"{e.callback.__module__}.{e.callback.__qualname__}" for e in _control_endpoints()}
    assert set(CONTROL_VIEWS) <= found
    assert "quant.views.strategies.strategy_halt" in found


def test_viewer_gets_403_on_every_control(client):
    viewer = TOTPDeviceFactory(user=UserFactory(role="viewer"))
    login_verified(client, viewer)
    controls = _control_endpoints()
    assert controls
    refused = {e.url: client.post(e.url, {"step_up_reason": "x"}).status_code for e in controls}
    assert set(refused.values()) == {403}, refused


def test_strategy_detail_needs_object_permission(client):
    strategy = StrategyFactory()
    outsider = TOTPDeviceFactory(user=UserFactory(role="admin"))
    login_verified(client, outsider)
    assert client.get(reverse("quant:strategy_detail", args=[strategy.pk])).status_code in (403, 404)
    client.force_login(strategy.owner)
    assert client.get(reverse("quant:strategy_detail", args=[strategy.pk])).status_code == 200
