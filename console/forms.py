"""Forms of the console's own pages."""

from __future__ import annotations

from django import forms

from quant.jobs.kinds import kinds
from quant.models import Job
from quant.selectors import JobFilter


class JobFilterForm(forms.Form):
    """The Jobs page filters: kind, status, requester (all optional)."""

    kind = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "any status"), *Job.Status.choices])
    user = forms.CharField(required=False, max_length=150, label="Requested by")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["kind"].choices = [("", "any kind"), *((k.name, k.label) for k in kinds())]  # type: ignore[attr-defined]

    def to_filter(self) -> JobFilter:
        if not self.is_bound or not self.is_valid():
            return JobFilter()
        data = self.cleaned_data
        return JobFilter(kind=data["kind"], status=data["status"], username=data["user"].strip())
