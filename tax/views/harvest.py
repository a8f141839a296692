"""Tax-loss harvesting suggestions for one account."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from quant.audit import log_access
from tax.harvest import harvest_report
from tax.views.accounts import _account


@require_GET
@log_access("tax.harvest")
def harvest(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    as_of, candidates = harvest_report(account)
    context = {
        "account": account,
        "as_of": as_of,
        "candidates": candidates,
        "total_loss": sum((c.loss for c in candidates), Decimal(0)),
        "total_saving": sum((c.saving for c in candidates if not c.wash_risk), Decimal(0)),
    }
    return render(request, "tax/harvest.html", context)
