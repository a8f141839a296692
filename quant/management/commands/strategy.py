"""Create a strategy (its owner may view and change it) or grant a user access to one."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.models import Strategy
from quant.services import strategy_create, strategy_grant


class Command(BaseCommand):
    help = "strategy create NAME --owner USER [--description TEXT] | strategy grant NAME --user USER [--change]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a strategy owned by --owner")
        create.add_argument("name")
        create.add_argument("--owner", required=True, help="user name of the owner")
        create.add_argument("--description", default="")
        grant = sub.add_parser("grant", help="let --user see (and with --change also change) a strategy")
        grant.add_argument("name")
        grant.add_argument("--user", required=True, help="user name")
        grant.add_argument("--change", action="store_true")

    def handle(self, *args: object, **opts: object) -> None:
        users = get_user_model().objects
        username = str(opts.get("owner") or opts.get("user"))
        try:
            user = users.get(**{users.model.USERNAME_FIELD: username})
        except users.model.DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
        name = str(opts["name"])
        if opts["action"] == "create":
            if Strategy.objects.filter(name=name).exists():
                raise CommandError(f"strategy {name!r} already exists")
            strategy = strategy_create(name=name, owner=user, description=str(opts["description"]))
            self.stdout.write(
                self.style.SUCCESS(f"created strategy {strategy.name} (#{strategy.pk}) owned by {username}")
            )
            return
        strategy = Strategy.objects.filter(name=name).first()
        if strategy is None:
            raise CommandError(f"no strategy {name!r}")
        strategy_grant(strategy=strategy, user=user, change=bool(opts["change"]))
        self.stdout.write(self.style.SUCCESS(f"{username} may now {'change' if opts['change'] else 'view'} {name}"))
