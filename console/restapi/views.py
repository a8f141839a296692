"""Read-only endpoints: strategies, positions and P&L (scope read_pnl); backtest results and jobs
(scope read_research). Money and quantities are exact decimal strings (dollars, shares); returns
and ratios are decimal fractions (0.01 = 1 %)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backtests.models import BacktestRun
from backtests.selectors import run_for, run_list
from console.models import ApiKey
from console.restapi.auth import ApiKeyAuthentication, HasScope
from quant.models import Strategy
from quant.selectors import jobs_visible_to, strategies_for
from quant.trading.selectors import positions_open, snapshots_for

MAX_ROWS = 500
MONEY_UNITS = {"money": "USD (decimal string)", "quantity": "shares (decimal string)", "returns": "decimal fraction"}


class ReadOnlyApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    renderer_classes = [JSONRenderer]
    parser_classes: list[Any] = []
    http_method_names = ["get", "head", "options"]
    scope = ApiKey.Scope.READ_PNL.value
    area = "quant.view_strategy"


def _strategy(request: Request, pk: int) -> Strategy:
    strategy = strategies_for(request.user).filter(pk=pk).first()
    if strategy is None:  # not granted looks exactly like missing
        raise Http404(f"No strategy {pk} for this key.")
    return strategy


def _date(request: Request, name: str) -> dt.date | None:
    value = request.query_params.get(name, "")
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise exceptions.ValidationError({name: f"{value!r} is not a date (YYYY-MM-DD)."}) from exc


class StrategyList(ReadOnlyApiView):
    def get(self, request: Request) -> Response:
        rows = [{"id": s.pk, "name": s.name, "status": s.status, "owner": s.owner.get_username()}
                for s in strategies_for(request.user)]  # fmt: skip
        return Response({"strategies": rows})


class PositionList(ReadOnlyApiView):
    def get(self, request: Request, pk: int) -> Response:
        strategy = _strategy(request, pk)
        rows = [
            {"symbol": p.symbol, "quantity": str(p.quantity), "avg_cost": str(p.avg_cost),
             "cost_basis": str(p.cost_basis), "realized_pnl": str(p.realized_pnl)}
            for p in positions_open(strategy)
        ]  # fmt: skip
        return Response({"strategy": strategy.pk, "units": MONEY_UNITS, "positions": rows})


class PnLHistory(ReadOnlyApiView):
    def get(self, request: Request, pk: int) -> Response:
        strategy = _strategy(request, pk)
        start, end = _date(request, "start"), _date(request, "end")
        snaps = list(snapshots_for(strategy, start=start, end=end).reverse()[:MAX_ROWS])[::-1]
        rows = [
            {"date": s.date.isoformat(), "equity": str(s.equity), "cash": str(s.cash),
             "realized_pnl": str(s.realized_pnl), "unrealized_pnl": str(s.unrealized_pnl),
             "contributed": str(s.contributed), "fees": str(s.fees), "daily_return": s.daily_return}
            for s in snaps
        ]  # fmt: skip
        last = snaps[-1] if snaps else None
        summary = (
            {"date": last.date.isoformat(), "equity": str(last.equity), "pnl": str(last.equity - last.contributed)}
            if last
            else None
        )
        return Response({"strategy": strategy.pk, "units": MONEY_UNITS, "summary": summary, "snapshots": rows})


def _run_row(run: BacktestRun) -> dict[str, Any]:
    return {
        "id": run.pk, "label": run.label, "kind": run.kind, "status": run.job.status,
        "strategy": run.strategy_id, "created_at": run.job.created_at.isoformat(),
        "total_return": run.total_return, "cagr": run.cagr, "volatility": run.volatility,
        "sharpe": run.sharpe, "max_drawdown": run.max_drawdown, "turnover": run.turnover,
    }  # fmt: skip


class BacktestList(ReadOnlyApiView):
    scope = ApiKey.Scope.READ_RESEARCH.value
    area = "backtests.view_backtestrun"

    def get(self, request: Request) -> Response:
        runs = run_list(user=request.user)[:MAX_ROWS]
        return Response({"units": {"returns": "decimal fraction, annualised where named"},
                         "backtests": [_run_row(r) for r in runs]})  # fmt: skip


class BacktestDetail(BacktestList):
    def get(self, request: Request, pk: int) -> Response:  # type: ignore[override]
        try:
            run = run_for(request.user, pk)
        except BacktestRun.DoesNotExist as exc:
            raise Http404(f"No backtest {pk} for this key.") from exc
        row = {**_run_row(run), "config": run.config, "summary": run.summary, "dataset_versions": run.dataset_versions}
        return Response(row)


class JobList(ReadOnlyApiView):
    scope = ApiKey.Scope.READ_RESEARCH.value
    area = "quant.view_strategy"  # every role: a viewer sees the jobs they started

    def get(self, request: Request) -> Response:
        jobs = jobs_visible_to(request.user).order_by("-created_at", "-id")[:MAX_ROWS]
        rows = [
            {"id": j.pk, "kind": j.kind, "label": j.label, "status": j.status, "progress": j.progress,
             "created_at": j.created_at.isoformat(),
             "finished_at": j.finished_at.isoformat() if j.finished_at else None, "error": j.error}
            for j in jobs
        ]  # fmt: skip
        return Response({"jobs": rows})
