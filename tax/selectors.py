"""Reads of the tax app: accounts a user may see, lots, realized gains, wash sales, Form 8949 rows."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from tax.analytics.form8949 import Row, form8949_rows
from tax.analytics.washsales import Lot
from tax.models import TaxAccount, TaxLot


def accounts_for(user: Any) -> QuerySet[TaxAccount]:
    """Tax accounts ``user`` was granted ``view_taxaccount`` on (per object)."""
    if not user.is_authenticated:
        return TaxAccount.objects.none()
    return get_objects_for_user(user, "tax.view_taxaccount", klass=TaxAccount, accept_global_perms=False)


def open_lots(account: TaxAccount) -> QuerySet[TaxLot]:
    return account.lots.filter(sell_date__isnull=True).order_by("symbol", "buy_date", "position")


def closed_lots(account: TaxAccount, year: int | None = None) -> QuerySet[TaxLot]:
    rows = account.lots.filter(sell_date__isnull=False)
    if year is not None:
        rows = rows.filter(sell_date__year=year)
    return rows.order_by("sell_date", "position")


def wash_sale_lots(account: TaxAccount, year: int | None = None) -> QuerySet[TaxLot]:
    return closed_lots(account, year).filter(adjustment_code="W")


def sale_years(account: TaxAccount) -> list[int]:
    return sorted({d.year for d in account.lots.filter(sell_date__isnull=False).values_list("sell_date", flat=True)})


def as_lot(row: TaxLot) -> Lot:
    return Lot(
        shares=row.shares,
        symbol=row.symbol,
        buy_date=row.buy_date,
        basis=row.basis,
        buy_lot=row.lot_id,
        adjusted_buy_date=row.adjusted_buy_date,
        adjusted_basis=row.adjusted_basis,
        sell_date=row.sell_date,
        proceeds=row.proceeds,
        adjustment_code=row.adjustment_code,
        adjustment=row.adjustment,
        replacement_for=tuple(x for x in row.replacement_for.split("|") if x),
        is_replacement=row.is_replacement,
        order=(row.position,),
    )


def form8949(account: TaxAccount, year: int | None) -> list[Row]:
    return form8949_rows(
        (as_lot(r) for r in closed_lots(account, year)), year=year, basis_reported=account.basis_reported
    )


def year_summary(rows: Iterable[TaxLot]) -> dict[str, Decimal]:
    """Short/long gains and losses and disallowed (wash-sale) losses of sold lots."""
    out = {k: Decimal(0) for k in ("short_gain", "short_loss", "long_gain", "long_loss", "disallowed")}
    for lot in rows:
        gain = lot.gain or Decimal(0)
        term = "long" if lot.long_term else "short"
        out[f"{term}_gain" if gain >= 0 else f"{term}_loss"] += gain
        if lot.adjustment_code == "W":
            out["disallowed"] += lot.adjustment or Decimal(0)
    out["net"] = out["short_gain"] + out["short_loss"] + out["long_gain"] + out["long_loss"]
    return out
