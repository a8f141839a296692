"""Every URL that htmx loads also works as a full page opened in a new tab.

The URLs are discovered, not listed: every ``hx-get="{% url 'name' ... %}"`` in the templates.
Each is requested the way a browser opens a link in a new tab (no ``HX-Request`` header) and
must answer 200 with a whole HTML document in the base layout. A new ``hx-get`` target without
a sample below fails the test until it gets one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.backtests.conftest import risk_models  # noqa: F401 (fixture)
from tests.backtests.factories import finished_run
from tests.factories import StrategyFactory, UserFactory
from tests.support.trading_history import fill
from tests.warehouse.explorer.factories import data_export_for
from warehouse.syncs.records import sync_job_create

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HX_GET_URL = re.compile(r"""hx-get="\{%\s*url\s+'([\w:-]+)'""")


def discovered_htmx_url_names() -> set[str]:
    names: set[str] = set()
    for root in settings.TEMPLATES[0]["DIRS"]:
        for template in Path(root).rglob("*.html"):
            names.update(HX_GET_URL.findall(template.read_text()))
    return names


def test_discovery_finds_the_fragments_of_every_app():
    names = discovered_htmx_url_names()
    assert {"risk:exposure_drill", "backtests:montecarlo", "research:correlation", "console:jobs"} <= names


def _order_of(fill_id: int) -> tuple[int, int]:
    from quant.models import Fill

    f = Fill.objects.get(pk=fill_id)
    return f.strategy_id, f.order_id


def _samples(run, portfolio, day, trip=(0, 0)) -> dict[str, Callable[[], str]]:
    """How to build a concrete URL for each htmx target (name -> URL)."""
    drill = f"?portfolio={portfolio.pk}&factor=size&date={day.isoformat()}"
    return {
        "alerts:history": lambda: reverse("alerts:history") + "?status=open",
        "backtests:journal": lambda: reverse("backtests:journal"),
        "backtests:trade_note": lambda: reverse("backtests:trade_note", args=list(trip)) + "?edit=1",
        "research:taq": lambda: reverse("research:taq"),
        "backtests:compare": lambda: reverse("backtests:compare") + f"?ids={run.pk}",
        "backtests:execution": lambda: reverse("backtests:execution", args=[_order_of(trip[0])[0]]),
        "backtests:execution_order": lambda: reverse("backtests:execution_order", args=list(_order_of(trip[0]))),
        "research:event_study": lambda: reverse("research:event_study"),
        "backtests:list": lambda: reverse("backtests:list"),
        "backtests:montecarlo": lambda: reverse("backtests:montecarlo", args=[run.pk]),
        "backtests:relative": lambda: reverse("backtests:relative", args=[run.pk]),
        "backtests:results": lambda: reverse("backtests:results", args=[run.pk]),
        "backtests:signal_runs": lambda: reverse("backtests:signal_runs", args=["momentum"]),
        "console:health": lambda: reverse("console:health"),
        "console:jobs": lambda: reverse("console:jobs"),
        "console:users": lambda: reverse("console:users") + "?q=a",
        "quant:audit_log": lambda: reverse("quant:audit_log") + "?user=nobody",
        "quant:job_status": lambda: reverse("quant:job_status", args=[run.job_id]),
        "quant:breaker": lambda: reverse("quant:breaker"),
        "quant:trade_controls": lambda: reverse("quant:trade_controls"),
        "quant:saved_results": lambda: reverse("quant:saved_results"),
        "research:correlation": lambda: reverse("research:correlation"),
        "risk:dashboard": lambda: reverse("risk:dashboard") + f"?portfolio={portfolio.pk}",
        "risk:exposures": lambda: reverse("risk:exposures") + f"?portfolio={portfolio.pk}",
        "risk:exposure_drill": lambda: reverse("risk:exposure_drill") + drill,
        "risk:tile": lambda: reverse("risk:tile", args=["var"]) + f"?portfolio={portfolio.pk}",
        "risk:runs": lambda: reverse("risk:runs"),
        "warehouse:sync_dashboard": lambda: reverse("warehouse:sync_dashboard"),
        "warehouse:sync_log": lambda: reverse(
            "warehouse:sync_log", args=[sync_job_create(source="demo", datasets=[], mode="full").pk]
        ),
        "warehouse:dataset": lambda: reverse("warehouse:dataset", args=["crsp_daily"]),
        "warehouse:sql": lambda: reverse("warehouse:sql") + "?q=select+1",
        "warehouse:export": lambda: reverse("warehouse:export", args=[data_export_for(run.job.requested_by).pk]),
    }


def test_every_htmx_url_opens_as_a_full_page(risk_models, settings):  # noqa: F811
    dirs, runs = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    from research.services.reports import alpha_build
    from risk.services.loaded import load_model
    from risk.services.portfolios import portfolio_save

    permnos = load_model(runs[-1].version).permnos.tolist()[:20]
    portfolio = portfolio_save(name="Twenty", weights={p: 0.05 for p in permnos}, run=runs[-1])
    alpha_build(names=["momentum", "value"])  # two reports, so the correlation tile has a matrix
    admin = UserFactory(role="admin")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    run = finished_run(admin)
    strategy = StrategyFactory(owner=admin, name="Journal")  # the owner may view and change it
    entry = fill(strategy, "AAA", "buy", 10, 10.0, dt.date(2024, 1, 2))
    exit_ = fill(strategy, "AAA", "sell", 10, 11.0, dt.date(2024, 1, 5))
    samples = _samples(run, portfolio, runs[-1].as_of, (entry.pk, exit_.pk))
    names = discovered_htmx_url_names()
    assert names - samples.keys() == set(), "add a sample URL for these new htmx targets"
    problems = []
    for name in sorted(names):
        url = samples[name]()
        response = client.get(url)
        body = response.content.decode() if response.status_code == 200 else ""
        if response.status_code != 200:
            problems.append(f"{url} ({name}) -> {response.status_code}")
        elif not (body.lstrip().lower().startswith("<!doctype html") and 'class="topbar"' in body):
            problems.append(f"{url} ({name}) -> 200 but not a full page in the base layout")
        elif "No signal reports yet" in body or "Loading results…" in body and "hx-trigger" not in body:
            problems.append(f"{url} ({name}) -> a full page without its data")
    assert problems == []
