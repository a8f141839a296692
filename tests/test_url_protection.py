"""Every URL of the project, walked from the resolver: nothing is open to anonymous users except
an explicit allow-list, every manual control refuses a viewer, strategy pages need object access.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import resolve, reverse

from quant.accounts.decorators import CONTROL_VIEWS
from quant.accounts.urls import ANONYMOUS_URL_NAMES
from tests.factories import StrategyFactory, TOTPDeviceFactory, UserFactory, role_group
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
    client.force_login(strategy.owner)  # an owner with no role: deny by default, even for their own
    assert client.get(reverse("quant:strategy_detail", args=[strategy.pk])).status_code == 403
    strategy.owner.groups.add(role_group("viewer"))
    assert client.get(reverse("quant:strategy_detail", args=[strategy.pk])).status_code == 200


# --- the role matrix: each role x each URL -> the status of a GET with a verified session ----------
# Sample URLs use id 1 / slug "a" (tests.support.urlwalk): a page a role may open answers 200, or
# 404 for an object that does not exist, 405 for a POST-only control, 302 for a redirect; a page
# the role may not open answers 403 before any lookup (deny by default: PagePermissionMiddleware).
# A URL the walk finds that is not in this table fails the test: add its row when adding a page.
ROLES = ("none", "viewer", "researcher", "operator", "admin")
ADMIN_ROW = "admin:*"  # every Django admin page (the admin checks staff status and model permissions)
# fmt: off
ROLE_MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    # the user's own account pages: any signed-in user, no role needed
    "account_2fa_disable": (405, 405, 405, 405, 405),
    "account_backup_codes": (405, 405, 405, 405, 405),
    "account_change_password": (200, 200, 200, 200, 200),
    "account_confirm_email": (200, 200, 200, 200, 200),
    "account_confirm_login_code": (302, 302, 302, 302, 302),
    "account_confirm_reauthentication_code": (302, 302, 302, 302, 302),
    "account_email": (200, 200, 200, 200, 200),
    "account_email_verification_sent": (200, 200, 200, 200, 200),
    "account_inactive": (200, 200, 200, 200, 200),
    "account_logout": (200, 200, 200, 200, 200),
    "account_profile": (200, 200, 200, 200, 200),
    "account_reauthenticate": (200, 200, 200, 200, 200),
    "account_request_reauthentication_code": (302, 302, 302, 302, 302),
    "account_set_password": (302, 302, 302, 302, 302),
    "account_signup": (302, 302, 302, 302, 302),
    "account_totp_confirm": (405, 405, 405, 405, 405),
    "account_totp_start": (405, 405, 405, 405, 405),
    "otp_verify": (302, 302, 302, 302, 302),
    "console:home": (200, 200, 200, 200, 200),
    # the admin: non-staff users are sent to its login page (which refuses a signed-in non-staff user)
    "admin:*": (302, 302, 302, 302, 200),
    "admin:login": (403, 403, 403, 403, 302),
    # the JSON API takes keys, never sessions: a signed-in browser without a key is refused (401)
    "api:backtest": (401, 401, 401, 401, 401),
    "api:backtests": (401, 401, 401, 401, 401),
    "api:jobs": (401, 401, 401, 401, 401),
    "api:pnl": (401, 401, 401, 401, 401),
    "api:positions": (401, 401, 401, 401, 401),
    "api:strategies": (401, 401, 401, 401, 401),
    "backtests:attribution": (403, 404, 404, 404, 404),
    "backtests:cancel": (403, 405, 405, 405, 405),
    "backtests:compare": (403, 200, 200, 200, 200),
    "backtests:journal": (403, 200, 200, 200, 200),
    "backtests:journal_export": (403, 404, 404, 404, 404),  # no grant on the sample strategy: 404
    "backtests:performance": (403, 404, 404, 404, 404),
    "backtests:performance_today": (403, 404, 404, 404, 404),
    "backtests:performance_total": (403, 200, 200, 200, 200),
    "backtests:performance_total_today": (403, 200, 200, 200, 200),
    "backtests:strategy_config": (403, 404, 404, 404, 404),
    "backtests:strategy_go_live": (403, 403, 403, 403, 405),  # admin only; GET not allowed
    "backtests:trade_note": (403, 404, 404, 404, 404),
    # tax: signed-in users see only the accounts granted to them (none here): list 200, account 404
    # alerts and reports: operators and admins (alerts.view_alert; changes check their own permission)
    "alerts:acknowledge": (403, 403, 403, 405, 405),
    "alerts:alert": (403, 403, 403, 404, 404),
    "alerts:channel_edit": (403, 403, 403, 404, 404),
    "alerts:channel_new": (403, 403, 403, 200, 200),
    "alerts:history": (403, 403, 403, 200, 200),
    "alerts:report": (403, 403, 403, 404, 404),
    "alerts:report_html": (403, 403, 403, 404, 404),
    "alerts:report_pdf": (403, 403, 403, 404, 404),
    "alerts:report_run": (403, 403, 403, 405, 405),
    "alerts:reports": (403, 403, 403, 200, 200),
    "alerts:rule_edit": (403, 403, 403, 404, 404),
    "alerts:rule_new": (403, 403, 403, 200, 200),
    "alerts:rule_test": (403, 403, 403, 405, 405),
    "alerts:rule_toggle": (403, 403, 403, 405, 405),
    "alerts:rules": (403, 403, 403, 200, 200),
    "alerts:schedule_edit": (403, 403, 403, 404, 404),
    "alerts:schedule_new": (403, 403, 403, 200, 200),
    "tax:account": (404, 404, 404, 404, 404),
    "tax:accounts": (200, 200, 200, 200, 200),
    "tax:fills": (405, 405, 405, 405, 405),
    "tax:form8949_csv": (404, 404, 404, 404, 404),
    "tax:form8949_txf": (404, 404, 404, 404, 404),
    "tax:harvest": (404, 404, 404, 404, 404),
    "tax:import": (405, 405, 405, 405, 405),
    "tax:sell": (405, 405, 405, 405, 405),
    "tax:summary_pdf": (404, 404, 404, 404, 404),
    "backtests:detail": (403, 404, 404, 404, 404),
    "backtests:execution": (403, 404, 404, 404, 404),  # the sample strategy id is not visible
    "backtests:execution_order": (403, 404, 404, 404, 404),
    "backtests:list": (403, 200, 200, 200, 200),
    "backtests:montecarlo": (403, 404, 404, 404, 404),
    "backtests:new": (403, 403, 200, 200, 200),
    "backtests:relative": (403, 404, 404, 404, 404),
    "backtests:results": (403, 404, 404, 404, 404),
    "backtests:saved_perf_report": (403, 404, 404, 404, 404),
    "backtests:signal_backtest": (403, 403, 405, 405, 405),
    "backtests:signal_runs": (403, 404, 404, 404, 404),
    "backtests:trades_csv": (403, 404, 404, 404, 404),
    "backtests:walkforward_new": (403, 403, 200, 200, 200),
    "console:api_key_create": (403, 403, 403, 403, 405),  # Admin → Users and API keys: admins only
    "console:api_key_revoke": (403, 403, 403, 403, 405),
    "console:api_keys": (403, 403, 403, 403, 200),
    "console:user_access": (403, 403, 403, 403, 405),
    "console:user_action": (403, 403, 403, 403, 405),
    "console:user_create": (403, 403, 403, 403, 405),
    "console:user_detail": (403, 403, 403, 403, 404),  # no user is named "a"
    "console:users": (403, 403, 403, 403, 200),
    "console:health": (403, 403, 200, 200, 200),
    "console:jobs": (403, 403, 200, 200, 200),
    "quant:audit_export": (403, 403, 403, 403, 200),
    "quant:audit_log": (403, 403, 403, 403, 200),
    # operations (issue 14): pages for every role with strategy access; controls for operators with 2FA
    "quant:breaker": (403, 200, 200, 200, 200),
    "quant:breaker_reset": (403, 403, 403, 405, 405),
    "quant:breaker_trip": (403, 403, 403, 405, 405),
    "quant:flatten": (403, 403, 403, 405, 405),
    "quant:flatten_all": (403, 403, 403, 405, 405),
    "quant:flatten_all_preview": (403, 200, 200, 200, 200),
    "quant:flatten_preview": (403, 404, 404, 404, 404),
    "quant:order_cancel": (403, 403, 403, 405, 405),
    "quant:position_adjust": (403, 403, 403, 405, 405),
    "quant:position_close": (403, 403, 403, 405, 405),
    "quant:symbol_cancel": (403, 403, 403, 405, 405),
    "quant:trade_controls": (403, 200, 200, 200, 200),
    "quant:trading_config": (403, 200, 200, 200, 200),
    "quant:trading_config_save": (403, 403, 403, 403, 405),  # admins only
    "quant:job_cancel": (403, 403, 405, 405, 405),
    "quant:job_retry": (403, 403, 405, 405, 405),
    "quant:job_status": (403, 403, 404, 404, 404),
    "quant:saved_results": (403, 200, 200, 200, 200),
    "quant:strategy_detail": (403, 404, 404, 404, 404),
    "quant:strategy_halt": (403, 403, 403, 405, 405),
    "quant:strategy_list": (403, 200, 200, 200, 200),
    "research:correlation": (403, 200, 200, 200, 200),
    "research:event_study": (403, 200, 200, 200, 200),
    "research:explorer": (403, 200, 200, 200, 200),
    "research:pead": (403, 200, 200, 200, 200),
    "research:pead_refresh": (403, 403, 405, 405, 405),
    "research:models": (403, 200, 200, 200, 200),
    "research:microstructure": (403, 200, 200, 200, 200),
    "research:microstructure_symbol": (403, 404, 404, 404, 404),  # the sample symbol has no TAQ data
    "research:taq": (403, 200, 200, 200, 200),
    "research:promote": (403, 403, 403, 405, 405),
    "research:saved_alpha_report": (403, 404, 404, 404, 404),
    "research:saved_attribution": (403, 404, 404, 404, 404),
    "research:signal": (403, 404, 404, 404, 404),
    "research:signal_recompute": (403, 403, 405, 405, 405),
    "risk:dashboard": (403, 200, 200, 200, 200),
    "risk:exposure_drill": (403, 404, 404, 404, 404),
    "risk:exposures": (403, 200, 200, 200, 200),
    "risk:rebuild": (403, 405, 405, 405, 405),
    "risk:runs": (403, 200, 200, 200, 200),
    "risk:tile": (403, 404, 404, 404, 404),
    "warehouse:status": (403, 200, 200, 200, 200),
    "warehouse:syncs": (403, 200, 200, 200, 200),
    "warehouse:sql": (403, 200, 200, 200, 200),
    "warehouse:sync_dashboard": (403, 200, 200, 200, 200),
    "warehouse:sync_log": (403, 404, 404, 404, 404),
    "warehouse:sync_trigger": (403, 403, 403, 405, 405),
    "warehouse:schedule_edit": (403, 403, 403, 405, 405),
    "warehouse:dataset": (403, 404, 404, 404, 404),  # the sample slug "a" is no dataset
    "warehouse:quality": (403, 404, 404, 404, 404),
    "warehouse:notebooks": (403, 403, 200, 200, 200),
    "warehouse:notebook_start": (403, 403, 405, 405, 405),
    "warehouse:notebook_stop": (403, 403, 405, 405, 405),
    "warehouse:quality_ack": (403, 403, 403, 405, 405),
    "warehouse:export_create": (403, 405, 405, 405, 405),
    "warehouse:export": (403, 404, 404, 404, 404),  # another user's (or no) export: 404
    "warehouse:export_download": (403, 404, 404, 404, 404),
}
# fmt: on


def _role_client(role: str) -> Client:
    user = UserFactory(role=None if role == "none" else role, is_staff=role == "admin")
    return login_verified(Client(raise_request_exception=False), TOTPDeviceFactory(user=user))


def _matrix_row(endpoint: Endpoint) -> str:
    if endpoint.name == "admin:login" or not endpoint.url.startswith("/admin/"):
        return endpoint.name
    return ADMIN_ROW


def _observed_matrix() -> dict[str, dict[str, int]]:
    observed: dict[str, dict[str, int]] = {}
    endpoints = [e for e in walk() if e.name not in ALLOWED_ANONYMOUS]
    for role in ROLES:
        client = _role_client(role)
        for endpoint in endpoints:
            row = _matrix_row(endpoint)
            if row == ADMIN_ROW and row in observed.get(role, {}) and role in ("operator", "admin"):
                continue  # staff: the admin's own model permissions decide page by page
            status = client.get(endpoint.url).status_code
            seen = observed.setdefault(role, {})
            if row == ADMIN_ROW and row in seen and seen[row] != status:
                status = -1  # not uniform across admin pages
            seen[row] = status
    return observed


def test_role_matrix_every_url_has_its_expected_status_per_role():
    observed = _observed_matrix()
    rows = sorted({row for by_role in observed.values() for row in by_role})
    actual = {row: tuple(observed[role][row] for role in ROLES) for row in rows}
    missing = [row for row in rows if row not in ROLE_MATRIX]
    table = "\n".join(f'    "{row}": {actual[row]},' for row in rows)
    assert not missing, f"URLs without a role-matrix entry: {missing}\nobserved:\n{table}"
    wrong = {row: (ROLE_MATRIX[row], actual[row]) for row in rows if ROLE_MATRIX[row] != actual[row]}
    assert not wrong, f"expected vs observed: {wrong}\nobserved:\n{table}"
    assert sorted(ROLE_MATRIX) == rows  # no stale rows for URLs that are gone
