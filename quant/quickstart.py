"""Quickstart steps: what `manage.py quickstart_setup` runs on a fresh machine.

Each app that has set-up work defines ``STEPS: list[Step]`` in `<app>/quickstart.py` and registers
them from its ``AppConfig.ready()`` with :func:`register_steps` (the same pattern as the navigation
and health registries: the core never imports the apps above it). The command runs all of them
ordered by ``order`` (ties by app order in INSTALLED_APPS). A step is idempotent: running the
quickstart twice leaves the same state and does not redo finished heavy work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TextIO

from django.apps import apps
from django.core.management import call_command


@dataclass(frozen=True)
class Options:
    stdout: TextIO
    demo_stocks: int = 500
    demo_years: int = 10
    seed: int = 7
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    name: str
    order: int
    run: Callable[[Options], None]


_REGISTRY: dict[str, list[Step]] = {}


def register_steps(app_label: str, steps: Iterable[Step]) -> None:
    """Declare ``app_label``'s quickstart steps (from its ``AppConfig.ready()``; again replaces them)."""
    _REGISTRY[app_label] = list(steps)


def collect_steps() -> list[Step]:
    """Every registered step, by ``order`` and then by the app's position in INSTALLED_APPS."""
    position = {config.label: i for i, config in enumerate(apps.get_app_configs())}
    steps = [
        (step.order, position.get(label, len(position)), step) for label, group in _REGISTRY.items() for step in group
    ]
    return [s for _, _, s in sorted(steps, key=lambda t: (t[0], t[1]))]


def _migrate(opts: Options) -> None:
    call_command("migrate", interactive=False, verbosity=0, stdout=opts.stdout)


def _upgrade_artifacts(opts: Options) -> None:
    from quant.artifacts_upgrade import artifacts_upgrade

    report = artifacts_upgrade()
    opts.stdout.write(f"{len(report.upgraded)} result folder(s) converted to the artifact format\n")
    for folder, reason in report.corrupt:
        opts.stdout.write(f"left as is (corrupt): {folder}: {reason}\n")


def _seed_roles(opts: Options) -> None:
    call_command("seed_roles", stdout=opts.stdout)


def _sync_schedules(opts: Options) -> None:
    """Every app's beat schedules into django-celery-beat; existing rows keep their enabled flag."""
    from quant.schedules import schedules_sync

    for state in schedules_sync():
        verb = "created" if state.created else "kept"
        opts.stdout.write(f"{state.schedule.name}: {verb}, {'enabled' if state.enabled else 'disabled'}\n")
    opts.stdout.write("list, enable or disable them: python manage.py schedules\n")


def _demo_admin(opts: Options) -> None:
    from django.conf import settings

    from quant.accounts.bootstrap import PASSWORD_ENV, demo_admin_ensure

    admin = demo_admin_ensure(data_dir=settings.DATA_DIR)
    out = opts.stdout
    if admin.created:
        where = f"${PASSWORD_ENV}" if admin.password_source == "env" else admin.password_source.removeprefix("file ")
        out.write(f"created user '{admin.username}' (superuser, role admin); password: see {where}\n")
    else:
        out.write(f"user '{admin.username}' already exists; its password was left unchanged\n")
    out.write(
        "Log in at http://127.0.0.1:8000/accounts/login/\n"
        "(scripts/quickstart serves it; otherwise start `python manage.py runserver`),\n"
        "then enrol 2FA at http://127.0.0.1:8000/accounts/profile/\n"
        "(manual controls and the Django admin need a verified second factor).\n"
    )


STEPS = [
    Step(name="Apply database migrations", order=0, run=_migrate),
    Step(name="Convert result folders written before the artifact format", order=5, run=_upgrade_artifacts),
    Step(name="Seed roles (viewer, researcher, operator, admin)", order=10, run=_seed_roles),
    Step(name="Create the demo admin user", order=10, run=_demo_admin),
    Step(name="Sync the beat schedules of every app", order=25, run=_sync_schedules),
]
