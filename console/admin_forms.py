"""Forms of the admin pages: create a user, their role and per-strategy grants, API keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils import timezone

from console.models import ApiKey
from console.selectors import GRANT_PERMS
from quant.accounts.roles import ROLE_PERMISSIONS
from quant.models import Strategy

ROLE_CHOICES = [("", "no role"), *((r, r) for r in ROLE_PERMISSIONS)]
GRANT_CHOICES = [(p, p.removesuffix("_strategy")) for p in GRANT_PERMS]
DEFAULT_KEY_DAYS = 90
REASON_WIDGET = forms.TextInput(attrs={"placeholder": "why (kept in the audit log)"})


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(
        choices=[c for c in ROLE_CHOICES if c[0] != "admin"],
        required=False,
        help_text="The admin role is granted on the user's page (it needs your code).",
    )
    reason = forms.CharField(max_length=500, widget=REASON_WIDGET)


class UserAccessForm(forms.Form):
    """One role, superuser status (superusers only) and one ``grant_<strategy id>`` field per strategy."""

    role = forms.ChoiceField(choices=ROLE_CHOICES, required=False)
    is_superuser = forms.BooleanField(required=False, label="Superuser (every permission)")
    reason = forms.CharField(max_length=500, widget=REASON_WIDGET, required=False)

    def __init__(self, *args: Any, strategies: list[Strategy], can_grant_superuser: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.strategies = strategies
        if not can_grant_superuser:
            del self.fields["is_superuser"]
        for s in strategies:
            self.fields[f"grant_{s.pk}"] = forms.MultipleChoiceField(
                choices=GRANT_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, label=s.name
            )

    def grant_rows(self) -> list[tuple[Strategy, forms.BoundField]]:
        return [(s, self[f"grant_{s.pk}"]) for s in self.strategies]

    def grants(self) -> dict[int, set[str]]:
        return {s.pk: set(self.cleaned_data[f"grant_{s.pk}"]) for s in self.strategies}


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=REASON_WIDGET, error_messages={"required": "Write why."})


def _default_expiry() -> dt.date:
    return timezone.now().date() + dt.timedelta(days=DEFAULT_KEY_DAYS)


class ApiKeyCreateForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("username"))
    name = forms.CharField(max_length=50, help_text="what the key is for, e.g. 'risk dashboard'")
    scopes = forms.MultipleChoiceField(choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple)
    expires_on = forms.DateField(initial=_default_expiry, label="Expires (end of day, UTC)",
                                 widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    reason = forms.CharField(max_length=500, widget=REASON_WIDGET)

    def clean_expires_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["expires_on"]
        if value <= timezone.now().date():
            raise forms.ValidationError("Choose a date after today.")
        if value > timezone.now().date() + dt.timedelta(days=366):
            raise forms.ValidationError("At most one year ahead: issue a new key when it runs out.")
        return value
