"""The launch form: errors beside the fields, data-range checks, a valid post queues a run."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backtests.forms import BacktestForm
from backtests.models import BacktestRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "label": "", "signal": "momentum_12_1", "source": "synthetic", "universe": "all", "universe_top_n": 500,
    "start": "2007-01-02", "end": "2009-12-31", "rebalance": "monthly", "construction": "long_short_decile",
    "top_n": 50, "commission_bps": 1, "half_spread_bps": 5, "impact_k": 0, "priority": "normal",
}  # fmt: skip


def test_valid_form_builds_the_config() -> None:
    form = BacktestForm(VALID)
    assert form.is_valid(), form.errors
    assert form.config.signal == "momentum_12_1" and form.config.synthetic is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start": "2009-01-01", "end": "2008-01-01"}, "end", "End must be after start."),
        ({"start": "1990-01-02"}, "start", "The data starts on 2005-01-03."),
        ({"end": "2040-01-02"}, "end", "The data ends on"),
        ({"commission_bps": -2}, "commission_bps", "greater than or equal to 0"),
        ({"half_spread_bps": 5000}, "half_spread_bps", "less than or equal to 1000"),
        ({"signal": "value", "source": "warehouse"}, "signal", "needs fundamentals"),
        ({"rebalance": "hourly"}, "rebalance", "Select a valid choice"),
    ],
)
def test_invalid_input_is_reported_beside_the_field(changes: dict, field: str, message: str) -> None:
    form = BacktestForm({**VALID, **changes})
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors


def test_warehouse_source_without_data_names_the_command() -> None:
    form = BacktestForm({**VALID, "source": "warehouse"})
    assert not form.is_valid()
    assert "warehouse_sync --source demo" in form.non_field_errors()[0]


def test_optimizer_is_disabled_until_a_risk_model_exists() -> None:
    field = BacktestForm().fields["use_optimizer"]
    assert field.disabled and "python manage.py risk_build --as-of" in field.help_text


def test_post_renders_errors_in_the_fragment_and_valid_post_redirects() -> None:
    client = Client()
    client.force_login(UserFactory(role="researcher"))
    bad = client.post(reverse("backtests:new"), {**VALID, "commission_bps": -1}, headers={"HX-Request": "true"})
    html = bad.content.decode()
    assert bad.status_code == 200 and html.lstrip().startswith('<form id="backtests-form"')  # htmx swaps 2xx only
    plain = client.post(reverse("backtests:new"), {**VALID, "commission_bps": -1})
    assert plain.status_code == 400 and "<html" in plain.content.decode()
    assert 'id="id_commission_bps-error"' in html
    good = client.post(reverse("backtests:new"), VALID)
    run = BacktestRun.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse("backtests:detail", args=[run.pk])
    again = client.post(reverse("backtests:new"), VALID)  # idempotent: same run
    assert again["Location"] == good["Location"] and BacktestRun.objects.count() == 1
    htmx = client.post(reverse("backtests:new"), VALID, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == good["Location"]


def test_date_errors_show_together_with_other_field_errors() -> None:
    form = BacktestForm({**VALID, "start": "2009-01-01", "end": "2008-01-01", "commission_bps": -1})
    assert not form.is_valid()
    assert form.errors["end"] == ["End must be after start."] and "commission_bps" in form.errors


def test_strategy_choices_are_limited_to_what_the_user_may_see() -> None:
    from tests.factories import StrategyFactory

    owner, stranger = UserFactory(role="researcher"), UserFactory(role="researcher")
    mine = StrategyFactory(owner=owner)
    assert list(BacktestForm(user=owner).fields["strategy"].queryset) == [mine]
    assert list(BacktestForm(user=stranger).fields["strategy"].queryset) == []
    form = BacktestForm({**VALID, "strategy": mine.pk}, user=stranger)
    assert not form.is_valid() and "strategy" in form.errors
    client = Client()
    client.force_login(owner)
    client.post(reverse("backtests:new"), {**VALID, "strategy": mine.pk})
    assert BacktestRun.objects.get().strategy == mine
