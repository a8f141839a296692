"""Trading state rows: orders, fills, positions, the cash ledger and daily P&L snapshots.

Money and quantities are ``Decimal`` (``DecimalField``) everywhere; fractional shares are
allowed (the paper broker and the research-to-production parity need them). Rows are written
only by :mod:`quant.trading.services` — a fill updates its order, the position, the cash ledger
and realized P&L in one transaction — and read through :mod:`quant.trading.selectors`.

Accounting identities (checked by a property test):

* ``cash + sum(position.quantity * price) == equity``
* ``realized + unrealized == equity - contributed`` where contributed is the sum of
  ``CashEntry`` rows of kind contribution/withdrawal
* ``position.quantity == sum(signed fill quantities)`` per strategy and symbol
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

QTY = {"max_digits": 24, "decimal_places": 8}
"""Shares (fractional allowed)."""
PRICE = {"max_digits": 24, "decimal_places": 8}
"""Per-share prices in dollars."""
MONEY = {"max_digits": 24, "decimal_places": 8}
"""Dollar amounts (cash, P&L, fees, market values)."""

ZERO = Decimal(0)


class Order(models.Model):
    """One order of a strategy; ``client_order_id`` is unique per strategy (idempotent submission)."""

    class Side(models.TextChoices):
        BUY = "buy", "Buy"
        SELL = "sell", "Sell"

    class Type(models.TextChoices):
        MARKET = "market", "Market"
        LIMIT = "limit", "Limit"
        MOC = "moc", "Market on close"

    class TimeInForce(models.TextChoices):
        DAY = "day", "Day"
        GTC = "gtc", "Good till cancelled"
        IOC = "ioc", "Immediate or cancel"
        CLS = "cls", "At the close"

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        PARTIALLY_FILLED = "partially_filled", "Partially filled"
        FILLED = "filled", "Filled"
        CANCELLED = "cancelled", "Cancelled"
        REJECTED = "rejected", "Rejected"

    OPEN = (Status.NEW, Status.ACCEPTED, Status.PARTIALLY_FILLED)
    DONE = (Status.FILLED, Status.CANCELLED, Status.REJECTED)

    class Source(models.TextChoices):
        STRATEGY = "strategy", "Strategy runner"
        MANUAL = "manual", "Manual control"
        API = "api", "API"
        RECONCILE = "reconcile", "Reconciliation"
        IMPORT = "import", "Fills import"

    strategy = models.ForeignKey("quant.Strategy", on_delete=models.PROTECT, related_name="orders")
    client_order_id = models.CharField(max_length=64)
    broker = models.CharField(max_length=32, default="paper", help_text="broker name (paper, alpaca)")
    broker_order_id = models.CharField(max_length=64, blank=True)
    symbol = models.CharField(max_length=32, help_text="ticker (or permno as text)")
    side = models.CharField(max_length=4, choices=Side.choices)
    quantity = models.DecimalField(**QTY)
    order_type = models.CharField(max_length=8, choices=Type.choices, default=Type.MARKET)
    limit_price = models.DecimalField(null=True, blank=True, **PRICE)
    time_in_force = models.CharField(max_length=4, choices=TimeInForce.choices, default=TimeInForce.DAY)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    filled_quantity = models.DecimalField(default=ZERO, **QTY)
    avg_fill_price = models.DecimalField(null=True, blank=True, **PRICE)
    reject_reason = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.STRATEGY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    job = models.ForeignKey("quant.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    trade_date = models.DateField(help_text="the session the order is for (historical under paper replay)")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-trade_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "client_order_id"], name="order_client_id_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_quantity_positive"),
            models.CheckConstraint(
                condition=Q(order_type="limit", limit_price__gt=0) | ~Q(order_type="limit"),
                name="order_limit_has_price",
            ),
        ]
        indexes = [
            models.Index(fields=["strategy", "status"], name="order_strategy_status"),
            models.Index(fields=["strategy", "symbol", "-trade_date"], name="order_strategy_symbol"),
            models.Index(fields=["status", "updated_at"], name="order_status_updated"),  # the reject-storm rule
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} ({self.client_order_id})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity


class Fill(models.Model):
    """One execution of (part of) an order. ``quantity`` is positive; ``side`` gives the sign."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fills")
    strategy = models.ForeignKey("quant.Strategy", on_delete=models.PROTECT, related_name="fills")
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=4, choices=Order.Side.choices)
    quantity = models.DecimalField(**QTY)
    price = models.DecimalField(**PRICE)
    fees = models.DecimalField(default=ZERO, **MONEY)
    venue = models.CharField(max_length=32, blank=True)
    broker_fill_id = models.CharField(max_length=64, blank=True, help_text="the broker's execution id")
    trade_date = models.DateField()
    filled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-filled_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="fill_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="fill_price_positive"),
            models.CheckConstraint(condition=Q(fees__gte=0), name="fill_fees_not_negative"),
            models.UniqueConstraint(
                fields=["strategy", "broker_fill_id"], condition=~Q(broker_fill_id=""), name="fill_broker_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["strategy", "symbol", "filled_at"], name="fill_strategy_symbol_time"),
            models.Index(fields=["strategy", "-trade_date"], name="fill_strategy_date"),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} @ {self.price}"

    @property
    def signed_quantity(self) -> Decimal:
        return self.quantity if self.side == Order.Side.BUY else -self.quantity


