"""Dataset pages: schema with descriptions, versions, monthly coverage chart, a filtered preview."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from quant.audit import log_access
from quant.web.htmx import render_htmx
from warehouse import storage
from warehouse.datasets import ALL_DATASETS
from warehouse.explorer.browse import BadFilter, coverage, preview, schema, versions
from warehouse.explorer.engine import QueryFailed
from warehouse.views_explorer import cell_text


@require_GET
@log_access("warehouse.dataset")
def dataset(request: HttpRequest, name: str) -> HttpResponse:
    """One dataset: its columns, versions, rows and symbols per month, and the first rows (filterable)."""
    if name not in ALL_DATASETS:
        raise Http404(f"Unknown dataset {name}.")
    kept = versions(name)
    live = storage.current_version(name)
    manifest = next((m for m in kept if m.version == live), None)
    filters = {k[2:]: v for k, v in request.GET.items() if k.startswith("f_") and v.strip()}
    context: dict[str, object] = {"name": name, "columns": schema(name, manifest), "versions": kept, "live": live,
                                  "manifest": manifest, "filters": filters}  # fmt: skip
    # Filter inputs for the key columns and the first others (the preview's column filters).
    spec_columns = schema(name, None)
    picked = [c.name for c in spec_columns if c.key] + [c.name for c in spec_columns if not c.key][:2]
    context["filter_fields"] = [(c, filters.get(c, "")) for c in picked]
    if manifest is None:
        return render(request, "warehouse/dataset.html", context)
    try:
        rows = preview(name, filters)
        context["preview_columns"] = rows.columns
        context["preview_rows"] = [[cell_text(v) for v in r] for r in rows.iter_rows()]
    except (BadFilter, QueryFailed) as exc:
        context["preview_error"] = str(exc)
    if "preview" not in request.GET:  # the filter form only swaps the preview
        try:
            cov = coverage(manifest)
            context["coverage"] = cov
            context["chart"] = {"months": cov.months, "rows": cov.rows, "symbols": cov.symbols}
        except QueryFailed as exc:
            context["coverage_error"] = str(exc)
    return render_htmx(request, "warehouse/dataset.html", "preview", context)
