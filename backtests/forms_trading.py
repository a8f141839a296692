"""Forms of the strategy pages: trade journal filters and notes, the comparison's window."""

from __future__ import annotations

from django import forms

from backtests.analytics.blend import ROLLING_METRICS
from backtests.journal import JournalFilter
from backtests.services.journal import MAX_NOTE, MAX_TAGS

ROLLING_WINDOWS = [(21, "1 month (21 sessions)"), (63, "3 months (63)"), (126, "6 months (126)"), (252, "1 year (252)")]


class JournalFilterForm(forms.Form):
    strategy = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    symbol = forms.CharField(required=False, max_length=32)
    side = forms.ChoiceField(choices=[("", "Long and short"), ("long", "Long"), ("short", "Short")], required=False)
    date_from = forms.DateField(required=False, label="Exit from", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="Exit to", widget=forms.DateInput(attrs={"type": "date"}))
    tag = forms.CharField(required=False, max_length=40)
    outcome = forms.ChoiceField(
        choices=[("", "Winners and losers"), ("winners", "Winners"), ("losers", "Losers")], required=False
    )

    def __init__(self, *args: object, strategies: dict[int, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["strategy"].choices = [("", "All strategies"), *strategies.items()]  # type: ignore[attr-defined]

    def to_filter(self) -> JournalFilter:
        """The filter of the valid fields (an invalid field is shown with its error and ignored)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return JournalFilter(
            strategy_id=data.get("strategy"), symbol=(data.get("symbol") or "").strip(), side=data.get("side") or "",
            date_from=data.get("date_from"), date_to=data.get("date_to"), tag=(data.get("tag") or "").strip(),
            outcome=data.get("outcome") or "",
        )  # fmt: skip


class TradeNoteForm(forms.Form):
    tags = forms.CharField(required=False, max_length=MAX_TAGS, help_text="comma-separated, e.g. earnings, gap")
    note = forms.CharField(required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2}))


class CompareWindowForm(forms.Form):
    window = forms.TypedChoiceField(coerce=int, choices=ROLLING_WINDOWS, initial=63, required=False, empty_value=63)
    metric = forms.ChoiceField(choices=[(m, m.capitalize()) for m in ROLLING_METRICS], initial="sharpe", required=False)
