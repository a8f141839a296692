"""My saved results: what the user stored with ``--save`` (every user's with the view-all permission)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from quant.audit import log_access
from quant.saved.forms import SavedResultFilterForm
from quant.saved.selectors import VIEW_ALL, saved_results_listed
from quant.web.htmx import render_htmx

PAGE_SIZE = 50


@require_GET
@log_access("saved_result.list")
def saved_result_list(request: HttpRequest) -> HttpResponse:
    may_see_all = request.user.has_perm(VIEW_ALL)
    form = SavedResultFilterForm(request.GET or None, may_see_all=may_see_all)
    kind, everyone = form.cleaned()
    rows = saved_results_listed(request.user, kind=kind, everyone=everyone)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "everyone": everyone}
    return render_htmx(request, "quant/saved_results.html", "saved-table", context)
