from __future__ import annotations

from django import forms

from quant.models import AccessLog
from quant.selectors import AccessLogFilter


class OTPTokenForm(forms.Form):
    otp_token = forms.CharField(
        label="Authenticator code or backup code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


class AccessLogFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User")
    action = forms.ChoiceField(required=False, choices=[("", "any"), *AccessLog.Action.choices])
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("'From' must not be after 'To'.")
        return data

    def to_filter(self) -> AccessLogFilter:
        """The validated filter (no filter at all when the form is invalid or empty)."""
        if not self.is_bound or not self.is_valid():
            return AccessLogFilter()
        data = self.cleaned_data
        return AccessLogFilter(
            username=data["user"].strip(),
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
