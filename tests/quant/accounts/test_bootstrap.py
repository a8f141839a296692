from __future__ import annotations

import io
import stat

import pytest
from django.contrib.auth import get_user_model

from quant.accounts.bootstrap import demo_admin_ensure
from quant.quickstart import Options, collect_steps

pytestmark = pytest.mark.django_db


def test_generated_password_is_written_owner_only_and_works(tmp_path, monkeypatch):
    monkeypatch.delenv("QUANTDESK_ADMIN_PASSWORD", raising=False)
    result = demo_admin_ensure(data_dir=tmp_path)
    path = tmp_path / "admin-password.txt"
    assert result.created and result.password_source == f"file {path}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    admin = get_user_model().objects.get(username="admin")
    assert len(password) >= 20 and admin.check_password(password)
    assert admin.is_superuser and admin.is_staff
    assert list(admin.groups.values_list("name", flat=True)) == ["admin"]


def test_env_password_and_existing_user_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANTDESK_ADMIN_PASSWORD", "from-the-environment-123")
    assert demo_admin_ensure(data_dir=tmp_path).password_source == "env"
    assert not (tmp_path / "admin-password.txt").exists()
    monkeypatch.setenv("QUANTDESK_ADMIN_PASSWORD", "a-different-password-456")
    again = demo_admin_ensure(data_dir=tmp_path)
    assert not again.created and again.password_source == "unchanged"
    assert get_user_model().objects.get(username="admin").check_password("from-the-environment-123")


def test_quickstart_steps_seed_roles_and_print_login_instructions(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("QUANTDESK_ADMIN_PASSWORD", raising=False)
    settings.DATA_DIR = tmp_path
    steps = {s.name: s for s in collect_steps()}
    out = io.StringIO()
    steps["Seed roles (viewer, researcher, operator, admin)"].run(Options(stdout=out))
    steps["Create the demo admin user"].run(Options(stdout=out))
    text = out.getvalue()
    assert "created group operator" in text
    assert f"password: see {tmp_path / 'admin-password.txt'}" in text
    assert "http://127.0.0.1:8000" in text and "/accounts/profile/" in text
    assert [s.order for s in collect_steps() if "admin" in s.name or "roles" in s.name] == [10, 10]
