"""Create the role groups (viewer, researcher, operator, admin) with their permissions."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.accounts.roles import ROLE_DESCRIPTIONS, role_table_markdown, roles_seed


class Command(BaseCommand):
    help = "Create/refresh the role groups and their permissions (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prune", action="store_true", help="also remove permissions not in a role")
        parser.add_argument("--table", action="store_true", help="print the role table of docs/security.md and stop")

    def handle(self, *args: object, **opts: object) -> None:
        if opts["table"]:
            self.stdout.write(role_table_markdown())
            return
        try:
            report = roles_seed(prune=bool(opts["prune"]))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for name in report.created_groups:
            self.stdout.write(f"created group {name} ({ROLE_DESCRIPTIONS[name]})")
        for name, labels in report.added.items():
            self.stdout.write(f"{name}: added {len(labels)} permission(s): {', '.join(labels)}")
        for name, labels in report.removed.items():
            self.stdout.write(f"{name}: removed {len(labels)} permission(s): {', '.join(labels)}")
        if not report.changed:
            self.stdout.write("roles already up to date: nothing changed")
        self.stdout.write(self.style.SUCCESS(f"roles: {', '.join(ROLE_DESCRIPTIONS)}"))
