"""Account pages (per-account permissions: a user sees only accounts granted to them)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from quant.audit import log_access
from tax.forms import ImportForm, SaleForm
from tax.models import TaxAccount
from tax.selectors import accounts_for, closed_lots, open_lots, sale_years, wash_sale_lots, year_summary
from tax.services import TaxInputError, fills_import, sale_record, trades_import


def _account(request: HttpRequest, pk: int, *, change: bool = False) -> TaxAccount:
    account = get_object_or_404(accounts_for(request.user), pk=pk)
    if change and not request.user.has_perm("tax.change_taxaccount", account):
        raise PermissionDenied("You may view this tax account but not change it.")
    return account


def _year(request: HttpRequest, years: list[int]) -> int | None:
    raw = request.GET.get("year", "")
    if raw == "all":
        return None
    if raw.isdigit():
        return int(raw)
    return years[-1] if years else None


@require_GET
@log_access("tax.accounts")
def account_list(request: HttpRequest) -> HttpResponse:
    return render(request, "tax/account_list.html", {"accounts": accounts_for(request.user).select_related("owner")})


@require_GET
@log_access("tax.account")
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _account(request, pk))


def _detail(
    request: HttpRequest, account: TaxAccount, *, sale_form: SaleForm | None = None,
    import_form: ImportForm | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    years = sale_years(account)
    year = _year(request, years)
    closed = list(closed_lots(account, year))
    lots = list(open_lots(account))
    context = {
        "account": account,
        "can_change": request.user.has_perm("tax.change_taxaccount", account),
        "years": years,
        "year": year,
        "open_lots": lots,
        "closed_lots": closed,
        "wash_sales": list(wash_sale_lots(account, year)),
        "summary": year_summary(closed),
        "sale_form": sale_form or SaleForm(),
        "import_form": import_form or ImportForm(),
        "trade_count": account.trades.count(),
    }
    return render(request, "tax/account_detail.html", context, status=status)


@require_POST
@log_access("tax.import", action="control")
def account_import(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk, change=True)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        name, text = form.cleaned_data["file"]
        try:
            n = trades_import(account, text=text, filename=name, user=request.user)
        except TaxInputError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"Imported {n} trades from {name}; lots rebuilt.")
            return redirect(account)
    return _detail(request, account, import_form=form, status=400)


@require_POST
@log_access("tax.sale", action="control")
def account_sell(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk, change=True)
    lot_ids = list(open_lots(account).values_list("lot_id", flat=True))
    form = SaleForm(request.POST, lot_ids=lot_ids)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sale_record(
                account, date=data["date"], symbol=data["symbol"], quantity=data["quantity"], price=data["price"],
                fees=data["fees"] or 0, picks=data["picks"], user=request.user,
            )  # fmt: skip
        except TaxInputError as exc:
            form.add_error(None, str(exc))
        else:
            how = "specific identification" if data["picks"] else account.get_default_method_display()
            messages.success(request, f"Sold {data['quantity']} {data['symbol'].upper()} ({how}); lots rebuilt.")
            return redirect(account)
    return _detail(request, account, sale_form=form, status=400)


@require_POST
@log_access("tax.fills_import", action="control")
def account_fills(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk, change=True)
    try:
        n = fills_import(account, user=request.user)
    except TaxInputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Added {n} new fills of {account.strategy}; lots rebuilt.")
    return redirect(account)
