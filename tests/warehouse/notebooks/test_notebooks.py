"""The notebook launcher (a real JupyterLab on loopback with a token) and the template notebooks,
each executed top to bottom (nbclient) on a demo warehouse in a kernel the launcher's way."""

from __future__ import annotations

import json
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from django.db import connection
from django.urls import reverse
from nbclient import NotebookClient

from tests.factories import UserFactory
from warehouse.models_explorer import NotebookSession
from warehouse.notebooks import (
    TEMPLATES_DIR,
    kernel_env,
    notebook_ready,
    notebook_sessions,
    notebook_start,
    notebook_stop,
)

TEMPLATES = sorted(p.name for p in TEMPLATES_DIR.glob("*.ipynb"))


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.django_db
def test_the_launcher_starts_a_token_protected_loopback_server_lists_and_stops_it(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    user = UserFactory(username="nina", role="researcher")
    session = notebook_start(user=user)
    try:
        assert notebook_ready(session, timeout=90), (Path(session.root) / ".jupyter-server.log").read_text()[-2000:]
        assert sorted(p.name for p in Path(session.root).glob("*.ipynb")) == TEMPLATES
        base = f"http://127.0.0.1:{session.port}"
        assert _get(f"{base}/api/contents?token={session.token}") == 200
        assert _get(f"{base}/api/contents") == 403 and _get(f"{base}/api/contents?token=wrong") == 403
        assert notebook_start(user=user).pk == session.pk  # one server per user
        assert [s.pk for s in notebook_sessions(user=user)] == [session.pk]
    finally:
        notebook_stop(session=session)
    assert notebook_sessions(user=user) == [] and NotebookSession.objects.get().stopped is not None


@pytest.mark.django_db
def test_the_notebooks_page_starts_and_stops_your_server_and_viewers_are_refused(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(UserFactory(role="viewer"))
    assert client.get(reverse("warehouse:notebooks")).status_code == 403
    user = UserFactory(role="researcher")
    client.force_login(user)
    assert "Start JupyterLab" in client.get(reverse("warehouse:notebooks")).content.decode()
    try:
        assert client.post(reverse("warehouse:notebook_start")).status_code == 302
        session = NotebookSession.objects.get(user=user, stopped__isnull=True)
        html = client.get(reverse("warehouse:notebooks")).content.decode()
        assert f"http://127.0.0.1:{session.port}/lab?token={session.token}" in html and "risk_report.ipynb" in html
        other = UserFactory(role="researcher")
        client.force_login(other)
        assert client.post(reverse("warehouse:notebook_stop", args=[session.pk])).status_code == 404
        client.force_login(user)
        assert client.post(reverse("warehouse:notebook_stop", args=[session.pk])).status_code == 302
    finally:
        for live in notebook_sessions():
            notebook_stop(session=live)
    assert NotebookSession.objects.get().stopped is not None


@pytest.fixture(scope="module")
def demo_data_dir(django_db_setup, django_db_blocker):  # noqa: ANN001
    from django.test import override_settings

    from warehouse.services import warehouse_sync_demo

    root = Path(tempfile.mkdtemp(prefix="quantdesk-notebooks-"))
    with django_db_blocker.unblock(), override_settings(WAREHOUSE_DIR=root / "warehouse", LOCKS_DIR=root / "locks"):
        warehouse_sync_demo(stocks=120, years=4, seed=7, writer="tests")
    return root


def _execute(book: nbformat.NotebookNode, demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ``book`` in a kernel started with the launcher's environment, on the demo data directory."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if connection.vendor != "postgresql":
        url = f"sqlite:///{db['NAME']}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.conf import settings

    monkeypatch.setattr(settings, "DATA_DIR", demo_data_dir)
    env = kernel_env()
    client = NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(demo_data_dir)}}
    )
    client.km = client.create_kernel_manager()
    client.start_new_kernel(env=env)
    client.start_new_kernel_client()
    with client.setup_kernel(env=env):
        for index, cell in enumerate(book.cells):
            client.execute_cell(cell, index)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", TEMPLATES)
def test_each_template_notebook_runs_top_to_bottom_on_the_demo_warehouse(name, demo_data_dir, monkeypatch):
    book = nbformat.read(TEMPLATES_DIR / name, as_version=4)
    _execute(book, demo_data_dir, monkeypatch)
    outputs = [o for c in book.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    first = json.dumps(book.cells[1].outputs)  # the set-up cell's catalog listing
    assert "crsp_daily" in first and "demo" in first  # the read-only catalog helper saw the demo warehouse


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_template_opened_through_the_launcher_runs_on_the_demo_warehouse(demo_data_dir, monkeypatch, settings):
    settings.DATA_DIR = demo_data_dir
    session = notebook_start(user=UserFactory(username="omar", role="researcher"))
    try:
        assert notebook_ready(session, timeout=90)
        url = f"http://127.0.0.1:{session.port}/api/contents/factor_study.ipynb?token={session.token}"
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback only
            served = json.loads(response.read())
    finally:
        notebook_stop(session=session)
    book = nbformat.from_dict(served["content"])
    _execute(book, demo_data_dir, monkeypatch)
    summary = json.dumps(book.cells[-1].outputs)
    assert "correlation with SMB" in summary and '"error"' not in json.dumps([c.outputs for c in book.cells[1:]])
