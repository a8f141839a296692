from __future__ import annotations

import re

from django import forms

from quant.models import AccessLog
from quant.selectors import AccessLogFilter


class OTPTokenForm(forms.Form):
    otp_token = forms.CharField(
        label="Authenticator code or backup code",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


OBJECT_HELP = "Write the object as the table shows it: 'auth.user #12', 'auth.user' or '#12'."
OBJECT_PATTERN = re.compile(r"(?P<type>[\w.]+)?\s*(?:#\s*(?P<id>[\w.:-]+))?")


class AccessLogFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User")
    action = forms.ChoiceField(required=False, choices=[("", "any"), *AccessLog.Action.choices])
    name = forms.CharField(
        required=False, max_length=120, label="Name contains",
        widget=forms.TextInput(attrs={"placeholder": "e.g. strategy.halt"}),
    )  # fmt: skip
    object = forms.CharField(
        required=False, max_length=170, label="Object",
        widget=forms.TextInput(attrs={"placeholder": "auth.user #12, auth.user or #12"}),
    )  # fmt: skip
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_object(self) -> tuple[str, str]:
        """As the table shows an object: 'type #id', 'type' or '#id' -> (type, id)."""
        match = OBJECT_PATTERN.fullmatch(self.cleaned_data["object"].strip())
        if match is None:
            raise forms.ValidationError(OBJECT_HELP)
        return match["type"] or "", match["id"] or ""

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
            name=data["name"].strip(),
            object_type=data["object"][0],
            object_id=data["object"][1],
        )
