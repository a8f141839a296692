"""Saved attribution and alpha reports (stored by ``attribution --save`` / ``alpha_report --save``).

Only the owner and holders of ``quant.view_all_savedresults`` may open one; to anyone else it does
not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from quant.audit import log_access
from quant.models import SavedResult
from quant.saved.selectors import saved_results_visible_to
from research.analytics.attribution import model_factors


def _pct(value: Any) -> float | None:
    """A decimal return as a percentage number (the template adds the % sign)."""
    return None if value is None else 100.0 * value


def _coefficients(fit: dict[str, Any]) -> list[dict[str, Any]]:
    """Alpha (as % per period) and each beta in the model's factor order (a JSON column does not keep
    key order), with its Newey-West t-stat and p-value."""
    rows = [{"name": "alpha", "value": _pct(fit["alpha"]), "unit": "%", "t": fit["t_stats"]["alpha"],
             "p": fit["p_values"]["alpha"]}]  # fmt: skip
    rows += [{"name": k, "value": fit["betas"][k], "unit": "", "t": fit["t_stats"][k], "p": fit["p_values"][k]}
             for k in model_factors(fit["model"])]  # fmt: skip
    return rows


def _exposure_chart(r: dict[str, Any]) -> dict[str, Any] | None:
    chart = r.get("rolling_chart")
    if not chart:
        return None
    return {**chart, "series": {k: chart["series"][k] for k in model_factors(r["model"])}}


@require_GET
@log_access("research.saved_attribution")
def saved_attribution(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_results_visible_to(request.user).filter(kind=SavedResult.Kind.ATTRIBUTION), pk=pk)
    r = saved.result
    context: dict[str, Any] = {
        "saved": saved,
        "r": r,
        "alpha_pct": _pct(r["alpha"]),
        "alpha_annualised_pct": _pct(r["alpha_annualised"]),
        "coefficients": _coefficients(r),
        "chart": _exposure_chart(r),
    }
    if (cond := r.get("conditional")) is not None:
        sides = (("Up market (mktrf > 0)", cond["up"]), ("Down market (mktrf < 0)", cond["down"]))
        context["conditional"] = [(label, fit, _coefficients(fit)) for label, fit in sides]
    return render(request, "research/saved_attribution.html", context)


def _horizon_rows(r: dict[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """(label, unit, one value per horizon) rows of the report table; returns in % per horizon."""
    hs = r["horizons"]
    rows: list[tuple[str, str, list[Any]]] = [
        ("Mean IC", "", [h["ic"]["mean"] for h in hs]),
        ("ICIR (annualised)", "", [h["ic"]["icir_annualised"] for h in hs]),
        ("IC t-stat", "t", [h["ic"]["t_stat"] for h in hs]),
        ("IC hit rate", "%", [_pct(h["ic"]["hit_rate"]) for h in hs]),
        ("Mean rank IC", "", [h["rank_ic"]["mean"] for h in hs]),
        ("Rank IC t-stat", "t", [h["rank_ic"]["t_stat"] for h in hs]),
        ("Dates (IC)", "n", [h["ic"]["n_dates"] for h in hs]),
        ("Pairs used", "n", [h["n_pairs"] for h in hs]),
    ]
    rows += [(f"Q{q} mean forward return", "%", [_pct(h["quantile_mean_returns"].get(str(q))) for h in hs])
             for q in range(1, r["quantiles"] + 1)]  # fmt: skip
    rows.append((f"Long-short Q{r['quantiles']}-Q1", "%", [_pct(h["long_short_mean"]) for h in hs]))
    return rows


@require_GET
@log_access("research.saved_alpha_report")
def saved_alpha_report(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(saved_results_visible_to(request.user).filter(kind=SavedResult.Kind.ALPHA_REPORT), pk=pk)
    r = saved.result
    groups = sorted({g for h in r["horizons"] for g in h["group_mean_ic"]})
    context: dict[str, Any] = {
        "saved": saved,
        "r": r,
        "turnover_top_pct": _pct(r["turnover_top"]),
        "turnover_bottom_pct": _pct(r["turnover_bottom"]),
        "horizons": [h["h"] for h in r["horizons"]],
        "rows": _horizon_rows(r),
        "groups": [(g, [h["group_mean_ic"].get(g, {}).get("mean_ic") for h in r["horizons"]]) for g in groups],
        "chart": {"decay": r["decay"]} if len(r["decay"]) > 1 else None,
    }
    return render(request, "research/saved_alpha_report.html", context)
