"""The home page's Open alerts tile: counts by severity and the newest alerts, for users who may see alerts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from alerts.conditions import Finding
from alerts.models import AlertRule
from alerts.services import alert_raise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_operators_see_open_alerts_by_severity_and_viewers_do_not(client) -> None:
    critical = AlertRule.objects.create(name="book drawdown", kind="drawdown", threshold=10, severity="critical")
    warning = AlertRule.objects.create(name="stale data", kind="data_stale", threshold=24, severity="warning")
    alert_raise(rule=critical, finding=Finding("Demo momentum", -0.21, "drawdown −21.0 %"))
    alert_raise(rule=warning, finding=Finding("crsp_daily", 30.0, "30 h old"))
    alert_raise(rule=warning, finding=Finding("ff_factors", 50.0, "50 h old"))
    cache.clear()
    client.force_login(UserFactory(role="operator"))
    html = client.get(reverse("console:home")).content.decode()
    assert 'id="home-open_alerts"' in html and "<strong>3</strong> open" in html
    assert "1 critical</span>" in html and "2 warning</span>" in html
    assert html.index("ff_factors") < html.index("crsp_daily")  # newest first
    client.force_login(UserFactory(role="viewer"))
    assert 'id="home-open_alerts"' not in client.get(reverse("console:home")).content.decode()
