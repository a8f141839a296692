"""Forms of the tax pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV: date,symbol,side,quantity,price[,fees,lot_id,picks] — see docs/tax.md")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 20 MB.")
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


class SaleForm(forms.Form):
    date = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    symbol = forms.CharField(max_length=32)
    quantity = forms.DecimalField(min_value=Decimal("0.000001"), max_digits=20, decimal_places=6, required=False,
                                  help_text="shares; leave blank when you pick lots below")  # fmt: skip
    price = forms.DecimalField(min_value=Decimal(0), max_digits=20, decimal_places=4, help_text="$ per share")
    fees = forms.DecimalField(min_value=Decimal(0), max_digits=20, decimal_places=4, initial=0, help_text="$")

    def __init__(self, *args, lot_ids: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lot_ids = lot_ids or []

    def clean(self):
        data = super().clean()
        picks = []
        for lot_id in self.lot_ids:
            raw = (self.data.get(f"pick:{lot_id}") or "").strip()
            if not raw:
                continue
            try:
                shares = Decimal(raw)
            except ArithmeticError:
                raise forms.ValidationError(f"Lot {lot_id}: {raw!r} is not a number of shares.") from None
            if not shares.is_finite() or shares <= 0:
                raise forms.ValidationError(f"Lot {lot_id}: shares must be > 0.")
            picks.append((lot_id, shares))
        data["picks"] = picks
        if picks:
            total = sum(s for _, s in picks)
            if data.get("quantity") not in (None, total):
                raise forms.ValidationError(f"The picked lots add up to {total} shares, not {data['quantity']}.")
            data["quantity"] = total
        elif not data.get("quantity"):
            raise forms.ValidationError("Give a quantity or pick lots (specific identification).")
        return data
