"""Navigation registry: each app declares its pages; the menu shows only those that exist and
that the user may open.

Apps register in `AppConfig.ready()`::

    from quant.web.nav import NavItem, register
    register(NavItem(area="Data", label="Warehouse", url_name="warehouse:status"))

Pages about one strategy that live on higher floors are linked from the strategy page the same
way (``register_strategy_link``), so ``quant`` never names their URLs itself.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import NoReverseMatch, reverse

AREAS = ("Overview", "Data", "Research", "Risk", "Backtests", "Operations", "Admin")


@dataclass(frozen=True)
class NavItem:
    area: str
    label: str
    url_name: str
    permission: str | None = None  # "app_label.codename"; None = any logged-in user
    order: int = 100


_REGISTRY: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    if item.area not in AREAS:
        raise ValueError(f"Unknown navigation area {item.area!r}; choose one of {AREAS}.")
    _REGISTRY[item.url_name] = item


def visible_items(user: AbstractBaseUser | AnonymousUser) -> OrderedDict[str, list[tuple[NavItem, str]]]:
    """Menu entries grouped by area, in area order, with their resolved URLs."""
    grouped: OrderedDict[str, list[tuple[NavItem, str]]] = OrderedDict((a, []) for a in AREAS)
    if not user.is_authenticated:
        return OrderedDict()
    for item in sorted(_REGISTRY.values(), key=lambda i: (i.order, i.label)):
        if item.permission and not user.has_perm(item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # a page that does not exist (yet) is never listed
        grouped[item.area].append((item, url))
    return OrderedDict((area, items) for area, items in grouped.items() if items)


@dataclass(frozen=True)
class StrategyLink:
    """A link on the strategy detail page: ``url_name`` takes the strategy id as its argument, or as
    the GET parameter ``query`` when set (``?strategy=<id>``)."""

    label: str
    url_name: str
    query: str = ""
    order: int = 100


_STRATEGY_LINKS: dict[str, StrategyLink] = {}


def register_strategy_link(link: StrategyLink) -> None:
    _STRATEGY_LINKS[f"{link.url_name}?{link.query}"] = link


def strategy_links(strategy_id: int) -> list[tuple[StrategyLink, str]]:
    """The registered links resolved for one strategy (links to pages that do not exist are left out)."""
    out = []
    for link in sorted(_STRATEGY_LINKS.values(), key=lambda x: (x.order, x.label)):
        try:
            url = (
                f"{reverse(link.url_name)}?{link.query}={strategy_id}"
                if link.query
                else reverse(link.url_name, args=[strategy_id])
            )
        except NoReverseMatch:
            continue
        out.append((link, url))
    return out
