"""The SQL explorer page, its audit, paging, the allow-list by role, and owner-only expiring exports."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest
from django.urls import reverse
from django.utils import timezone
from polars.testing import assert_frame_equal

from quant.models import Job
from tests.factories import UserFactory
from tests.warehouse.conftest import demo_frames
from warehouse.explorer.services import data_export_execute, exports_prune
from warehouse.models_explorer import DataExport, QueryAudit

pytestmark = pytest.mark.django_db
SQL = reverse("warehouse:sql")


def _client(client, role: str):
    user = UserFactory(role=role)
    client.force_login(user)
    return client, user


def test_a_viewer_queries_fama_french_and_every_query_is_audited(client, catalog):
    client, user = _client(client, "viewer")
    q = "select frequency, count(*) as n, round(sum(mktrf), 6) as total from ff_factors group by 1 order by 1"
    html = client.get(SQL, {"q": q}).content.decode()
    ff = demo_frames()["ff_factors"]
    daily = ff.filter(pl.col("frequency") == "daily")
    assert f"<td>daily</td><td>{daily.height}</td><td>{round(daily['mktrf'].sum(), 6)}</td>" in html
    assert "<html" in html and 'id="warehouse-sql-rows"' in html
    audit = QueryAudit.objects.get()
    assert (audit.user, audit.sql, audit.status, audit.rows, audit.datasets) == (user, q, "ok", 2, ["ff_factors"])
    assert audit.elapsed_ms > 0

    refused = client.get(SQL, {"q": "select * from crsp_daily"}).content.decode()
    assert "Dataset &#x27;crsp_daily&#x27; is not available to you; allowed: ff_factors, ff_industries." in refused
    assert QueryAudit.objects.filter(status="refused", user=user).count() == 1


def test_pages_come_as_fragments_with_links_that_also_open_as_full_pages(client, catalog, settings):
    settings.EXPLORER_PAGE_ROWS = 100
    client, _ = _client(client, "researcher")
    q = "select permno, date, ret from crsp_daily order by permno, date"
    fragment = client.get(SQL, {"q": q, "page": 2}, headers={"HX-Request": "true"}).content.decode().strip()
    assert fragment.startswith('<section id="warehouse-sql-result"') and fragment.endswith("</section>")
    expected = demo_frames()["crsp_daily"].sort("permno", "date").slice(100, 100)
    first, last = expected.row(0), expected.row(-1)
    assert f"<tr><td>{first[0]}</td><td>{first[1].isoformat()}</td><td>{first[2]}</td></tr>" in fragment
    assert f"<tr><td>{last[0]}</td><td>{last[1].isoformat()}</td><td>{last[2]}</td></tr>" in fragment
    assert "Rows 101–200 · page 2" in fragment and fragment.count("<tr><td>") == 100
    assert 'id="warehouse-sql-prev"' in fragment and 'id="warehouse-sql-next"' in fragment
    full = client.get(SQL, {"q": q, "page": 4}).content.decode()  # 324 rows: page 4 has 24, no next
    assert "<html" in full and "Rows 301–324 · page 4" in full and 'id="warehouse-sql-next"' not in full


def test_an_export_is_a_job_whose_file_only_its_owner_downloads_until_it_expires(client, catalog, settings):
    settings.CELERY_BROKER_URL = None
    client, owner = _client(client, "researcher")
    q = "select permno, date, ret from crsp_daily where permno = 10002 order by date"
    form = {"q": q, "format": "csv"}
    response = client.post(reverse("warehouse:export_create"), form, headers={"HX-Request": "true"})
    export = DataExport.objects.get()
    assert response.status_code == 200 and export.owner == owner and export.job.kind == "warehouse_export"
    assert data_export_execute(job_id=export.job_id) == "succeeded"
    export.refresh_from_db()
    expected = demo_frames()["crsp_daily"].filter(pl.col("permno") == 10002).select("permno", "date", "ret")
    assert export.rows == expected.height
    assert Job.objects.get(pk=export.job_id).message.startswith(f"{expected.height:,} rows")
    status = client.get(reverse("warehouse:export", args=[export.pk])).content.decode()
    assert f"/warehouse/exports/{export.pk}/download/" in status
    download = client.get(reverse("warehouse:export_download", args=[export.pk]))
    got = pl.read_csv(io.BytesIO(b"".join(download.streaming_content)), try_parse_dates=True)
    assert download["Content-Disposition"].startswith("attachment")
    assert_frame_equal(got, expected, check_dtypes=False)

    other, _ = _client(client.__class__(), "admin")
    assert other.get(reverse("warehouse:export_download", args=[export.pk])).status_code == 404
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(reverse("warehouse:export_download", args=[export.pk])).status_code == 404
    assert exports_prune() == 1 and not DataExport.objects.get().path


def test_a_parquet_export_keeps_types(client, catalog, settings):
    client, owner = _client(client, "researcher")
    client.post(reverse("warehouse:export_create"), {"q": "select * from ff_factors", "format": "parquet"})
    export = DataExport.objects.get()
    data_export_execute(job_id=export.job_id)
    download = client.get(reverse("warehouse:export_download", args=[export.pk]))
    got = pl.read_parquet(io.BytesIO(b"".join(download.streaming_content)))
    expected = demo_frames()["ff_factors"]
    assert got.schema == expected.schema
    assert_frame_equal(got.sort("frequency", "date"), expected.sort("frequency", "date"))


def test_a_viewer_cannot_export_a_licensed_dataset(client, catalog):
    client, _ = _client(client, "viewer")
    response = client.post(reverse("warehouse:export_create"), {"q": "select * from crsp_daily", "format": "csv"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 400 and "not available to you" in response.content.decode()
    assert not DataExport.objects.exists() and QueryAudit.objects.get().purpose == "export"


def test_without_a_role_the_explorer_is_refused(client, catalog):
    client.force_login(UserFactory(role=None))
    assert client.get(SQL, {"q": "select 1"}).status_code == 403
    assert not QueryAudit.objects.exists()
