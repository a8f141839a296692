"""Notebook launcher page: start or stop your JupyterLab, see the running servers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from quant.audit import log_access
from quant.services import access_log_create
from quant.web.htmx import render_htmx
from warehouse.explorer.access import LICENSED_PERMISSION
from warehouse.notebooks import TEMPLATES_DIR, notebook_ready, notebook_sessions, notebook_start, notebook_stop


@require_GET
@permission_required(LICENSED_PERMISSION, raise_exception=True)
@log_access("warehouse.notebooks", part_of_page=True)
def notebooks(request: HttpRequest) -> HttpResponse:
    """Your server (link with its token) and the template notebooks it opens with."""
    mine = notebook_sessions(user=request.user)
    context: dict[str, object] = {
        "session": mine[0] if mine else None,
        "templates": sorted(p.name for p in TEMPLATES_DIR.glob("*.ipynb")),
    }
    if request.user.has_perm("quant.view_all_jobs"):
        context["everyone"] = notebook_sessions()
    return render_htmx(request, "warehouse/notebooks.html", "session", context)


@permission_required(LICENSED_PERMISSION, raise_exception=True)
@require_POST
def notebook_start_view(request: HttpRequest) -> HttpResponse:
    session = notebook_start(user=request.user)
    if not notebook_ready(session, timeout=60):
        notebook_stop(session=session)
        messages.error(request, f"JupyterLab did not start; see {session.root}/.jupyter-server.log.")
    else:
        access_log_create(request=request, action="control", name="warehouse.notebook_start", object_id=str(session.pk))
    return redirect("warehouse:notebooks")


@permission_required(LICENSED_PERMISSION, raise_exception=True)
@require_POST
def notebook_stop_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop your server (operators may stop anyone's)."""
    found = [s for s in notebook_sessions() if s.pk == pk]
    if not found or (found[0].user_id != request.user.pk and not request.user.has_perm("quant.change_job")):
        raise Http404("No such running notebook server of yours.")
    notebook_stop(session=found[0])
    return redirect("warehouse:notebooks")
