"""Number formatting for backtest pages: percentages, heatmap colours, the optimizer settings."""

from __future__ import annotations

from django import template

from backtests.configs import OPTIMIZER_OBJECTIVE_LABELS
from quant.templatetags import units

register = template.Library()


_number = units.finite_number  # one parser of template numbers (quant/templatetags/units.py)
pct = register.filter("pct", units.pct)  # the one percentage format (quant/templatetags/units.py)


@register.filter
def num(value: object, digits: int = 2) -> str:
    number = _number(value)
    return "—" if number is None else f"{number:.{int(digits)}f}"


@register.filter
def bps(value: object, digits: int = 2) -> str:
    """A fraction in basis points: 0.00012 -> "1.20"."""
    number = _number(value)
    return "—" if number is None else f"{number * 1e4:.{int(digits)}f}"


@register.filter
def usd(value: object, digits: int = 0) -> str:
    """Dollars with thousands separators and a sign for losses: -1234.5 -> "-$1,235"."""
    number = _number(value)
    if number is None:
        return "—"
    text = f"${abs(number):,.{int(digits)}f}"
    return f"-{text}" if number < 0 and round(abs(number), int(digits)) else text


@register.filter
def signed_usd(value: object, digits: int = 0) -> str:
    """Like :func:`usd` with a plus sign on gains (day P&L)."""
    number = _number(value)
    if number is None:
        return "—"
    return ("+" if number > 0 and round(number, int(digits)) else "") + usd(number, digits)


@register.filter
def tag_list(value: object) -> list[str]:
    """A trade note's stored tags ``"earnings,gap"`` as a list."""
    return [t for t in str(value or "").split(",") if t]


@register.filter
def heat(value: object, scale: float = 0.05) -> str:
    """Background colour of a monthly return: green up, red down, saturating at +/- ``scale``."""
    number = _number(value)
    if number is None:
        return "transparent"
    strength = min(abs(number) / float(scale), 1.0)
    alpha = round(0.12 + 0.68 * strength, 2)
    return f"rgba(22, 150, 80, {alpha})" if number >= 0 else f"rgba(205, 50, 50, {alpha})"


@register.filter
def optimizer_summary(spec: object) -> str:
    """A config's ``optimizer`` dict in words: objective (λ for mean-variance), cap, turnover cap."""
    if not isinstance(spec, dict):
        return "—"
    objective = str(spec.get("objective"))
    parts = [OPTIMIZER_OBJECTIVE_LABELS.get(objective, objective)]
    if objective == "mean_variance":
        parts[0] += f" (risk aversion λ = {_plain(spec.get('risk_aversion'))})"
    parts.append(f"max {_plain(spec.get('max_weight'), 100)} % of NAV per name")
    turnover = _number(spec.get("turnover"))
    parts.append(f"turnover ≤ {_plain(turnover, 100)} % of NAV per rebalance" if turnover else "no turnover cap")
    return ", ".join(parts)


def _plain(value: object, scale: float = 1.0) -> str:
    """Shortest form of a setting as typed: 0.05 x 100 -> "5", 0.025 x 100 -> "2.5" (not 2.5000000000000004)."""
    number = _number(value)
    return "—" if number is None else f"{round(number * scale, 8):g}"


_CONSTRUCTIONS = {
    "long_short_decile": "Long-short decile",
    "long_short_rank": "Long-short rank-weighted",
    "long_only_top_n": "Long-only top {top_n}",
}


@register.filter
def config_rows(config: object) -> list[tuple[str, str]]:
    """A stored run config (``BacktestRun.config``) as (setting, value in words and units) rows."""
    if not isinstance(config, dict):
        return []
    if isinstance(config.get("base"), dict):  # a walk-forward: its base config, candidates and folds
        candidates = "; ".join(", ".join(f"{k}={v}" for k, v in c.items()) for c in config.get("candidates", []))
        wf = [("Candidates", candidates),
              ("Folds", f"train {config.get('train_months')} months, test {config.get('test_months')} months"
                        f"{' (expanding)' if config.get('expanding') else ' (rolling)'}")]  # fmt: skip
        return config_rows(config["base"]) + wf
    c = config
    universe = "All common stocks" if c.get("universe") == "all" else f"Top {c.get('universe_top_n')} by market cap"
    construction = _CONSTRUCTIONS.get(str(c.get("construction")), str(c.get("construction"))).format(
        top_n=c.get("top_n")
    )
    costs = f"commission {_plain(c.get('commission_bps'))} bps + half spread {_plain(c.get('half_spread_bps'))} bps"
    costs += (
        f" of traded value; impact k = {_plain(c.get('impact_k'))}"
        if _number(c.get("impact_k"))
        else " of traded value; no impact"
    )
    source = "Warehouse (point-in-time CRSP)" if c.get("source") == "warehouse" else "Synthetic test panel"
    if isinstance(c.get("synthetic"), dict):
        s = c["synthetic"]
        source += f" ({s.get('stocks')} stocks × {s.get('days')} days, seed {s.get('seed')})"
    rows = [
        ("Signal", str(c.get("signal", "—"))),
        ("Universe", universe),
        ("Construction", construction if not c.get("optimizer") else f"{construction}, refined by the optimizer"),
        ("Rebalance", str(c.get("rebalance", "—")).capitalize()),
        ("Period", f"{c.get('start', '—')} to {c.get('end', '—')}"),
        ("Costs", costs),
        ("Optimizer", optimizer_summary(c["optimizer"]) if c.get("optimizer") else "none"),
        ("Data", source),
    ]
    return rows


def _base(config: object) -> dict[str, object]:
    if not isinstance(config, dict):
        return {}
    return config["base"] if isinstance(config.get("base"), dict) else config


@register.filter
def config_signal(config: object) -> str:
    """The signal of a run config (a walk-forward's base signal and its candidates' signals)."""
    base = _base(config)
    names = [str(base.get("signal", "—"))]
    if isinstance(config, dict):
        names += [str(c["signal"]) for c in config.get("candidates", []) if isinstance(c, dict) and "signal" in c]
    return " / ".join(dict.fromkeys(names))


@register.filter
def config_period(config: object) -> str:
    """``YYYY-MM-DD – YYYY-MM-DD`` of a run config."""
    base = _base(config)
    return f"{base.get('start', '—')} – {base.get('end', '—')}"
