from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from console import latency
from quant.web.health import CheckResult, register_check, registered_checks, unregister_check

pytestmark = pytest.mark.django_db(transaction=True)  # checks run in threads: they need committed data


@override_settings(REDIS_URL="", CELERY_BROKER_URL=None)
def test_embedded_install_is_healthy_but_warns_about_the_empty_warehouse() -> None:
    latency.reset()  # slow requests from other tests in this process must not turn it to warn
    out = StringIO()
    call_command("check_health", "--details", stdout=out)
    text = out.getvalue()
    assert "Database" in text and "Pending migrations: 0" in text
    assert "not configured (embedded mode)" in text
    # Nothing is built in the test data directory: the warehouse card warns and names the command.
    assert "warehouse_sync --source demo" in text
    assert text.strip().endswith(f"Health: warn ({len(registered_checks())} checks)")  # apps add cards


@override_settings(REDIS_URL="", CELERY_BROKER_URL=None)
def test_bad_check_fails_and_strict_also_fails_on_warn() -> None:
    register_check("Test warn", lambda: CheckResult("warn", "stale"), order=1)
    try:
        call_command("check_health", stdout=StringIO())  # warn alone passes
        with pytest.raises(CommandError, match="failing: Test warn"):
            call_command("check_health", "--strict", stdout=StringIO())
        register_check("Test bad", lambda: CheckResult("bad", "down"), order=2)
        with pytest.raises(CommandError, match="Health: bad; failing: Test bad"):
            call_command("check_health", stdout=StringIO())
    finally:
        unregister_check("Test warn")
        unregister_check("Test bad")
