from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from quant.accounts.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def _perms(group: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group).permissions.select_related("content_type")
    }


def test_seed_roles_creates_groups_then_is_idempotent():
    out = io.StringIO()
    call_command("seed_roles", stdout=out)
    text = out.getvalue()
    for role in ("viewer", "researcher", "operator", "admin"):
        assert f"created group {role}" in text
    assert len(ROLE_PERMISSIONS["admin"]) == 37
    assert "admin: added 37 permission(s)" in text
    assert "research.override_promotion_gate" in _perms("admin")
    assert "research.override_promotion_gate" not in _perms("operator")
    areas = {"quant.view_research", "quant.view_risk", "quant.view_warehouse"}
    assert _perms("viewer") == {"quant.view_strategy", "backtests.view_backtestrun", "warehouse.query_sql", *areas}
    assert "quant.view_operations" in _perms("researcher") and "quant.view_operations" not in _perms("viewer")
    assert {"quant.use_controls", "quant.change_strategy"} <= _perms("operator")
    assert "quant.view_audit" not in _perms("operator")
    assert "research.promote_modelversion" in _perms("operator")
    assert {"quant.view_all_jobs", "quant.change_job"} <= _perms("operator")
    assert "quant.view_all_jobs" not in _perms("researcher")
    assert "research.promote_modelversion" not in _perms("researcher")
    assert "research.add_signalreport" in _perms("researcher")  # Recompute a signal report
    assert "research.add_signalreport" not in _perms("viewer")
    assert {"quant.view_audit", "quant.export_audit", "quant.use_controls"} <= _perms("admin")
    assert "quant.view_all_savedresults" in _perms("admin") and "quant.view_all_savedresults" not in _perms("operator")

    again = io.StringIO()
    call_command("seed_roles", stdout=again)
    assert "nothing changed" in again.getvalue() and "created" not in again.getvalue()


def test_seed_roles_restores_missing_and_prunes_extra():
    call_command("seed_roles", stdout=io.StringIO())
    operator = Group.objects.get(name="operator")
    operator.permissions.remove(Permission.objects.get(codename="use_controls"))
    operator.permissions.add(Permission.objects.get(codename="export_audit"))
    out = io.StringIO()
    call_command("seed_roles", stdout=out)
    assert "operator: added 1 permission(s): quant.use_controls" in out.getvalue()
    assert "quant.export_audit" in _perms("operator")  # kept without --prune
    out = io.StringIO()
    call_command("seed_roles", "--prune", stdout=out)
    assert "operator: removed 1 permission(s): quant.export_audit" in out.getvalue()
    assert _perms("operator") == set(ROLE_PERMISSIONS["operator"])


def test_roles_are_nested():
    order = ["viewer", "researcher", "operator", "admin"]
    for lower, higher in zip(order, order[1:], strict=False):
        assert set(ROLE_PERMISSIONS[lower]) < set(ROLE_PERMISSIONS[higher])


def test_security_doc_role_table_lists_every_permission_of_every_role():
    """Finding 14 of issue 12: docs/security.md omitted backtests.* and research.promote_modelversion.
    The table is generated from ROLE_PERMISSIONS (`seed_roles --table`) and must stay in sync."""
    from pathlib import Path

    from quant.accounts.roles import ROLE_PERMISSIONS, role_table_markdown

    doc = (Path(__file__).resolve().parents[3] / "docs" / "security.md").read_text()
    table = role_table_markdown()
    assert table in doc, "docs/security.md is out of date: paste `python manage.py seed_roles --table` into it"
    for labels in ROLE_PERMISSIONS.values():
        for label in labels:
            assert f"`{label}`" in table
    assert "`backtests.change_backtestrun`" in table and "`research.promote_modelversion`" in table
    out = io.StringIO()
    call_command("seed_roles", "--table", stdout=out)
    assert out.getvalue().strip() == table.strip()
