"""Trade journal page: round trips from real fills, filters, tags/notes (permission, audit), exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from backtests.models import TradeNote
from tests.factories import StrategyFactory, UserFactory
from tests.support.trading_history import fill

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
D = dt.date


@pytest.fixture
def book():  # noqa: ANN201
    """Strategy "Swing": AAA 100 @ 10 -> sold @ 15 (fees 1 + 1: +498), BBB 10 @ 100 -> sold @ 95 (-50)."""
    strategy = StrategyFactory(name="Swing")
    fills = {
        "a_in": fill(strategy, "AAA", "buy", 100, 10.0, D(2024, 1, 2), fees=1.0),
        "a_out": fill(strategy, "AAA", "sell", 100, 15.0, D(2024, 1, 12), fees=1.0),
        "b_in": fill(strategy, "BBB", "buy", 10, 100.0, D(2024, 3, 1)),
        "b_out": fill(strategy, "BBB", "sell", 10, 95.0, D(2024, 3, 4)),
        "c_open": fill(strategy, "CCC", "sell", 5, 50.0, D(2024, 3, 5)),  # an open short: no round trip
    }
    return strategy, fills


def _client(strategy, *, change: bool) -> Client:  # noqa: ANN001
    user = UserFactory(role="viewer")
    assign_perm("view_strategy", user, strategy)
    if change:
        assign_perm("change_strategy", user, strategy)
    client = Client()
    client.force_login(user)
    return client


def test_journal_shows_round_trips_and_win_loss_numbers(book) -> None:  # noqa: ANN001
    strategy, _ = book
    html = _client(strategy, change=False).get(reverse("backtests:journal")).content.decode()
    assert "<html" in html and "+$498.00" in html and "-$50.00" in html
    assert "50.0%" in html  # hit rate: one winner of two
    assert "$498" in html and "-$50" in html  # average win / average loss
    assert "9.96" in html  # payoff ratio 498 / 50
    assert "+$224" in html  # expectancy (498 - 50) / 2
    assert 'data-bt-chart="holding"' in html and "CCC" in html  # the open short is a fill, not a trip
    assert "Tag / note" not in html  # a viewer without change permission gets no edit links


def test_filters_narrow_trips_and_fills(book) -> None:  # noqa: ANN001
    strategy, _ = book
    client = _client(strategy, change=False)
    html = client.get(reverse("backtests:journal"), {"outcome": "losers"}, headers=HX).content.decode()
    assert html.lstrip().startswith('<section id="backtests-journal"')
    assert "-$50.00" in html and "+$498.00" not in html
    html = client.get(reverse("backtests:journal"), {"symbol": "AAA", "date_to": "2024-02-01"}).content.decode()
    assert "+$498.00" in html and "-$50.00" not in html
    html = client.get(reverse("backtests:journal"), {"side": "short"}).content.decode()
    assert "No round trip matches these filters." in html


def test_tagging_needs_change_permission_and_is_audited(book) -> None:  # noqa: ANN001
    strategy, f = book
    url = reverse("backtests:trade_note", args=[f["a_in"].pk, f["a_out"].pk])
    reader = _client(strategy, change=False)
    assert reader.get(url).status_code == 200  # may read the note cell
    assert reader.post(url, {"tags": "earnings", "note": "x"}, headers=HX).status_code == 403
    assert not TradeNote.objects.exists()

    editor = _client(strategy, change=True)
    form = editor.get(url, {"edit": "1"}, headers=HX).content.decode()
    assert form.lstrip().startswith("<td") and 'name="tags"' in form
    cell = editor.post(url, {"tags": " Earnings, gap ,earnings", "note": "Faded the gap"}, headers=HX)
    assert cell.status_code == 200
    note = TradeNote.objects.get()
    assert (note.tags, note.note, note.strategy_id) == ("earnings,gap", "Faded the gap", strategy.pk)
    assert '<span class="badge">earnings</span>' in cell.content.decode()
    assert LogEntry.objects.get_for_object(note).count() == 1
    editor.post(url, {"tags": "earnings", "note": "Faded the gap"}, headers=HX)
    assert LogEntry.objects.get_for_object(note).count() == 2  # the change is logged too

    html = editor.get(reverse("backtests:journal"), {"tag": "earnings"}).content.decode()
    assert "+$498.00" in html and "-$50.00" not in html

    # fills that are not a round trip of this strategy are refused
    bad = editor.post(reverse("backtests:trade_note", args=[f["a_in"].pk, f["b_out"].pk]), {"tags": "x"}, headers=HX)
    assert bad.status_code == 400 and "do not form a round trip" in bad.content.decode()


def test_outsider_gets_404(book) -> None:  # noqa: ANN001
    strategy, f = book
    client = Client()
    client.force_login(UserFactory(role="operator"))  # global change_strategy, no grant on this one
    url = reverse("backtests:trade_note", args=[f["a_in"].pk, f["a_out"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"tags": "x"}).status_code == 404
    html = client.get(reverse("backtests:journal")).content.decode()
    assert "Swing" not in html and "AAA" not in html


def test_exports_contain_the_filtered_trips_and_neutralise_formulas(book) -> None:  # noqa: ANN001
    from openpyxl import load_workbook

    strategy, f = book
    TradeNote.objects.create(strategy=strategy, entry_fill=f["a_in"], exit_fill=f["a_out"], tags="gap",
                             note='=HYPERLINK("http://x","y")')  # fmt: skip
    client = _client(strategy, change=False)
    response = client.get(reverse("backtests:journal_export", args=["csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["strategy", "symbol", "direction", "entry_date", "exit_date"]
    body = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(body) == {"AAA", "BBB"}
    assert float(body["AAA"]["pnl"]) == pytest.approx(498.0) and float(body["BBB"]["pnl"]) == pytest.approx(-50.0)
    assert float(body["AAA"]["return"]) == pytest.approx(0.498) and body["AAA"]["holding_days"] == "10"
    assert body["AAA"]["note"] == '\'=HYPERLINK("http://x","y")' and body["AAA"]["tags"] == "gap"

    xlsx = client.get(reverse("backtests:journal_export", args=["xlsx"]), {"outcome": "winners"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 2 and values[1][1] == "AAA"
    head = list(values[0])
    assert values[1][head.index("pnl")] == pytest.approx(498.0)  # a number, not text
    assert values[1][head.index("note")].startswith("'=")
    assert client.get(reverse("backtests:journal_export", args=["pdf"])).status_code == 404
