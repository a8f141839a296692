"""The launch form: errors beside the fields, data-range checks, a valid post queues a run."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.test import Client
from django.urls import reverse

from backtests.configs import BacktestConfig, OptimizerSpec
from backtests.forms import BacktestForm
from backtests.models import BacktestRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "label": "", "signal": "momentum", "source": "synthetic", "universe": "all", "universe_top_n": 500,
    "start": "2007-01-02", "end": "2009-12-31", "rebalance": "monthly", "construction": "long_short_decile",
    "top_n": 50, "commission_bps": 1, "half_spread_bps": 5, "impact_k": 0, "priority": "normal",
}  # fmt: skip


def test_valid_form_builds_the_config() -> None:
    form = BacktestForm(VALID)
    assert form.is_valid(), form.errors
    assert form.config.signal == "momentum" and form.config.synthetic is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start": "2009-01-01", "end": "2008-01-01"}, "end", "End must be after start."),
        ({"start": "1990-01-02"}, "start", "The data starts on 2005-01-03."),
        ({"end": "2040-01-02"}, "end", "The data ends on"),
        ({"commission_bps": -2}, "commission_bps", "greater than or equal to 0"),
        ({"half_spread_bps": 5000}, "half_spread_bps", "less than or equal to 1000"),
        ({"rebalance": "hourly"}, "rebalance", "Select a valid choice"),
    ],
)
def test_invalid_input_is_reported_beside_the_field(changes: dict, field: str, message: str) -> None:
    form = BacktestForm({**VALID, **changes})
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors


@pytest.mark.parametrize("signal", ["value", "quality", "sue"])
def test_a_signal_reading_fundamentals_is_refused_on_the_synthetic_panel(signal: str) -> None:
    form = BacktestForm({**VALID, "signal": signal, "source": "synthetic"})
    assert not form.is_valid() and "the synthetic panel has no fundamentals" in form.errors["signal"][0]
    assert "compustat" in form.errors["signal"][0]


def test_the_signal_choices_are_the_research_library_and_the_market() -> None:
    from research.analytics.signals import SIGNALS

    choices = dict(BacktestForm().fields["signal"].choices)
    assert list(choices) == [*SIGNALS, "market"]
    assert "252-session" in choices["lowvol"] and choices["value"].endswith("(warehouse only)")
    assert not {"low_vol", "momentum_12_1", "reversal_1m"} & set(choices)  # old names only resolve, never offered


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


# --- Optimizer settings -------------------------------------------------------------------------
# Defaults as the page pre-fills them; percent of NAV for the cap and the turnover.
OPTIMIZER = {"use_optimizer": "on", "optimizer_objective": "min_variance", "optimizer_risk_aversion": "1.00",
             "optimizer_max_weight": "5.00", "optimizer_turnover": ""}  # fmt: skip
# A warehouse run inside the demo data, after the first risk model (risk_models fixture).
WAREHOUSE = {**VALID, "source": "warehouse", "start": "2024-07-01", "end": "2024-12-31"}


@pytest.fixture
def risk_data(risk_models, settings):  # noqa: ANN001, ANN201
    dirs, runs = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    return runs


def test_optimizer_settings_are_ignored_while_the_box_is_off() -> None:
    junk = {"optimizer_objective": "max_sharpe", "optimizer_max_weight": "-3", "optimizer_turnover": "lots"}
    form = BacktestForm({**VALID, **junk})
    assert form.is_valid(), form.errors
    assert form.config.optimizer is None
    assert form.config.hash() == _valid_config().hash()  # unchanged: no optimizer key in the hash


def test_the_settings_are_not_offered_without_a_risk_model() -> None:
    form = BacktestForm({**VALID, **OPTIMIZER, "optimizer_max_weight": "-3"})  # a disabled box ignores "on"
    assert form.is_valid(), form.errors
    assert form.config.optimizer is None
    client = Client()
    client.force_login(UserFactory(role="researcher"))
    html = client.get(reverse("backtests:new")).content.decode()
    assert 'name="use_optimizer"' in html and "disabled" in html.split('name="use_optimizer"')[1].split(">")[0]
    assert 'id="backtests-optimizer-settings"' not in html and 'name="optimizer_max_weight"' not in html


@pytest.mark.parametrize(
    ("settings_posted", "expected"),
    [
        ({}, OptimizerSpec()),  # the pre-filled values are exactly the old checkbox's defaults
        (
            {"optimizer_objective": "mean_variance", "optimizer_risk_aversion": "0.5", "optimizer_max_weight": "2.5",
             "optimizer_turnover": "60"},
            OptimizerSpec(objective="mean_variance", risk_aversion=0.5, max_weight=0.025, turnover=0.6),
        ),
        # λ means nothing to minimum variance: it stays at the default (same hash as the first case).
        ({"optimizer_risk_aversion": "7", "optimizer_max_weight": "3.3"}, OptimizerSpec(max_weight=0.033)),
        # Percent to fraction in decimal: 1.1 % is 0.011 as typed, not 1.1 / 100 = 0.011000000000000001.
        ({"optimizer_max_weight": "1.1", "optimizer_turnover": "28.3"}, OptimizerSpec(max_weight=0.011, turnover=0.283)),  # noqa: E501
        ({"optimizer_max_weight": "100", "optimizer_turnover": "200"}, OptimizerSpec(max_weight=1.0, turnover=2.0)),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_the_form_builds_the_optimizer_spec(risk_data, settings_posted: dict, expected: OptimizerSpec) -> None:  # noqa: ANN001
    form = BacktestForm({**WAREHOUSE, **OPTIMIZER, **settings_posted})
    assert form.is_valid(), form.errors
    assert form.config.optimizer == expected
    assert form.config.as_json_dict()["optimizer"] == {
        "objective": expected.objective, "risk_aversion": expected.risk_aversion,
        "max_weight": expected.max_weight, "turnover": expected.turnover,
    }  # fmt: skip
    again = BacktestConfig.from_json_dict(form.config.as_json_dict())
    assert again == form.config and again.hash() == form.config.hash()


@pytest.mark.django_db
def test_identical_settings_give_the_same_config_hash(risk_data) -> None:  # noqa: ANN001
    def config_hash(**posted: str) -> str:
        form = BacktestForm({**WAREHOUSE, **OPTIMIZER, **posted})
        assert form.is_valid(), form.errors
        return form.config.hash()

    defaults = config_hash()
    assert defaults == replace(_valid_config(WAREHOUSE), optimizer=OptimizerSpec()).hash()  # as the old checkbox
    assert config_hash(optimizer_max_weight="5") == defaults  # 5 and 5.00 are the same setting
    assert config_hash(optimizer_risk_aversion="3") == defaults  # ignored by minimum variance
    assert config_hash(optimizer_max_weight="4") != defaults
    mv = config_hash(optimizer_objective="mean_variance", optimizer_risk_aversion="2")
    assert mv == config_hash(optimizer_objective="mean_variance", optimizer_risk_aversion="2.0")
    assert mv != config_hash(optimizer_objective="mean_variance", optimizer_risk_aversion="3")


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"optimizer_max_weight": "0"}, "optimizer_max_weight", "greater than or equal to 0.01"),
        ({"optimizer_max_weight": "150"}, "optimizer_max_weight", "less than or equal to 100"),
        ({"optimizer_max_weight": "1.234"}, "optimizer_max_weight", "no more than 2 decimal places"),
        ({"optimizer_max_weight": ""}, "optimizer_max_weight", "Required when the optimizer is on."),
        ({"optimizer_turnover": "250"}, "optimizer_turnover", "less than or equal to 200"),
        ({"optimizer_turnover": "0"}, "optimizer_turnover", "greater than or equal to 0.01"),
        ({"optimizer_objective": "max_sharpe"}, "optimizer_objective", "Select a valid choice"),
        ({"optimizer_objective": ""}, "optimizer_objective", "Required when the optimizer is on."),
        ({"optimizer_objective": "mean_variance", "optimizer_risk_aversion": ""}, "optimizer_risk_aversion",
         "Required when the optimizer is on."),
        ({"optimizer_objective": "mean_variance", "optimizer_risk_aversion": "0"}, "optimizer_risk_aversion",
         "greater than or equal to 0.01"),
        ({"optimizer_risk_aversion": "5000"}, "optimizer_risk_aversion", "less than or equal to 1000"),
        # 30 names at 2 % each hold 60 % of NAV: the long-only book cannot be fully invested.
        ({"universe": "top_cap", "universe_top_n": 30, "optimizer_max_weight": "2"}, "optimizer_max_weight",
         "2 % per name invests at most 60 % of NAV in a 30-name universe; use at least 3.34 % to be fully invested."),
        ({"universe": "top_cap", "universe_top_n": 30, "optimizer_max_weight": "3.33"}, "optimizer_max_weight",
         "at most 99.9 % of NAV"),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_bad_optimizer_settings_are_reported_beside_them(risk_data, posted: dict, field: str, message: str) -> None:  # noqa: ANN001
    form = BacktestForm({**WAREHOUSE, **OPTIMIZER, **posted})
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors
    assert not hasattr(form, "config")


@pytest.mark.django_db
def test_the_smallest_cap_that_fills_a_top_n_universe_is_accepted(risk_data) -> None:  # noqa: ANN001
    form = BacktestForm({**WAREHOUSE, **OPTIMIZER, "universe": "top_cap", "universe_top_n": 30,
                         "optimizer_max_weight": "3.34"})  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.config.optimizer == OptimizerSpec(max_weight=0.0334) and form.config.universe_top_n == 30


@pytest.mark.django_db
def test_the_page_shows_the_settings_and_the_run_page_shows_them_back(risk_data) -> None:  # noqa: ANN001
    client = Client()
    client.force_login(UserFactory(role="researcher"))
    html = client.get(reverse("backtests:new")).content.decode()
    assert 'id="backtests-optimizer-settings" class="bt-subfields" data-bt-shown-by="id_use_optimizer"' in html
    labels = {"optimizer_objective": "Objective", "optimizer_risk_aversion": "Risk aversion λ (mean-variance only)",
              "optimizer_max_weight": "Max weight per name (% of NAV)",
              "optimizer_turnover": "Turnover cap per rebalance (% of NAV, optional)"}  # fmt: skip
    for name, label in labels.items():
        assert f'name="{name}"' in html and f'<label for="id_{name}">{label}</label>' in html
    assert 'name="optimizer_max_weight" value="5.00"' in html and "backtests/backtests.js" in html
    posted = {**WAREHOUSE, **OPTIMIZER, "optimizer_objective": "mean_variance", "optimizer_risk_aversion": "0.5",
              "optimizer_max_weight": "2.5", "optimizer_turnover": "60"}  # fmt: skip
    bad = client.post(reverse("backtests:new"), {**posted, "optimizer_turnover": "250"}, headers={"HX-Request": "true"})
    fragment = bad.content.decode()
    assert fragment.lstrip().startswith('<form id="backtests-form"') and 'id="id_optimizer_turnover-error"' in fragment
    assert 'name="optimizer_max_weight" value="2.5"' in fragment  # the PM's values survive the round trip
    good = client.post(reverse("backtests:new"), posted)
    run = BacktestRun.objects.get()
    assert good.status_code == 302 and run.config["optimizer"] == {
        "objective": "mean_variance", "risk_aversion": 0.5, "max_weight": 0.025, "turnover": 0.6}  # fmt: skip
    assert client.post(reverse("backtests:new"), posted)["Location"] == good["Location"]  # idempotent
    detail = client.get(good["Location"]).content.decode()
    assert ("Mean-variance (risk aversion λ = 0.5), max 2.5 % of NAV per name, "
            "turnover ≤ 60 % of NAV per rebalance") in detail  # fmt: skip


@pytest.mark.django_db
def test_the_walk_forward_form_shares_the_optimizer_settings(risk_data) -> None:  # noqa: ANN001
    from backtests.forms import WalkForwardForm

    posted = {**WAREHOUSE, **OPTIMIZER, "candidate_signals": ["momentum", "lowvol"], "train_months": 3,
              "test_months": 1, "optimizer_max_weight": "4", "optimizer_turnover": "50"}  # fmt: skip
    form = WalkForwardForm(posted)
    assert form.is_valid(), form.errors
    expected = OptimizerSpec(max_weight=0.04, turnover=0.5)
    assert [c.optimizer for c in form.spec.candidate_configs()] == [expected, expected]
    assert [c.signal for c in form.spec.candidate_configs()] == ["momentum", "lowvol"]
    plain = WalkForwardForm({k: v for k, v in posted.items() if k != "use_optimizer"})
    assert plain.is_valid(), plain.errors
    assert plain.spec.base.optimizer is None
    client = Client()
    client.force_login(UserFactory(role="researcher"))
    html = client.get(reverse("backtests:walkforward_new")).content.decode()
    assert 'id="backtests-optimizer-settings"' in html and 'name="optimizer_turnover"' in html
    bad = WalkForwardForm({**posted, "optimizer_max_weight": "0"})
    assert not bad.is_valid() and "optimizer_max_weight" in bad.errors


def _valid_config(data: dict | None = None) -> BacktestConfig:
    form = BacktestForm(data or VALID)
    assert form.is_valid(), form.errors
    return form.config


def test_an_empty_warehouse_defaults_the_form_to_the_synthetic_panel_and_says_the_ranges(settings, tmp_path) -> None:
    from backtests.configs import SyntheticSpec
    from backtests.data import data_range

    settings.WAREHOUSE_DIR = tmp_path / "empty-warehouse"
    synthetic = data_range("synthetic", SyntheticSpec())
    form = BacktestForm()
    assert form.initial["source"] == "synthetic" and form.initial["end"] == synthetic.last
    assert form.initial["start"] == synthetic.first + dt.timedelta(days=400)  # a year of look-back first
    help_text = form.fields["source"].help_text
    assert "Warehouse: empty" in help_text and f"{synthetic.first:%Y-%m-%d} – {synthetic.last:%Y-%m-%d}" in help_text
    assert form.fields["start"].widget.attrs["min"] == f"{synthetic.first:%Y-%m-%d}"


def test_the_launch_page_defaults_to_the_last_five_years_of_the_warehouse(client, settings, tmp_path) -> None:
    from warehouse.services import warehouse_sync_demo

    settings.WAREHOUSE_DIR, settings.LOCKS_DIR = tmp_path / "warehouse", tmp_path / "locks"
    warehouse_sync_demo(stocks=50, years=8, seed=3, writer="test")
    from backtests.data import data_range

    have = data_range("warehouse")
    client.force_login(UserFactory(role="researcher"))
    html = client.get(reverse("backtests:new")).content.decode()
    five_back = have.last - dt.timedelta(days=round(365.25 * 5))
    assert f'name="start" value="{five_back:%Y-%m-%d}"' in html and f'name="end" value="{have.last:%Y-%m-%d}"' in html
    assert f"point-in-time CRSP, {have.first:%Y-%m-%d} – {have.last:%Y-%m-%d}" in html
    assert f'min="{have.first:%Y-%m-%d}"' in html and f'max="{have.last:%Y-%m-%d}"' in html
    assert '<option value="warehouse" selected>Warehouse (CRSP)</option>' in html
