"""A run page says what was run and relaunches with changes; list and Compare show signal, period, kind."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backtests.configs import OptimizerSpec
from backtests.forms import initial_from_run
from backtests.templatetags.backtests_format import config_rows
from tests.backtests.factories import finished_run, queued_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _client(role: str = "researcher") -> tuple[Client, object]:
    user = UserFactory(role=role)
    client = Client()
    client.force_login(user)
    return client, user


def test_run_page_states_the_config_with_units_and_links_to_its_diagnostics() -> None:
    client, user = _client()
    run = finished_run(user, signal="low_vol", rebalance="weekly", commission_bps=2.5, half_spread_bps=7.0,
                       impact_k=0.1, construction="long_only_top_n", top_n=20)  # fmt: skip
    page = client.get(reverse("backtests:detail", args=[run.pk])).content.decode()
    assert 'id="backtests-config"' in page and "What was run" in page
    expected = ("lowvol", "Long-only top 20", "Weekly", "2006-03-01 to 2008-02-29",
                "commission 2.5 bps + half spread 7 bps of traded value; impact k = 0.1",
                "Synthetic test panel (60 stocks × 800 days, seed 11)", "<dt>Optimizer</dt><dd>none</dd>")  # fmt: skip
    for text in expected:
        assert text in page, text
    for name in ("attribution", "montecarlo", "relative"):
        assert f'href="{reverse(f"backtests:{name}", args=[run.pk])}"' in page
    assert f'href="{reverse("backtests:new")}?from={run.pk}"' in page and "Launch again with changes" in page


def test_launch_again_prefills_the_form_from_the_run_config_in_form_units() -> None:
    client, user = _client()
    run = queued_run(user, signal="reversal", rebalance="quarterly", commission_bps=3.0, universe_top_n=40,
                     universe="top_cap")  # fmt: skip
    initial = initial_from_run(run)
    assert initial["signal"] == "reversal" and initial["rebalance"] == "quarterly"
    assert initial["commission_bps"] == 3.0 and initial["universe"] == "top_cap" and initial["universe_top_n"] == 40
    assert initial["start"] == "2006-03-01" and initial["label"].endswith(f"(from #{run.pk})")
    page = client.get(reverse("backtests:new"), {"from": run.pk}).content.decode()
    assert '<option value="reversal" selected>' in page and 'value="2006-03-01"' in page
    assert '<option value="quarterly" selected>' in page and 'name="commission_bps" value="3.0"' in page
    assert client.get(reverse("backtests:new"), {"from": 999999}).status_code == 404
    # optimizer settings come back in the form's percent units
    run.config = {**run.config, "optimizer": {"objective": "mean_variance", "risk_aversion": 2.0,
                                              "max_weight": 0.05, "turnover": 0.3}}  # fmt: skip
    opt = initial_from_run(run)
    assert opt["use_optimizer"] and opt["optimizer_max_weight"] == 5 and opt["optimizer_turnover"] == 30
    assert dict(config_rows(run.config))["Optimizer"].startswith("Mean-variance (risk aversion λ = 2)")
    assert OptimizerSpec().max_weight == 0.05


def test_runs_list_and_compare_show_signal_period_and_kind() -> None:
    client, user = _client("viewer")
    a, b = finished_run(user), finished_run(user, signal="size")
    listing = client.get(reverse("backtests:list"), headers=HX).content.decode()
    assert "<th>Signal</th><th>Period</th><th>Kind</th>" in listing
    assert "<td>size</td>" in listing and "2006-03-01 – 2008-02-29" in listing and "<td>Single</td>" in listing
    compare = client.get(reverse("backtests:compare"), {"ids": [a.pk, b.pk]}).content.decode()
    assert '<td>Signal · kind</td><td class="num">momentum · Single</td><td class="num">size · Single</td>' in compare
    assert "<td>Period</td>" in compare and "1.0 + 5.0" in compare
