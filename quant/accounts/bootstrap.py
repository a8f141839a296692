"""The demo administrator created by the quickstart."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from quant.accounts.roles import ADMIN

DEMO_ADMIN_USERNAME = "admin"
PASSWORD_ENV = "QUANTDESK_ADMIN_PASSWORD"
PASSWORD_FILE_NAME = "admin-password.txt"


@dataclass(frozen=True)
class DemoAdmin:
    username: str
    created: bool
    password_source: str  # "env", "file <path>" or "unchanged"


def _write_secret(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by the owner only (mode 0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.chmod(path, 0o600)


@transaction.atomic
def demo_admin_ensure(*, data_dir: Path) -> DemoAdmin:
    """Create the superuser ``admin`` (in the admin role) if missing; never reset an existing
    password. The password comes from $QUANTDESK_ADMIN_PASSWORD, or is generated and written to
    ``<data_dir>/admin-password.txt`` (mode 0600)."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=DEMO_ADMIN_USERNAME).first()
    if user is not None:
        return DemoAdmin(username=user.get_username(), created=False, password_source="unchanged")
    password = os.environ.get(PASSWORD_ENV, "")
    if password:
        source = "env"
    else:
        password = secrets.token_urlsafe(18)
        path = data_dir / PASSWORD_FILE_NAME
        _write_secret(path, password)
        source = f"file {path}"
    user = user_model.objects.create_superuser(username=DEMO_ADMIN_USERNAME, email="admin@localhost", password=password)
    group, _ = Group.objects.get_or_create(name=ADMIN)
    user.groups.add(group)
    return DemoAdmin(username=user.get_username(), created=True, password_source=source)
