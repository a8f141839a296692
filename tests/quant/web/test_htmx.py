from __future__ import annotations

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from quant.web.htmx import wants_fragment


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
        ({"HX-Request": "false"}, False),
    ],
)
def test_fragment_decision_with_and_without_the_htmx_middleware(headers: dict[str, str], expected: bool) -> None:
    bare = RequestFactory().get("/health/", headers=headers)
    assert wants_fragment(bare) is expected  # header fallback: no django_htmx middleware
    with_middleware = RequestFactory().get("/health/", headers=headers)
    with_middleware.htmx = HtmxDetails(with_middleware)  # type: ignore[attr-defined]
    assert wants_fragment(with_middleware) is expected
