"""permno -> ticker and company name as of a date: one table per request, reused tickers resolved by date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from tests.warehouse.conftest import make_names
from warehouse import selectors
from warehouse.publish import publish_dataset

D = dt.date
ROWS = [
    (10001, D(2015, 1, 2), D(2019, 6, 30), "ABC", 11, 1),
    (10001, D(2019, 7, 1), None, "ABCD", 11, 1),  # renamed mid-2019
    (10002, D(2020, 1, 2), None, "ABC", 11, 3),  # the released ticker reused by another permno
]


@pytest.fixture
def names(wh):  # noqa: ANN001, ANN201
    publish_dataset("crsp_names", make_names(ROWS), source="demo", query_hash="h", writer="test")


def test_lookup_is_as_of_the_date_and_latest_without_one(names) -> None:  # noqa: ANN001
    table = selectors.security_names()
    assert table.get(10001, D(2018, 5, 1)) == selectors.SecurityName(10001, "ABC", "CO ABC")
    assert table.get(10001, D(2020, 5, 1)).ticker == "ABCD"
    assert table.get(10001).ticker == "ABCD"  # no date: the latest name
    assert table.get(10002, D(2021, 1, 4)).ticker == "ABC" and table.get(10002, D(2010, 1, 4)).ticker == "ABC"
    assert table.get(99999) is None


def test_the_tag_reads_the_names_table_once_per_published_version(names, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    real = selectors.read_dataset
    monkeypatch.setattr(selectors, "read_dataset", lambda name, **kw: calls.append(name) or real(name, **kw))
    monkeypatch.setattr(selectors, "_NAMES_MEMO", {})
    template = Template("{% load securities %}{% for p, d in rows %}{% security p d %}|{% endfor %}")
    request = RequestFactory().get("/")
    rows = [(10001, D(2018, 5, 1)), (10001, "2020-05-01"), (10002, D(2021, 1, 4)), (42, None)]
    html = template.render(Context({"rows": rows, "request": request}))
    parts = html.split("|")
    assert "<strong>ABC</strong>" in parts[0] and "<code>10001</code>" in parts[0]
    assert "<strong>ABCD</strong>" in parts[1] and "CO ABCD" in parts[1]
    assert "<code>10002</code>" in parts[2] and parts[3] == '<span class="sec"><code>42</code></span>'
    template.render(Context({"rows": rows, "request": request}))  # same request: no second read
    template.render(Context({"rows": rows, "request": RequestFactory().get("/")}))  # nor another request
    assert calls == ["crsp_names"]
    renamed = [*ROWS[:2], (10002, D(2020, 1, 2), D(2030, 1, 1), "XYZ", 11, 3)]
    publish_dataset("crsp_names", make_names(renamed), source="demo", query_hash="h2", writer="test")
    html = template.render(Context({"rows": rows, "request": RequestFactory().get("/")}))
    assert calls == ["crsp_names", "crsp_names"]  # a new version is read once
    assert "<strong>XYZ</strong>" in html.split("|")[2]


def test_live_source_names_the_publisher(names) -> None:  # noqa: ANN001
    assert selectors.live_source("crsp_names") == "demo" and selectors.live_source("crsp_daily") is None
