"""Roles are Django groups with a fixed set of permissions; `seed_roles` keeps them in place."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import transaction

VIEWER = "viewer"
RESEARCHER = "researcher"
OPERATOR = "operator"
ADMIN = "admin"

# Page areas: deny by default, so a user with no role opens no page but their own account pages.
_AREAS = ["quant.view_research", "quant.view_risk", "quant.view_warehouse"]
_VIEWER = ["quant.view_strategy", "backtests.view_backtestrun", *_AREAS, "warehouse.query_sql"]  # SQL: open datasets
_RESEARCHER = [
    *_VIEWER,
    "quant.view_operations",  # the Jobs page (their own jobs) and System health
    "quant.add_strategy",
    "backtests.add_backtestrun",
    "research.add_signalreport",
    "warehouse.query_licensed",  # SQL explorer and exports over CRSP, Compustat, TAQ
]
_OPERATOR = [
    *_RESEARCHER,
    "quant.change_strategy",
    "quant.use_controls",
    "backtests.change_backtestrun",  # cancel anyone's backtest
    "quant.view_all_jobs",  # the Jobs page shows every job
    "quant.change_job",  # cancel or retry anyone's job
    "research.promote_modelversion",  # model registry promotion (a control)
    "django_celery_beat.view_periodictask",
    "django_celery_beat.change_periodictask",
    "alerts.view_alert",  # alert history, rules and channels (read)
    "alerts.acknowledge_alert",
    "alerts.change_alertrule",  # rules, channels, "send test"
    "alerts.view_reportrun",  # the report archive
    "alerts.change_reportschedule",  # report schedules, run now
    "warehouse.add_anomalyack",  # acknowledge a data-quality anomaly
]
_ADMIN = [
    *_OPERATOR,
    "quant.manage_strategies",
    "quant.change_tradingconfig",  # the system's trading configuration (hours, risk and size limits, costs)
    "quant.view_audit",
    "quant.export_audit",
    "quant.view_accesslog",
    "quant.view_all_savedresults",  # open every user's saved attribution / perf / alpha reports
    "research.override_promotion_gate",  # promote a model that fails its gates, with a written reason
    "auth.view_user",
    "auth.add_user",  # Admin → Users: create a user (console/views/users.py)
    "auth.change_user",
    "auth.view_group",
    "auditlog.view_logentry",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    VIEWER: _VIEWER,
    RESEARCHER: _RESEARCHER,
    OPERATOR: _OPERATOR,
    ADMIN: _ADMIN,
}
# The permission each page needs, by URL name ("namespace:name") or, failing that, by namespace.
# A page found in neither is refused to everyone (403): deny by default
# (quant.accounts.middleware.PagePermissionMiddleware). A view may check more on top (object
# grants, a control's permission and 2FA). Two markers stand for "no role permission":
SIGNED_IN = "signed-in"  # any signed-in user: the home page and their own /accounts/ pages
ADMIN_SITE = "admin-site"  # the Django admin: staff status and model permissions, checked by the admin
PAGE_PERMISSIONS: dict[str, str] = {
    "admin": ADMIN_SITE,
    "console": "quant.view_operations",  # Jobs, System health
    "console:home": SIGNED_IN,
    "quant": "quant.view_strategy",  # strategies (per-object grants on top)
    "quant:job_status": "quant.view_operations",
    "quant:job_cancel": "quant.view_operations",
    "quant:job_retry": "quant.view_operations",
    "quant:saved_results": "quant.view_research",
    "console:users": "auth.view_user",  # Admin → Users and API keys (console/views/users.py, apikeys.py)
    "console:user_detail": "auth.view_user",
    "console:user_create": "auth.add_user",
    "console:user_access": "auth.change_user",
    "console:user_action": "auth.change_user",
    "console:api_keys": "auth.view_user",
    "console:api_key_create": "auth.change_user",
    "console:api_key_revoke": "auth.change_user",
    "quant:audit_log": "quant.view_audit",
    "quant:audit_export": "quant.export_audit",
    "warehouse": "quant.view_warehouse",
    "research": "quant.view_research",
    "risk": "quant.view_risk",
    "backtests": "backtests.view_backtestrun",  # runs tied to a strategy follow its grants on top
    "alerts": "alerts.view_alert",  # reports and changes check their own permission on top
    "tax": SIGNED_IN,  # tax accounts are granted per object (view/change_taxaccount); no grant = 404
}


def page_permission(view_name: str, namespace: str) -> str | None:
    """The permission (or marker) a page needs; None when the table has no entry (refused)."""
    return PAGE_PERMISSIONS.get(view_name) or (PAGE_PERMISSIONS.get(namespace) if namespace else None)


ROLE_DESCRIPTIONS = {
    VIEWER: "reads pages of the strategies granted to them",
    RESEARCHER: "viewer + creates strategies and research runs",
    OPERATOR: "researcher + manual controls (after 2FA enrolment) and schedules",
    ADMIN: "operator + audit log, CSV export, user and strategy access management",
}


ROLE_TABLE_BEGIN = "<!-- role table: generated by `python manage.py seed_roles --table`; do not edit by hand -->"
ROLE_TABLE_END = "<!-- end of role table -->"


def role_table_markdown() -> str:
    """The role table of docs/security.md: each role, what it adds to the one below, and why."""
    lines = [ROLE_TABLE_BEGIN, "", "| role | permissions | meaning |", "|---|---|---|"]
    below: list[str] = []
    previous = ""
    for name, labels in ROLE_PERMISSIONS.items():
        added = ", ".join(f"`{label}`" for label in labels if label not in below)
        meaning = ROLE_DESCRIPTIONS[name].removeprefix(f"{previous} + ") if previous else ROLE_DESCRIPTIONS[name]
        lines.append(f"| {name} | {previous + ' + ' if previous else ''}{added} | {meaning} |")
        below, previous = labels, name
    return "\n".join([*lines, "", ROLE_TABLE_END])


@dataclass
class SeedReport:
    created_groups: list[str] = field(default_factory=list)
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created_groups or self.added or self.removed)


def _permission(label: str) -> Permission:
    app_label, codename = label.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist as exc:
        raise LookupError(f"Permission {label} does not exist; run `manage.py migrate` first.") from exc


@transaction.atomic
def roles_seed(*, prune: bool = False) -> SeedReport:
    """Create the role groups and add their missing permissions (idempotent).

    With ``prune`` a group also loses permissions that are not in its role definition.
    """
    report = SeedReport()
    for name, labels in ROLE_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=name)
        if created:
            report.created_groups.append(name)
        wanted = {label: _permission(label) for label in labels}
        have = {f"{p.content_type.app_label}.{p.codename}": p for p in group.permissions.select_related("content_type")}
        missing = sorted(set(wanted) - set(have))
        if missing:
            group.permissions.add(*(wanted[label] for label in missing))
            report.added[name] = missing
        extra = sorted(set(have) - set(wanted))
        if prune and extra:
            group.permissions.remove(*(have[label] for label in extra))
            report.removed[name] = extra
    return report
