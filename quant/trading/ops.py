"""Wiring of the operations controls (called once from ``QuantConfig.ready``): the order gates,
the fill hook of the breaker rules, the console's menu entries, the System health card and the
header's breaker card."""

from __future__ import annotations

from django.http import HttpRequest

from quant.trading.breaker import breaker_gate, breaker_status
from quant.trading.breaker_rules import breaker_on_fill
from quant.trading.limits import limits_gate
from quant.trading.services import fill_hook_register, order_gate_register
from quant.web.health import CheckResult, register_check
from quant.web.nav import NavItem, register


def install() -> None:
    order_gate_register(breaker_gate)
    order_gate_register(limits_gate)
    fill_hook_register(breaker_on_fill)
    register_check("Circuit breaker", breaker_check, order=25, inline=True)
    register(NavItem(area="Operations", label="Trade controls", url_name="quant:trade_controls",
                     permission="quant.view_strategy", order=30))  # fmt: skip
    register(NavItem(area="Operations", label="Circuit breaker", url_name="quant:breaker",
                     permission="quant.view_strategy", order=31))  # fmt: skip
    register(NavItem(area="Admin", label="Trading config", url_name="quant:trading_config",
                     permission="quant.view_strategy", order=40))  # fmt: skip


def breaker_check() -> CheckResult:
    """The System health card: bad while tripped (no order leaves the platform)."""
    status = breaker_status()
    when = f"{status.at:%Y-%m-%d %H:%M} UTC" if status.at else "never tripped"
    if status.tripped:
        return CheckResult("bad", f"Tripped: no new order leaves the platform ({status.reason})",
                           {"by": status.by, "since": when})  # fmt: skip
    return CheckResult("ok", "Armed: orders may leave the platform", {"last change": when})


def breaker_context(request: HttpRequest) -> dict[str, object]:
    """The breaker status card in every page header (users with a role; one cache read)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("quant.view_strategy"):
        return {}  # no role, no trading pages: the card would link to a refusal
    return {"breaker": breaker_status()}
