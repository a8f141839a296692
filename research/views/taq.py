"""Microstructure pages (per symbol) and the TAQ page (tier coverage, query estimator)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from quant.audit import log_access
from quant.web.htmx import render_htmx
from research.services.taq_pages import microstructure_page, taq_estimate, taq_page, taq_symbols


class EstimateForm(forms.Form):
    symbols = forms.CharField(max_length=2000, help_text="comma-separated tickers")
    start = forms.DateField()
    end = forms.DateField()


@log_access("research.microstructure")
def microstructure_index(request: HttpRequest) -> HttpResponse:
    return render(request, "research/microstructure_index.html", {"rows": taq_symbols().to_dicts()})


@log_access("research.microstructure")
def microstructure(request: HttpRequest, symbol: str) -> HttpResponse:
    data = microstructure_page(symbol.upper())
    if data is None:
        raise Http404(f"No TAQ Tier 1 data for {symbol}")
    return render(request, "research/microstructure.html", data)


@log_access("research.taq")
def taq(request: HttpRequest) -> HttpResponse:
    form = EstimateForm(request.GET or None)
    estimate, error = None, None
    if form.is_valid():
        symbols = [s.strip().upper() for s in form.cleaned_data["symbols"].split(",") if s.strip()]
        try:
            estimate = taq_estimate(symbols=symbols, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
        except ValueError as exc:
            error = str(exc)
    context = {**taq_page(), "form": form, "estimate": estimate, "error": error}
    return render_htmx(request, "research/taq.html", "estimate", context)
