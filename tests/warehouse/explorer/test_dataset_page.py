"""Dataset page: schema with descriptions, versions, monthly coverage (checked against polars), preview filters."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.warehouse.conftest import demo_frames

pytestmark = pytest.mark.django_db


def test_the_dataset_page_shows_schema_versions_coverage_and_a_preview(client, catalog):
    client.force_login(UserFactory(role="viewer"))
    html = client.get(reverse("warehouse:dataset", args=["crsp_daily"])).content.decode()
    assert (
        '<code>ret</code></td><td data-label="Type">Float64</td>'
        '<td data-label="Description">simple return incl. dividends [decimal]</td>'
    ) in html
    assert (
        '<code>permno</code> <span class="badge">key</span>' in html and 'v1 <span class="badge badge-ok">live' in html
    )
    data = json.loads(re.search(r'id="warehouse-coverage-data" type="application/json">(.*?)</script>', html).group(1))
    frame = demo_frames()["crsp_daily"]
    expected = (
        frame.group_by(pl.col("date").dt.strftime("%Y-%m").alias("m"))
        .agg(pl.len().alias("rows"), pl.col("permno").n_unique().alias("symbols"))
        .sort("m")
    )
    assert data == {"months": expected["m"].to_list(), "rows": expected["rows"].to_list(),
                    "symbols": expected["symbols"].to_list()}  # fmt: skip
    assert html.count("<tr><td>10001</td>") == 50  # the first 50 rows in key order: all permno 10001


def test_preview_filters_come_back_as_a_fragment_and_bad_values_say_why(client, catalog):
    client.force_login(UserFactory(role="viewer"))
    url = reverse("warehouse:dataset", args=["crsp_daily"])
    fragment = client.get(url, {"preview": "1", "f_permno": "10003", "f_date": "2020-01-02"},
                          headers={"HX-Request": "true"}).content.decode().strip()  # fmt: skip
    assert fragment.startswith('<section id="warehouse-preview"') and fragment.endswith("</section>")
    row = demo_frames()["crsp_daily"].filter((pl.col("permno") == 10003) & (pl.col("date") == pl.date(2020, 1, 2)))
    assert fragment.count("<tr><td>10003</td><td>2020-01-02</td>") == 1 and f"<td>{row['ret'][0]}</td>" in fragment
    bad = client.get(url, {"preview": "1", "f_permno": "ten"}, headers={"HX-Request": "true"}).content.decode()
    assert "&#x27;ten&#x27; is not a Int64 value." in bad
    assert client.get(reverse("warehouse:dataset", args=["nope"])).status_code == 404
    empty = client.get(reverse("warehouse:dataset", args=["taq_daily"])).content.decode()
    assert "Not published yet" in empty and "<code>rv</code>" in empty
