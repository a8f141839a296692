"""Harvesting report for a tax account: its open lots priced from the warehouse (reads only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from quant.models import Order
from tax.analytics.harvest import Candidate, best_replacements, harvest_candidates
from tax.models import TaxAccount, TaxTrade
from tax.selectors import as_lot, open_lots
from warehouse import storage
from warehouse.readers.crsp import crsp_daily, names_asof, total_returns

LOOKBACK_DAYS = 365


def latest_session() -> dt.date | None:
    """The last date of the warehouse's daily prices (from the dataset manifest; None before a sync)."""
    version = storage.current_version("crsp_daily")
    if version is None:
        return None
    date_max = storage.load_manifest("crsp_daily", version).date_max
    return dt.date.fromisoformat(date_max) if date_max else None


def harvest_report(account: TaxAccount, *, as_of: dt.date | None = None) -> tuple[dt.date | None, list[Candidate]]:
    """(pricing date, candidates) for ``account``; prices are the warehouse closes on or before ``as_of``."""
    lots = [as_lot(row) for row in open_lots(account)]
    as_of = as_of or latest_session()
    if as_of is None or not lots:
        return as_of, []
    names = names_asof(as_of).select("permno", "ticker", "siccd").drop_nulls("ticker")
    symbols = sorted({lot.symbol for lot in lots})
    held = names.filter(pl.col("ticker").is_in(symbols))
    closes = (
        crsp_daily(
            as_of - dt.timedelta(days=14), as_of, permnos=held["permno"].to_list(), columns=["permno", "date", "prc"]
        )
        .drop_nulls("prc")
        .sort("date")
        .group_by("permno")
        .last()
        .join(held, on="permno")
    )
    prices = {
        row["ticker"]: Decimal(str(abs(row["prc"]))).quantize(Decimal("0.0001")) for row in closes.iter_rows(named=True)
    }
    groups_of = {row["ticker"]: str((row["siccd"] or 0) // 100) for row in names.iter_rows(named=True)}
    wanted = {groups_of[s] for s in symbols if s in groups_of}
    peers = names.filter(pl.col("ticker").map_elements(lambda t: groups_of.get(t) in wanted, return_dtype=pl.Boolean))
    returns = (
        total_returns(as_of - dt.timedelta(days=LOOKBACK_DAYS), as_of, permnos=peers["permno"].to_list())
        .select("permno", "date", pl.col("total_ret").alias("ret"))
        .collect()
        .join(peers.select("permno", pl.col("ticker").alias("symbol")), on="permno")
        .select("date", "symbol", "ret")
    )
    losers = [s for s in symbols if s in prices]
    replacements = best_replacements(returns, groups_of, losers) if returns.height else {}
    since = as_of - dt.timedelta(days=30)
    buys: dict[str, list[tuple[dt.date, str]]] = {}
    recent = account.trades.filter(side=TaxTrade.Side.BUY, date__gte=since, date__lte=as_of)
    for symbol, day, lot_id, pk in recent.values_list("symbol", "date", "lot_id", "pk"):
        buys.setdefault(symbol, []).append((day, lot_id or f"T{pk}"))
    planned: set[str] = set()
    if account.strategy_id:
        planned = set(
            Order.objects.filter(strategy_id=account.strategy_id, side="buy", status__in=Order.OPEN).values_list(
                "symbol", flat=True
            )
        )
    candidates = harvest_candidates(
        lots, prices, as_of=as_of, short_rate=account.short_term_rate, long_rate=account.long_term_rate,
        buys=buys, planned=planned, replacements=replacements,
    )  # fmt: skip
    return as_of, candidates
