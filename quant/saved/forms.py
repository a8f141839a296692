"""The filter of the "My saved results" list."""

from __future__ import annotations

from django import forms

from quant.models import SavedResult


class SavedResultFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "all kinds"), *SavedResult.Kind.choices], required=False)
    everyone = forms.BooleanField(required=False, label="Every user's results")

    def __init__(self, *args: object, may_see_all: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not may_see_all:
            del self.fields["everyone"]

    def cleaned(self) -> tuple[str, bool]:
        """(kind, everyone) of a valid form; ("", False) otherwise."""
        if not self.is_valid():
            return "", False
        return self.cleaned_data.get("kind", ""), bool(self.cleaned_data.get("everyone"))
