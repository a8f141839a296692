"""TAQ Tier 1: demo generator shape, aggregates and publishing through the warehouse's one path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.core.management import call_command

from research.analytics.microstructure import kernel, realized
from research.services.taq import taq_aggregates, taq_publish
from research.services.taq_demo import demo_intraday
from warehouse import readers, storage
from warehouse.publish import ValidationFailed
from warehouse.readers.taq import taq_coverage, taq_rows


@pytest.fixture
def wh(settings, tmp_path: Path) -> Iterator[Path]:
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    settings.LOCKS_DIR = tmp_path / "locks"
    yield settings.WAREHOUSE_DIR
    if readers._CONNECTION is not None:
        readers._CONNECTION[1].close()
        readers._CONNECTION = None


@pytest.fixture(scope="module")
def demo() -> tuple[pl.DataFrame, pl.DataFrame]:
    return demo_intraday(symbols=("AAA", "BBB"), days=4, trades_per_day=1500, jump_prob=0.5)


def test_demo_volume_and_spreads_are_u_shaped(demo) -> None:
    trades, quotes = demo
    minute = (trades["ts"].dt.hour().cast(pl.Int32) * 60 + trades["ts"].dt.minute() - 570).to_numpy()
    counts = np.bincount(minute, minlength=390)
    assert counts[:30].mean() > 2 * counts[180:210].mean()
    assert counts[-30:].mean() > 2 * counts[180:210].mean()
    q = quotes.with_columns(rel=(pl.col("ofr") - pl.col("bid")) / pl.col("bid"), h=pl.col("ts").dt.hour())
    by_hour = dict(q.group_by("h").agg(pl.col("rel").mean()).iter_rows())
    assert by_hour[9] > 1.5 * by_hour[12] and by_hour[15] > 1.5 * by_hour[12]
    assert (quotes["ofr"] > quotes["bid"]).all()


def test_aggregates_agree_with_the_analytics(demo) -> None:
    trades, quotes = demo
    agg = taq_aggregates(trades, quotes)
    daily = agg.daily.sort("symbol", "date")
    direct = realized.realized_measures(trades).sort("symbol", "date")
    np.testing.assert_allclose(daily["rv"].to_numpy(), direct["rv"].to_numpy())
    vol = (
        trades.group_by("symbol", pl.col("ts").dt.date().alias("date")).agg(pl.col("size").sum()).sort("symbol", "date")
    )
    np.testing.assert_allclose(daily["volume"].to_numpy(), vol["size"].to_numpy())
    assert daily["trades"].sum() == trades.height == agg.bars_1m["count"].sum()
    shares = agg.intraday.group_by("symbol", "date").agg(pl.col("volume_share").sum())["volume_share"]
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    assert daily["quoted_spread"].drop_nulls().len() == daily.height
    # the realized kernel of each day from its tick returns, bandwidth from the day's 5-minute RV
    row = daily.row(0, named=True)
    day = trades.filter((pl.col("symbol") == row["symbol"]) & (pl.col("ts").dt.date() == row["date"])).sort("ts")
    r = day["price"].log().diff().drop_nulls().to_numpy()
    assert row["rk_bandwidth"] == kernel.kernel_bandwidth(len(r), float(r @ r), row["rv"])
    assert row["rk"] == pytest.approx(kernel.realized_kernel_of(r, row["rk_bandwidth"]), rel=1e-12)
    assert 0.5 < daily["rk"].mean() / daily["rv"].mean() < 1.5


def test_publish_versions_and_reads_back(wh, demo) -> None:
    trades, quotes = demo
    agg = taq_aggregates(trades, quotes)
    first = taq_publish(agg, source="demo", writer="test")
    assert [r.version for r in first] == [1, 1, 1]
    back = taq_rows("taq_daily", symbol="AAA")
    assert back.height == 4 and back["rv"].to_list() == agg.daily.filter(pl.col("symbol") == "AAA")["rv"].to_list()
    cov = {r["dataset"]: r for r in taq_coverage().iter_rows(named=True)}
    assert cov["taq_bars_1m"]["symbols"] == 2 and cov["taq_bars_1m"]["rows"] == agg.bars_1m.height
    assert storage.load_manifest("taq_daily", 1).rows == agg.daily.height
    second = taq_publish(agg, source="demo", writer="test")
    assert [r.version for r in second] == [2, 2, 2]


def test_a_duplicate_key_is_quarantined_and_nothing_published(wh, demo) -> None:
    trades, quotes = demo
    agg = taq_aggregates(trades, quotes)
    bad = type(agg)(bars_1m=agg.bars_1m, daily=pl.concat([agg.daily, agg.daily.head(1)]), intraday=agg.intraday)
    with pytest.raises(ValidationFailed):
        taq_publish(bad, source="demo", writer="test")
    assert storage.current_version("taq_daily") is None


def test_taq_build_command_on_the_highfrequency_sample(wh) -> None:
    from tests.support.shared_data import require_shared_file

    t = require_shared_file("intraday", "highfrequency_sampleTDataRaw.csv")
    q = require_shared_file("intraday", "highfrequency_sampleQDataRaw.csv")
    out = StringIO()
    call_command("taq_build", "--trades", str(t), "--quotes", str(q), "--exchanges", "N", stdout=out)
    assert "trades 77263 -> 7168" in out.getvalue()
    daily = taq_rows("taq_daily")
    assert daily["date"].to_list() == [dt.date(2018, 1, 2), dt.date(2018, 1, 3)]
    assert daily["trades"].sum() == 7168


@pytest.mark.django_db
def test_pages_full_fragment_empty_and_404(wh, demo, client) -> None:
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(role="viewer"))
    empty = client.get(reverse("research:microstructure"))
    assert empty.status_code == 200 and "python manage.py taq_build --demo" in empty.content.decode()
    assert client.get(reverse("research:microstructure_symbol", args=["AAA"])).status_code == 404
    taq_publish(taq_aggregates(*demo), source="demo", writer="test")
    page = client.get(reverse("research:microstructure_symbol", args=["AAA"]))
    assert page.status_code == 200 and 'id="ms-chart-data"' in page.content.decode()
    url = reverse("research:taq") + "?symbols=AAA,ZZZ&start=2024-06-24&end=2024-06-28"
    full = client.get(url).content.decode()
    frag = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" in full and "<html" not in frag and 'id="research-taq-estimate"' in frag
    rates = taq_rows("taq_daily").group_by("symbol").agg(pl.col("trades").mean()).sort("symbol")["trades"]
    want = 5 * (rates[0] + rates.median())  # AAA's mean rate, ZZZ (no history) at the median symbol's
    assert f'<td class="num">{round(want)}</td>' in frag


@pytest.mark.django_db
def test_taq_query_prints_the_estimate_and_refuses_a_large_query_without_yes(wh, demo, tmp_path) -> None:
    from django.core.management.base import CommandError

    taq_publish(taq_aggregates(*demo), source="demo", writer="test")
    out = StringIO()
    args = ["--symbols", "AAA", "--start", "2024-06-24", "--end", "2024-06-28", "--out", str(tmp_path)]
    call_command("taq_query", *args, "--estimate-only", stdout=out)
    assert "1 symbols x 5 sessions" in out.getvalue()
    many = ",".join(f"S{i}" for i in range(400))
    big = ["--symbols", f"AAA,{many}", "--start", "2020-01-01", "--end", "2024-06-28", "--out", str(tmp_path)]
    with pytest.raises(CommandError, match="--yes"):
        call_command("taq_query", *big, stdout=StringIO())


@pytest.mark.django_db
def test_tier1_is_in_the_catalog_the_dataset_list_and_the_taq_health_card(wh, demo) -> None:
    import duckdb

    from warehouse.health import taq_check
    from warehouse.selectors import dataset_summaries

    assert taq_check().status == "unknown" and "taq_build --demo" in taq_check().summary
    agg = taq_aggregates(*demo)
    taq_publish(agg, source="demo", writer="test")
    assert {"taq_bars_1m", "taq_daily", "taq_intraday"} <= set(storage.published_datasets())
    con = duckdb.connect(str(storage.catalog_path()), read_only=True)
    try:
        n, rv = con.execute("SELECT count(*), sum(rv) FROM taq_daily").fetchone()
        versions = dict(con.execute("SELECT dataset, version FROM _versions").fetchall())
    finally:
        con.close()
    assert n == agg.daily.height and rv == pytest.approx(agg.daily["rv"].sum(), rel=1e-12)
    assert versions["taq_intraday"] == 1
    summaries = {s.dataset: s for s in dataset_summaries()}
    assert summaries["taq_daily"].rows == agg.daily.height and summaries["taq_daily"].date_max == dt.date(2024, 6, 28)
    demo_card = taq_check(today=dt.date(2025, 1, 10))
    assert demo_card.status == "ok" and "demo data, freshness not judged" in demo_card.summary
    taq_publish(agg, source="wrds", writer="test")
    # 2024-06-28 is a Friday; 2024-07-01, 07-02 and 07-03 are sessions (07-04 a holiday), 07-05 too
    fresh = taq_check(today=dt.date(2024, 7, 4))
    assert fresh.status == "ok" and fresh.details["sessions behind"] == 3
    stale = taq_check(today=dt.date(2024, 7, 10))
    assert stale.status == "warn" and stale.details["sessions behind"] == 6 and "taq_sync" in stale.summary
