"""Forms of the alert and report pages (validation only; the services write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from alerts.models import Alert, AlertRule, Channel
from alerts.models_reports import ReportSchedule, ReportTemplate
from alerts.secrets import encrypt


class RuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ["name", "kind", "threshold", "strategy", "severity", "channels", "cooldown_minutes", "enabled"]
        widgets = {"channels": forms.CheckboxSelectMultiple}
        help_texts = {"threshold": "drawdown / daily loss / weight in %, gross in × equity, stale in h, p95 in ms, "
                                   "bias: half-width of the band around 1 (empty: the 95 % band)"}  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, threshold = data.get("kind"), data.get("threshold")
        needs = kind in AlertRule.UNITS and kind != "risk_bias"
        if needs and threshold is None:
            self.add_error("threshold", f"A {AlertRule.Kind(kind).label.lower()} rule needs a threshold.")
        if threshold is not None and threshold < 0:
            self.add_error("threshold", "Thresholds are positive sizes (a 10 % drawdown is 10).")
        if data.get("strategy") and kind not in AlertRule.STRATEGY_KINDS:
            self.add_error("strategy", "Only strategy rules (drawdown, loss, weight, exposure) take a strategy.")
        return data


class ChannelForm(forms.ModelForm):
    """The secret is write-only: left empty on edit it keeps the stored one."""

    secret_value = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        label="Secret",
        help_text="SMTP password, Slack webhook URL or Twilio auth token; never shown again",
    )
    host = forms.CharField(required=False, help_text="SMTP host (empty: the platform's EMAIL_* settings)")
    port = forms.IntegerField(required=False, min_value=1, max_value=65535)
    username = forms.CharField(required=False)
    use_tls = forms.BooleanField(required=False, label="STARTTLS")
    sender = forms.CharField(required=False, label="From", help_text="sender address or Twilio number")
    account_sid = forms.CharField(required=False, label="Twilio account SID")
    api_base = forms.URLField(
        required=False, assume_scheme="https", label="Twilio API base", help_text="empty: api.twilio.com"
    )
    CONFIG = ("host", "port", "username", "use_tls", "account_sid", "api_base")

    class Meta:
        model = Channel
        fields = ["name", "kind", "target", "secret_env", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cfg = self.instance.config if self.instance.pk else {}
        for key in self.CONFIG:
            self.fields[key].initial = cfg.get(key)
        self.fields["sender"].initial = cfg.get("from")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind == Channel.Kind.SMS and not (data.get("account_sid") and data.get("sender")):
            self.add_error("account_sid", "An SMS channel needs the Twilio account SID and a sender number.")
        if kind in (Channel.Kind.EMAIL, Channel.Kind.SMS) and not data.get("target"):
            self.add_error("target", "Give at least one recipient.")
        has_secret = data.get("secret_value") or data.get("secret_env") or self.instance.secret
        if kind == Channel.Kind.SLACK and not has_secret:
            self.add_error("secret_value", "A Slack channel needs its webhook URL (or the variable that holds it).")
        return data

    def save(self, commit: bool = True) -> Channel:
        channel = super().save(commit=False)
        config = {
            key: self.cleaned_data.get(key) for key in self.CONFIG if self.cleaned_data.get(key) not in (None, "")
        }
        if self.cleaned_data.get("sender"):
            config["from"] = self.cleaned_data["sender"]
        channel.config = config
        if self.cleaned_data.get("secret_value"):
            channel.secret = encrypt(self.cleaned_data["secret_value"])
        if commit:
            channel.save()
        return channel


class AckForm(forms.Form):
    note = forms.CharField(max_length=1000, widget=forms.TextInput(attrs={"placeholder": "what you did or why"}))


class HistoryFilter(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "any status"), *Alert.Status.choices])
    severity = forms.ChoiceField(required=False, choices=[("", "any severity"), *AlertRule.Severity.choices])
    rule = forms.ModelChoiceField(required=False, queryset=AlertRule.objects.all(), empty_label="any rule")


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = ReportSchedule
        fields = ["name", "template", "minute", "hour", "day_of_week", "day_of_month", "timezone", "recipients",
                  "channel", "enabled"]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = Channel.objects.filter(kind=Channel.Kind.EMAIL)


class RunNowForm(forms.Form):
    template = forms.ChoiceField(choices=ReportTemplate.choices)
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="last day the report covers")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["end"].initial = timezone.localdate() - dt.timedelta(days=1)
