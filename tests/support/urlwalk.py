"""Walk every URL pattern of a URLconf, build a concrete URL for it and probe it.

Used by tests/test_url_protection.py. Sample URLs are generated from each pattern's regex
(``path()`` converters compile to regexes too), so new apps are covered without a list.
"""

from __future__ import annotations

import re._constants as C  # noqa: N812
import re._parser as sre_parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

_CATEGORY_SAMPLE = {
    C.CATEGORY_DIGIT: "1",
    C.CATEGORY_WORD: "a",
    C.CATEGORY_NOT_SPACE: "a",
    C.CATEGORY_SPACE: " ",
}


def _sample(parsed: Any) -> str:
    """A short string matching a parsed regex (digits for \\d, first branch of alternatives)."""
    out: list[str] = []
    for op, arg in parsed:
        if op is C.LITERAL:
            out.append(chr(arg))
        elif op is C.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is C.ANY:
            out.append("a")
        elif op is C.IN:
            out.append(_sample_in(arg))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, _high, item = arg
            out.append(_sample(item) * max(low, 1))
        elif op is C.SUBPATTERN:
            out.append(_sample(arg[-1]))
        elif op is C.BRANCH:
            out.append(_sample(arg[1][0]))
        elif op is C.CATEGORY:
            out.append(_CATEGORY_SAMPLE.get(arg, "a"))
        # AT (anchors), ASSERT and the like add no characters
    return "".join(out)


def _sample_in(items: list[tuple[Any, Any]]) -> str:
    if items and items[0][0] is C.NEGATE:
        return "a" if all(not (op is C.LITERAL and chr(v) == "a") for op, v in items[1:]) else "b"
    op, value = items[0]
    if op is C.LITERAL:
        return chr(value)
    if op is C.RANGE:
        return "1" if value[0] <= ord("1") <= value[1] else chr(value[0])
    if op is C.CATEGORY:
        return _CATEGORY_SAMPLE.get(value, "a")
    return "a"


def sample_for(regex: str) -> str:
    return _sample(sre_parse.parse(regex))


@dataclass(frozen=True)
class Endpoint:
    url: str
    name: str  # "namespace:name" or the route regex when unnamed
    callback: Callable[..., Any]


def walk(urlconf: str | None = None) -> Iterator[Endpoint]:
    """Every leaf pattern of ``urlconf`` (default: ROOT_URLCONF), recursively through includes."""

    def visit(patterns: list[Any], prefix: str, namespaces: list[str]) -> Iterator[Endpoint]:
        for entry in patterns:
            piece = sample_for(entry.pattern.regex.pattern)
            if isinstance(entry, URLResolver):
                ns = [*namespaces, entry.namespace] if entry.namespace else namespaces
                yield from visit(entry.url_patterns, prefix + piece, ns)
            elif isinstance(entry, URLPattern):
                label = ":".join([*namespaces, entry.name]) if entry.name else entry.pattern.regex.pattern
                yield Endpoint(url="/" + prefix + piece, name=label, callback=entry.callback)

    yield from visit(get_resolver(urlconf).url_patterns, "", [])


def login_paths() -> tuple[str, ...]:
    # admin:login is itself walked and must send anonymous users on to the console login.
    return (resolve_url(settings.LOGIN_URL), reverse("admin:login"))


# The JSON API (/api/v1/) takes keys, not sessions: its refusal is 401 (no or a bad key), never a login page.
KEY_AUTH_NAMESPACES = ("api:",)


def anonymous_problem(client: Client, endpoint: Endpoint) -> str | None:
    """None when anonymous GET and POST are sent to a login page or get 404/405 (401 for the key-only API)."""
    for method in ("get", "post"):
        response = getattr(client, method)(endpoint.url)
        status = response.status_code
        if status in (404, 405) or (status == 401 and endpoint.name.startswith(KEY_AUTH_NAMESPACES)):
            continue
        if status in (301, 302) and response["Location"].split("?")[0] in login_paths():
            continue
        return f"{method.upper()} {endpoint.url} ({endpoint.name}) -> {status} {response.get('Location', '')}"
    return None