class Position(models.Model):
    """Net holding of a strategy in one symbol (negative = short); zero rows are kept for history.

    ``cost_basis`` is the accounting truth (see :mod:`quant.trading.ledger`); ``avg_cost`` is it per
    share, rounded, for display. ``realized_pnl`` is net of the fees paid on the symbol's fills.
    """

    strategy = models.ForeignKey("quant.Strategy", on_delete=models.PROTECT, related_name="positions")
    symbol = models.CharField(max_length=32)
    quantity = models.DecimalField(default=ZERO, **QTY)
    avg_cost = models.DecimalField(default=ZERO, help_text="cost_basis / quantity, rounded (display)", **PRICE)
    cost_basis = models.DecimalField(
        default=ZERO, help_text="signed dollars paid for the shares held (< 0 for a short); exact", **MONEY
    )
    realized_pnl = models.DecimalField(default=ZERO, help_text="cumulative, net of fees", **MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["strategy", "symbol"]
        constraints = [models.UniqueConstraint(fields=["strategy", "symbol"], name="position_strategy_symbol_unique")]

    def __str__(self) -> str:
        return f"{self.strategy_id}:{self.symbol} {self.quantity} @ {self.avg_cost}"


class CashEntry(models.Model):
    """The cash ledger: every change of a strategy's cash is one row (sum = cash balance)."""

    class Kind(models.TextChoices):
        CONTRIBUTION = "contribution", "Capital contributed"
        WITHDRAWAL = "withdrawal", "Capital withdrawn"
        TRADE = "trade", "Trade proceeds/cost"
        FEE = "fee", "Fees"
        DIVIDEND = "dividend", "Dividend"
        ADJUSTMENT = "adjustment", "Adjustment"

    CAPITAL = (Kind.CONTRIBUTION, Kind.WITHDRAWAL)

    strategy = models.ForeignKey("quant.Strategy", on_delete=models.PROTECT, related_name="cash_entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    fill = models.ForeignKey(Fill, null=True, blank=True, on_delete=models.PROTECT, related_name="cash_entries")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trade_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-trade_date", "-id"]
        verbose_name_plural = "cash entries"
        indexes = [models.Index(fields=["strategy", "trade_date"], name="cash_strategy_date")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class PnLSnapshot(models.Model):
    """End-of-day state of a strategy's book (one row per strategy and session)."""

    strategy = models.ForeignKey("quant.Strategy", on_delete=models.CASCADE, related_name="pnl_snapshots")
    date = models.DateField()
    equity = models.DecimalField(**MONEY)
    cash = models.DecimalField(**MONEY)
    long_value = models.DecimalField(default=ZERO, **MONEY)
    short_value = models.DecimalField(default=ZERO, help_text="market value of shorts (<= 0)", **MONEY)
    gross_exposure = models.DecimalField(default=ZERO, help_text="(long - short) / equity", **MONEY)
    net_exposure = models.DecimalField(default=ZERO, help_text="(long + short) / equity", **MONEY)
    realized_pnl = models.DecimalField(default=ZERO, help_text="cumulative", **MONEY)
    unrealized_pnl = models.DecimalField(default=ZERO, **MONEY)
    contributed = models.DecimalField(default=ZERO, help_text="net capital contributed", **MONEY)
    fees = models.DecimalField(default=ZERO, help_text="fees paid that day", **MONEY)
    daily_return = models.FloatField(null=True, blank=True, help_text="equity change net of capital flows")
    n_positions = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["strategy", "date"]
        constraints = [models.UniqueConstraint(fields=["strategy", "date"], name="pnlsnapshot_strategy_date_unique")]
        get_latest_by = "date"

    def __str__(self) -> str:
        return f"{self.strategy_id} {self.date} equity {self.equity}"


class BrokerState(models.Model):
    """The persisted book of a simulated broker (the paper broker) of one strategy.

    A paper broker lives in memory while a replay or a scheduled run uses it; its open orders,
    positions and cash are saved here between runs, so GTC orders survive to the next session and
    reconciliation compares the platform's ledger with what the broker itself believes.
    """

    strategy = models.ForeignKey("quant.Strategy", on_delete=models.CASCADE, related_name="broker_states")
    broker = models.CharField(max_length=32, default="paper")
    state = models.JSONField(default=dict, help_text="PaperBroker.dump(): Decimals as strings")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["strategy", "broker"], name="brokerstate_strategy_broker")]

    def __str__(self) -> str:
        return f"{self.broker} book of {self.strategy_id}"
