"""Trade journal: fills and FIFO round trips of the strategies a user may see, tags and notes
(editable with ``change_strategy`` on the strategy), CSV and Excel export of the filtered trips."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from guardian.shortcuts import get_objects_for_user

from backtests import journal as jr
from backtests.forms_trading import JournalFilterForm, TradeNoteForm
from backtests.models import TradeNote
from backtests.services.journal import TradeNoteError, trade_note_save
from quant.audit import log_access
from quant.models import Fill
from quant.selectors import strategies_for
from quant.web.htmx import render_htmx

TRIPS_SHOWN = 200
FILLS_SHOWN = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _editable(request: HttpRequest, visible: Any) -> set[int]:
    """Ids of the visible strategies the user may change (tag and annotate trades of)."""
    rows = get_objects_for_user(request.user, "quant.change_strategy", klass=visible, accept_global_perms=False)
    return set(rows.values_list("pk", flat=True))


def _journal(request: HttpRequest) -> tuple[JournalFilterForm, jr.Journal, dict[int, str], Any]:
    visible = strategies_for(request.user)
    names = dict(visible.values_list("pk", "name"))
    form = JournalFilterForm(request.GET, strategies=names)
    form.is_valid()
    return form, jr.journal(names, form.to_filter()), names, visible


@require_GET
@log_access("backtests.journal")
def journal(request: HttpRequest) -> HttpResponse:
    form, book, names, visible = _journal(request)
    query = form.to_filter().as_query()
    context = {
        "form": form, "book": book, "names": names, "editable": _editable(request, visible),
        "trips": book.trips.head(TRIPS_SHOWN).to_dicts(), "fills": book.fills.head(FILLS_SHOWN).to_dicts(),
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "hist": book.stats.holding_histogram, "n_trips": book.trips.height, "n_fills": book.fills.height,
    }  # fmt: skip
    return render_htmx(request, "backtests/journal.html", "journal", context)


@require_GET
@log_access("backtests.journal_export", action="export")
def journal_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as csv or xlsx.")
    _, book, _, _ = _journal(request)
    if fmt == "csv":
        response = HttpResponse(jr.journal_csv(book.trips), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(jr.journal_xlsx(book.trips), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="trade-journal.{fmt}"'
    return response


@require_http_methods(["GET", "POST"])
@log_access("backtests.trade_note")
def trade_note(request: HttpRequest, entry_id: int, exit_id: int) -> HttpResponse:
    """The tags/note cell of one round trip: GET the edit form (or the cell), POST saves it."""
    exit_fill = get_object_or_404(Fill.objects.select_related("strategy"), pk=exit_id)
    strategy = get_object_or_404(strategies_for(request.user), pk=exit_fill.strategy_id)
    may_edit = request.user.has_perm("quant.change_strategy", strategy)
    note = TradeNote.objects.filter(entry_fill_id=entry_id, exit_fill_id=exit_id).first()
    trip = {"entry_fill_id": entry_id, "exit_fill_id": exit_id, "strategy_id": strategy.pk,
            "tags": note.tags if note else "", "note": note.note if note else ""}  # fmt: skip
    context: dict[str, Any] = {"trip": trip, "editable": {strategy.pk} if may_edit else set(), "strategy": strategy}
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("You may read this strategy's journal but not change it.")
        form = TradeNoteForm(request.POST)
        if form.is_valid():
            try:
                saved = trade_note_save(strategy=strategy, entry_fill_id=entry_id, exit_fill_id=exit_id,
                                        tags=form.cleaned_data["tags"], note=form.cleaned_data["note"],
                                        user=request.user)  # fmt: skip
            except TradeNoteError as exc:
                form.add_error(None, str(exc))
            else:
                trip.update(tags=saved.tags if saved else "", note=saved.note if saved else "")
                if not request.htmx:  # the form without JavaScript: back to the strategy's journal
                    return redirect(f"{reverse('backtests:journal')}?strategy={strategy.pk}")
                return render(request, "backtests/trade_note.html#cell", context)
        return render(request, "backtests/trade_note.html#form", {**context, "form": form}, status=400)
    if request.GET.get("edit") and may_edit:
        form = TradeNoteForm(initial={"tags": trip["tags"].replace(",", ", "), "note": trip["note"]})
        partial = "form" if request.htmx else None
        return render_htmx(request, "backtests/trade_note.html", partial or "cell", {**context, "form": form})
    return render_htmx(request, "backtests/trade_note.html", "cell", context)
