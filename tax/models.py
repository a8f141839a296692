"""Tax accounts, their trades (imported or from the platform's fills) and the lots derived from them.

``TaxTrade`` rows are the input (a broker CSV import line, a platform fill, or a sale entered
with specific identification in the console); ``TaxLot`` rows are derived: every change of an
account's trades rebuilds its lots in one transaction (relief by the account's method, then the
wash-sale pass), so the lots are always the pure result of the trades. Money is ``Decimal``.
Access is per account (django-guardian ``view_taxaccount`` / ``change_taxaccount``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

AMOUNT = {"max_digits": 20, "decimal_places": 4}
SHARES = {"max_digits": 20, "decimal_places": 6}


class TaxAccount(models.Model):
    class Method(models.TextChoices):
        FIFO = "fifo", "FIFO (first in, first out)"
        LIFO = "lifo", "LIFO (last in, first out)"
        HIFO = "hifo", "HIFO (highest cost first)"

    name = models.CharField(max_length=120, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tax_accounts")
    default_method = models.CharField(max_length=8, choices=Method.choices, default=Method.FIFO)
    basis_reported = models.BooleanField(
        default=True, help_text="the broker reports basis to the IRS (Form 8949 boxes A/D; otherwise B/E)"
    )
    strategy = models.ForeignKey(
        "quant.Strategy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tax_accounts",
        help_text="lots also come from this strategy's fills",
    )
    short_term_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.37"), help_text="for harvesting"
    )
    long_term_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.20"), help_text="for harvesting"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tax:account", args=[self.pk])


class TaxTrade(models.Model):
    class Side(models.TextChoices):
        BUY = "buy", "Buy"
        SELL = "sell", "Sell"
        SPLIT = "split", "Split"

    account = models.ForeignKey(TaxAccount, on_delete=models.CASCADE, related_name="trades")
    date = models.DateField()
    symbol = models.CharField(max_length=32)
    side = models.CharField(max_length=5, choices=Side.choices)
    quantity = models.DecimalField(help_text="shares (split: new shares per old share)", **SHARES)
    price = models.DecimalField(null=True, blank=True, **AMOUNT)
    fees = models.DecimalField(default=0, **AMOUNT)
    lot_id = models.CharField(max_length=64, blank=True)
    picks = models.JSONField(default=list, blank=True, help_text="specific identification: [[lot_id, shares], ...]")
    source = models.CharField(max_length=200, help_text="import file and line, fill id, or console")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="taxtrade_quantity_positive")]
        indexes = [models.Index(fields=["account", "date"], name="taxtrade_account_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.side} {self.quantity} {self.symbol}"


class TaxLot(models.Model):
    """One open lot or one sold piece of a lot (derived; rebuilt from the account's trades)."""

    account = models.ForeignKey(TaxAccount, on_delete=models.CASCADE, related_name="lots")
    symbol = models.CharField(max_length=32)
    lot_id = models.CharField(max_length=64)
    shares = models.DecimalField(**SHARES)
    buy_date = models.DateField()
    adjusted_buy_date = models.DateField(null=True, blank=True)
    basis = models.DecimalField(**AMOUNT)
    adjusted_basis = models.DecimalField(null=True, blank=True, **AMOUNT)
    sell_date = models.DateField(null=True, blank=True)
    proceeds = models.DecimalField(null=True, blank=True, **AMOUNT)
    adjustment_code = models.CharField(max_length=2, blank=True)
    adjustment = models.DecimalField(null=True, blank=True, **AMOUNT)
    replacement_for = models.CharField(max_length=400, blank=True)
    is_replacement = models.BooleanField(default=False)
    long_term = models.BooleanField(null=True, help_text="sold lots: held more than one year")
    gain = models.DecimalField(null=True, blank=True, help_text="Form 8949 (h) for sold lots", **AMOUNT)
    source = models.CharField(max_length=200, blank=True, help_text="the trade that opened the lot")
    position = models.PositiveIntegerField(help_text="order in the rebuild")

    class Meta:
        ordering = ["account", "position"]
        indexes = [
            models.Index(fields=["account", "symbol"], name="taxlot_account_symbol"),
            models.Index(fields=["account", "sell_date"], name="taxlot_account_sold"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.shares} {self.symbol}"

    @property
    def cost(self):
        return self.basis if self.adjusted_basis is None else self.adjusted_basis

    @property
    def held_from(self):
        return self.adjusted_buy_date or self.buy_date

    @property
    def cost_per_share(self):
        return (self.cost / self.shares).quantize(Decimal("0.0001")) if self.shares else None

    @property
    def basis_added(self):
        """Disallowed wash-sale losses carried into this lot's basis."""
        return self.cost - self.basis
