"""Orders, fills, positions, the cash ledger, daily P&L snapshots and the broker protocol.

Shared core (floor ``quant``): no domain app is imported here. Prices come in as arguments
(a :class:`~quant.trading.broker.PriceSource`), so the paper broker and the valuation code work
for the strategy runner (``backtests``), manual controls and the console alike.
"""
