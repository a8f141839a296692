"""``manage.py tax_account NAME --owner USER [--method fifo|lifo|hifo] [--import FILE.csv] [--strategy S]``.

Creates the tax account when it does not exist (the owner gets view and change permission on it),
optionally links a strategy whose fills become lots, and imports a broker trade CSV (all lines or
none). Prints the account's URL and its lot count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quant.models import Strategy
from quant.saved.selectors import active_user
from tax.models import TaxAccount
from tax.services import TaxInputError, account_create, fills_import, trades_import


class Command(BaseCommand):
    help = "Create (or update) a tax account and import broker trades or a strategy's fills into it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, metavar="USERNAME")
        parser.add_argument("--method", choices=[m.value for m in TaxAccount.Method], default="fifo")
        parser.add_argument("--basis-not-reported", action="store_true")
        parser.add_argument("--import", dest="import_file", type=Path, metavar="FILE.csv")
        parser.add_argument("--strategy", metavar="NAME", help="link a strategy and import its fills")

    def handle(self, *args: Any, **opts: Any) -> None:
        owner = active_user(opts["owner"])
        if owner is None:
            raise CommandError(f"--owner {opts['owner']!r}: no active user with that name", returncode=2)
        strategy = None
        if opts["strategy"]:
            strategy = Strategy.objects.filter(name=opts["strategy"]).first()
            if strategy is None:
                raise CommandError(f"--strategy {opts['strategy']!r}: no such strategy", returncode=2)
        text = None
        if opts["import_file"]:
            try:
                text = opts["import_file"].read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{opts['import_file']}: {exc}", returncode=2) from None
        account = TaxAccount.objects.filter(name=opts["name"]).first()
        if account is None:
            account = account_create(
                name=opts["name"], owner=owner, method=opts["method"], basis_reported=not opts["basis_not_reported"]
            )
            self.stdout.write(f"created tax account {account.name!r} for {owner.get_username()}")
        try:
            if text is not None:
                n = trades_import(account, text=text, filename=opts["import_file"].name, user=owner)
                self.stdout.write(f"imported {n} trades from {opts['import_file']}")
            if strategy is not None:
                account.strategy = strategy
                account.save(update_fields=["strategy"])
                self.stdout.write(f"imported {fills_import(account, user=owner)} fills of {strategy.name}")
        except TaxInputError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"{account.lots.count()} lots · {account.get_absolute_url()}")
