"""/api/v1/: keys, not sessions. Marked login_not_required so LoginRequiredMiddleware leaves the
refusal (401 without a valid key, 403 out of scope) to the API's own authentication."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from console.restapi import views

app_name = "api"

urlpatterns = [
    path("strategies/", login_not_required(views.StrategyList.as_view()), name="strategies"),
    path("strategies/<int:pk>/positions/", login_not_required(views.PositionList.as_view()), name="positions"),
    path("strategies/<int:pk>/pnl/", login_not_required(views.PnLHistory.as_view()), name="pnl"),
    path("backtests/", login_not_required(views.BacktestList.as_view()), name="backtests"),
    path("backtests/<int:pk>/", login_not_required(views.BacktestDetail.as_view()), name="backtest"),
    path("jobs/", login_not_required(views.JobList.as_view()), name="jobs"),
]
