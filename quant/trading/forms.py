"""Forms of the operations pages: reasons, position adjustments, the trading configuration."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from quant.trading.config import ConfigInvalid, TradingSettings

WEEKDAYS = [(str(i), name) for i, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))]


class ReasonForm(forms.Form):
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reason = forms.CharField(max_length=500, error_messages={"required": "Write why you are doing this."})


class SymbolForm(forms.Form):
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    symbol = forms.CharField(max_length=32)


class AdjustForm(SymbolForm):
    quantity = forms.DecimalField(label="Quantity (shares, signed)", max_digits=24, decimal_places=8)
    cost_basis = forms.DecimalField(label="Cost basis ($, signed)", max_digits=24, decimal_places=8)


class TradingConfigForm(forms.Form):
    market_open = forms.TimeField(label="Market opens (local)")
    market_close = forms.TimeField(label="Market closes (local)")
    timezone = forms.CharField(max_length=64)
    trading_days = forms.MultipleChoiceField(choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple)
    holidays = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="closed days, one YYYY-MM-DD per line")  # fmt: skip
    max_daily_loss_pct = forms.FloatField(label="Max daily loss (%, 0 = off)")
    max_drawdown_pct = forms.FloatField(label="Max drawdown (%, 0 = off)")
    reject_storm_count = forms.IntegerField(label="Reject storm: rejects")
    reject_storm_minutes = forms.IntegerField(label="Reject storm: within (min)")
    stale_data_days = forms.IntegerField(label="Stale data after (days, 0 = off)")
    max_order_shares = forms.DecimalField(label="Max order size (shares)", max_digits=24, decimal_places=8)
    max_order_value = forms.DecimalField(label="Max order value ($)", max_digits=24, decimal_places=2)
    commission_bps = forms.DecimalField(label="Default commission (bps)", max_digits=10, decimal_places=4)
    slippage_bps = forms.DecimalField(label="Default slippage (bps)", max_digits=10, decimal_places=4)

    @classmethod
    def initial_from(cls, settings: TradingSettings) -> dict[str, Any]:
        data = settings.as_json()
        data["holidays"] = "\n".join(data["holidays"])
        data["trading_days"] = [str(d) for d in data["trading_days"]]
        return data

    def clean_holidays(self) -> list[str]:
        out = []
        for line in str(self.cleaned_data.get("holidays") or "").split():
            try:
                out.append(dt.date.fromisoformat(line.strip()).isoformat())
            except ValueError:
                raise forms.ValidationError(f"{line!r} is not a date (YYYY-MM-DD)") from None
        return out

    def settings(self) -> TradingSettings:
        """The validated configuration (call after ``is_valid``)."""
        return self.cleaned_data["_settings"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        data = {k: v for k, v in cleaned.items() if not k.startswith("_")}
        data["market_open"], data["market_close"] = data["market_open"].isoformat(), data["market_close"].isoformat()
        try:
            cleaned["_settings"] = TradingSettings.from_json(data).validate()
        except ConfigInvalid as exc:
            name, _, message = str(exc).partition(": ")
            self.add_error(name if name in self.fields else None, message or str(exc))
        return cleaned
