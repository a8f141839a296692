"""Performance dashboard of a strategy (or of every strategy the user may see, pooled).

Strategies the user was not granted are indistinguishable from missing ones (404). The "today"
card re-renders as a fragment every 10 s while the tab is visible (htmx polling).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from backtests import performance as perf
from quant.audit import log_access
from quant.models import Strategy
from quant.selectors import strategies_for
from quant.web.htmx import render_htmx

TEMPLATE = "backtests/performance.html"


def _books(request: HttpRequest, strategy_id: int | None) -> tuple[Strategy | None, dict[int, Strategy]]:
    visible = strategies_for(request.user)
    if strategy_id is None:
        return None, perf.strategies_by_id(visible)
    strategy = get_object_or_404(visible, pk=strategy_id)
    return strategy, {strategy.pk: strategy}


def _today(books: dict[int, Strategy], state: perf.BookState) -> dict[str, Any]:
    positions = perf.open_positions(books)
    marks = perf.latest_marks(perf.anchors(positions))
    equity = state.equity
    names = {pk: s.name for pk, s in books.items()}
    rows = perf.position_rows(positions, marks, equity, names)
    return {"rows": rows, "marks": marks, "today": perf.today_pnl(rows, sum(equity.values()) or None)}


def _context(strategy: Strategy | None, books: dict[int, Strategy], *, all_positions: bool) -> dict[str, Any]:
    state = perf.book_state(books)
    today = _today(books, state)
    shown = today["rows"] if all_positions else today["rows"][: perf.POSITIONS_SHOWN]
    board = state.board
    exposures = perf.risk_exposures(today["rows"]) if today["rows"] else perf.Exposures("")
    command_name = strategy.name if strategy else "NAME"
    return {
        "strategy": strategy, "books": list(books.values()), "board": board, "exposures": exposures,
        "command": f'python manage.py paper_run --strategy "{command_name}" --start 2024-01-02 --end 2024-12-31',
        **today, "shown": shown, "board_key": state.key,
    }  # fmt: skip


@require_GET
@log_access("backtests.performance")
def performance(request: HttpRequest, strategy_id: int | None = None) -> HttpResponse:
    strategy, books = _books(request, strategy_id)
    context = _context(strategy, books, all_positions=request.GET.get("positions") == "all")
    return render_htmx(request, TEMPLATE, "performance", context)


@require_GET
def performance_today(request: HttpRequest, strategy_id: int | None = None) -> HttpResponse:
    """The polled card (a full page when opened directly)."""
    strategy, books = _books(request, strategy_id)
    if not request.htmx:
        return render_htmx(request, TEMPLATE, "performance", _context(strategy, books, all_positions=False))
    state = perf.book_state(books)
    context = {"strategy": strategy, "board": state.board, **_today(books, state)}
    return render_htmx(request, TEMPLATE, "today", context)
