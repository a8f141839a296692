"""The console's own 404/403/500 pages (styled with the base layout), never Django's debug page
unless DEBUG=1 is set explicitly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.urls import include, path

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


@login_not_required  # a page outside the role table would be refused (403) before it could fail
def _boom(request):
    raise RuntimeError("planted failure")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), path("", include("config.urls"))]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/no/such/page/", 404, "Page not found (404)"),
        ("/forbidden/", 403, "Not allowed (403)"),
        ("/boom/", 500, "Something went wrong (500)"),
    ],
)
def test_errors_use_the_console_pages(client, url, status, heading):
    client.force_login(UserFactory())
    client.raise_request_exception = False
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == status
    assert heading in body and 'class="topbar"' in body and "console/console.css" in body
    assert "Traceback" not in body and "planted failure" not in body and "DEBUG = True" not in body


def _local_debug(env_debug: str | None, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.local", "QUANTDESK_DATA_DIR": str(tmp_path)}
    if env_debug is not None:
        env["DEBUG"] = env_debug
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_local_default_has_debug_off_unless_asked(tmp_path):
    assert _local_debug(None, tmp_path) == "False"
    assert _local_debug("1", tmp_path) == "True"
