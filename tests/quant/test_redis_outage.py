"""Finding 3 of issue 12, against a real broker that stopped: a private ``redis-server`` is started,
answers, and is SIGKILLed; a separate Django process (the test settings, the test database) then
launches a backtest and uses the login page with ``REDIS_URL`` pointing at it.

Before: the run row was committed and the broker call failed after ~19 s with a 500; the run stayed
"queued" for ever and blocked the same config by idempotency; login answered 500 because the rate
limiter's cache is Redis."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.celery_worker import test_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, time
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from backtests.services import backtest_run_create
from quant import ratelimit
from quant.models import Job
from tests.backtests.conftest import synthetic_config
from tests.factories import TEST_PASSWORD, UserFactory

out = {}
user = UserFactory(username="outage")
started = time.monotonic()
try:
    backtest_run_create(config=synthetic_config(), owner=user)
    out["launch"] = "returned"
except Exception as exc:
    out["launch"] = f"raised {type(exc).__name__}"
out["launch_seconds"] = round(time.monotonic() - started, 1)
job = Job.objects.filter(backtest_run__owner=user).order_by("id").first()
out["job"] = [job.status, job.message, job.error]
try:
    again = backtest_run_create(config=synthetic_config(), owner=user)
    out["again_created"] = again.created
except Exception as exc:
    out["again_created"] = f"raised {type(exc).__name__}"
client = Client(raise_request_exception=False)
out["login_page"] = client.get("/accounts/login/").status_code
out["wrong_logins"] = [
    client.post("/accounts/login/", {"login": "outage", "password": f"wrong-{i}"}).status_code for i in range(3)
]
good = client.post("/accounts/login/", {"login": "outage", "password": TEST_PASSWORD})
out["good_login"] = [good.status_code, good.get("Location", "")]
try:
    hits = [ratelimit.hit("outage-test", limit=2, period_seconds=300).allowed for _ in range(3)]
    out["limiter"] = hits
except Exception as exc:
    out["limiter"] = f"raised {type(exc).__name__}"
print("RESULT " + json.dumps(out))
"""


@pytest.fixture
def stopped_redis_url(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(url).ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("private redis-server did not start")
                time.sleep(0.1)
        os.kill(server.pid, signal.SIGKILL)  # the broker dies
        server.wait(timeout=10)
        yield url
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def test_a_launch_and_login_with_redis_down(stopped_redis_url: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": test_database_url(),
           "REDIS_URL": stopped_redis_url, "PYTHONPATH": str(ROOT)}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    out = json.loads(lines[-1].removeprefix("RESULT "))
    assert out["launch"] == "returned", out
    assert out["launch_seconds"] < 8, out  # a short broker timeout, not ~20 s of retries
    status, message, error = out["job"]
    assert status == "failed" and "job queue unreachable" in message, out
    assert error.startswith("The job queue (Redis) could not be reached, so the job never started"), out
    assert out["again_created"] is True, out  # a failed submission does not block the same config
    assert out["login_page"] == 200, out
    assert out["wrong_logins"] == [200, 200, 200], out  # the form with its error, not a 500
    assert out["good_login"][0] == 302, out
    assert out["limiter"] == [True, True, False], out  # still throttling, through the database cache
