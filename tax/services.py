"""Writes of the tax app: import trades, record a sale, pull fills, rebuild lots (all atomic)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.db import transaction
from guardian.shortcuts import assign_perm

from quant.models import Fill
from tax.analytics.lots import CENT, Buy, ReliefError, Sell, Split, Trade, is_long_term, realized_gain, relieve
from tax.analytics.washsales import wash_sales
from tax.models import TaxAccount, TaxLot, TaxTrade
from tax.trades_csv import TradeFileError, read_trades


class TaxInputError(ValueError):
    """Bad input for a tax service; nothing was written."""


def account_create(*, name: str, owner: Any, method: str = "fifo", basis_reported: bool = True) -> TaxAccount:
    account = TaxAccount.objects.create(name=name, owner=owner, default_method=method, basis_reported=basis_reported)
    for perm in ("view_taxaccount", "change_taxaccount"):
        assign_perm(f"tax.{perm}", owner, account)
    return account


def _as_trade(row: TaxTrade) -> Trade:
    if row.side == TaxTrade.Side.SPLIT:
        return Split(row.date, row.symbol, row.quantity)
    price = row.price if row.price is not None else Decimal(0)
    if row.side == TaxTrade.Side.BUY:
        return Buy(row.date, row.symbol, row.quantity, price, row.fees, lot_id=row.lot_id or f"T{row.pk}")
    picks = tuple((str(lot), Decimal(str(shares))) for lot, shares in row.picks)
    return Sell(row.date, row.symbol, row.quantity, price, row.fees, method="specific" if picks else None, picks=picks)


def lots_compute(account: TaxAccount, trades: list[TaxTrade]) -> list[TaxLot]:
    """The account's lots for ``trades`` (unsaved rows); raises TaxInputError on an impossible sale."""
    try:
        lots = wash_sales(relieve([_as_trade(t) for t in trades], method=account.default_method), quantum=CENT)
    except ReliefError as exc:
        raise TaxInputError(str(exc)) from None
    sources = {(t.lot_id or f"T{t.pk}"): t.source for t in trades if t.side == TaxTrade.Side.BUY}
    return [
        TaxLot(
            account=account,
            symbol=lot.symbol,
            lot_id=lot.buy_lot,
            shares=lot.shares,
            buy_date=lot.buy_date,
            adjusted_buy_date=lot.adjusted_buy_date,
            basis=lot.basis,
            adjusted_basis=lot.adjusted_basis,
            sell_date=lot.sell_date,
            proceeds=lot.proceeds,
            adjustment_code=lot.adjustment_code,
            adjustment=lot.adjustment,
            replacement_for="|".join(lot.replacement_for),
            is_replacement=lot.is_replacement,
            long_term=is_long_term(lot) if lot.sell_date else None,
            gain=realized_gain(lot) if lot.sell_date else None,
            source=sources.get(lot.buy_lot, ""),
            position=i,
        )
        for i, lot in enumerate(lots)
    ]


@transaction.atomic
def lots_rebuild(account: TaxAccount) -> int:
    """Replace the account's lots with those its trades give; returns the number of lots.

    Called inside the writer's transaction, so a trade that makes a sale impossible (oversold,
    unknown lot) raises :class:`TaxInputError` and rolls the trade back with the lots."""
    TaxAccount.objects.select_for_update().get(pk=account.pk)
    lots = lots_compute(account, list(account.trades.order_by("date", "id")))
    account.lots.all().delete()
    TaxLot.objects.bulk_create(lots, batch_size=2000)
    return len(lots)


@transaction.atomic
def trades_import(account: TaxAccount, *, text: str, filename: str, user: Any) -> int:
    """Import a broker trade CSV (:mod:`tax.trades_csv`) — all lines or none. Returns lines imported."""
    try:
        trades = read_trades(io.StringIO(text))
    except TradeFileError as exc:
        raise TaxInputError(f"{filename}: {exc}") from None
    rows = []
    for line, trade in enumerate(trades, start=2):
        row = TaxTrade(
            account=account, date=trade.date, symbol=trade.symbol, source=f"{filename}:{line}", created_by=user
        )
        if isinstance(trade, Split):
            row.side, row.quantity = TaxTrade.Side.SPLIT, trade.ratio
        else:
            row.side = TaxTrade.Side.BUY if isinstance(trade, Buy) else TaxTrade.Side.SELL
            row.quantity, row.price, row.fees = trade.quantity, trade.price, trade.fees
            row.lot_id = trade.lot_id if isinstance(trade, Buy) else ""
            row.picks = [[lot, str(shares)] for lot, shares in trade.picks] if isinstance(trade, Sell) else []
        rows.append(row)
    TaxTrade.objects.bulk_create(rows)
    lots_rebuild(account)
    return len(rows)


@transaction.atomic
def sale_record(
    account: TaxAccount, *, date: Any, symbol: str, quantity: Decimal, price: Decimal, fees: Decimal,
    picks: list[tuple[str, Decimal]], user: Any,
) -> TaxTrade:  # fmt: skip
    """Record a sale; ``picks`` (lot id, shares) relieve those lots (specific ID), else the account's method."""
    if quantity <= 0 or price < 0 or fees < 0:
        raise TaxInputError("quantity must be > 0, price and fees >= 0")
    row = TaxTrade.objects.create(
        account=account, date=date, symbol=symbol.upper(), side=TaxTrade.Side.SELL, quantity=quantity, price=price,
        fees=fees, picks=[[lot, str(shares)] for lot, shares in picks], source="console", created_by=user,
    )  # fmt: skip
    lots_rebuild(account)
    return row


@transaction.atomic
def fills_import(account: TaxAccount, *, user: Any) -> int:
    """Add the account's strategy's fills not yet imported (one trade per fill). Returns the count."""
    if account.strategy_id is None:
        raise TaxInputError(f"tax account {account.name!r} is not linked to a strategy")
    seen = set(account.trades.filter(source__startswith="fill:").values_list("source", flat=True))
    rows = [
        TaxTrade(
            account=account,
            date=f.trade_date,
            symbol=f.symbol,
            side=f.side,
            quantity=f.quantity,
            price=f.price,
            fees=f.fees,
            lot_id=f"F{f.pk}" if f.side == "buy" else "",
            source=f"fill:{f.pk}",
            created_by=user,
        )  # fmt: skip
        for f in Fill.objects.filter(strategy_id=account.strategy_id).order_by("trade_date", "filled_at", "id")
        if f"fill:{f.pk}" not in seen
    ]
    TaxTrade.objects.bulk_create(rows)
    lots_rebuild(account)
    return len(rows)
