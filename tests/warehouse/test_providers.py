"""The unified fetcher: CRSP provider, fallback chain (yfinance only in development), usage metrics,
and the fetch_data command."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from quant.models import Job
from tests.support import yahoo_loopback
from tests.support.frame_readers import FrameReaders, crsp_frames, yahoo_series
from tests.support.yahoo_loopback import YahooLoopback
from warehouse.models_sync import ProviderUsage
from warehouse.providers.base import DataProvider, ProviderError, Unsupported
from warehouse.providers.crsp import CrspProvider
from warehouse.providers.factory import FallbackProvider, get_provider
from warehouse.providers.metrics import MeteredProvider, usage_summary
from warehouse.providers.yfinance import YFinanceProvider
from warehouse.sources.yahoo import YahooClient, YFinanceRefused

START, END = dt.date(2020, 8, 3), dt.date(2020, 9, 4)


@pytest.fixture
def yahoo(settings, tmp_path):
    with YahooLoopback() as loopback:
        yahoo_loopback.activate(loopback)
        settings.YFINANCE_SESSION_FACTORY = "tests.support.yahoo_loopback.session_factory"
        settings.DATA_DIR = tmp_path
        yield loopback
        yahoo_loopback.activate(None)


def aapl_only_readers() -> FrameReaders:
    frames = crsp_frames(("AAPL",))
    return FrameReaders(frames)


def test_crsp_provider_maps_tickers_point_in_time_and_returns_crsp_returns() -> None:
    provider = CrspProvider(FrameReaders(crsp_frames()))
    assert isinstance(provider, DataProvider)
    rets = provider.total_returns(["aapl", "MSFT", "OLDCO"], START, END)
    assert set(rets["symbol"]) == {"AAPL", "MSFT"}  # OLDCO's permno ended in 2010
    assert rets.filter(pl.col("symbol") == "AAPL", pl.col("date") == dt.date(2020, 8, 14))["ret"].item() == (
        pytest.approx(_yahoo_ret("AAPL", dt.date(2020, 8, 14)) + 0.003, abs=1e-12)
    )
    assert set(rets["provider"]) == {"crsp"}


def _yahoo_ret(symbol: str, day: dt.date) -> float:
    series = [(d, a) for d, _, a in yahoo_series(symbol) if a is not None]
    days = [d for d, _ in series]
    i = days.index(day)
    return series[i][1] / series[i - 1][1] - 1


def test_crsp_bars_unadjust_negative_prices_and_chain_total_returns() -> None:
    frames = crsp_frames(("AAPL",))
    frames["crsp_daily"] = frames["crsp_daily"].with_columns(
        prc=pl.when(pl.col("date") == dt.date(2020, 8, 10)).then(-pl.col("prc")).otherwise(pl.col("prc"))
    )
    bars = CrspProvider(FrameReaders(frames)).daily_bars(["AAPL"], START, END)
    day = bars.filter(pl.col("date") == dt.date(2020, 8, 10))
    raw = frames["crsp_daily"].filter(pl.col("date") == dt.date(2020, 8, 10))
    assert day["close"].item() == pytest.approx(-raw["prc"].item())  # |prc|: bid/ask midpoint
    assert bars["adj_close"][-1] == pytest.approx(bars["close"][-1])  # adjusted back from the last day
    ratio = bars["adj_close"][10] / bars["adj_close"][9]
    assert ratio - 1 == pytest.approx(frames["crsp_daily"]["ret"][10], abs=1e-12)


@pytest.mark.django_db
def test_auto_in_development_falls_back_to_yfinance_for_symbols_crsp_lacks(yahoo, settings) -> None:
    settings.CRSP_READERS = "tests.warehouse.test_providers.aapl_only_readers"
    provider = get_provider("auto")
    assert provider.name == "crsp+yfinance"
    rets = provider.total_returns(["AAPL", "MSFT"], START, END)
    by_provider = dict(rets.group_by("symbol").agg(pl.col("provider").first()).iter_rows())
    assert by_provider == {"AAPL": "crsp", "MSFT": "yfinance"}
    assert [s for s, _ in yahoo.chart_requests] == ["MSFT"]  # yfinance was asked only for what CRSP lacked
    usage = {(u.provider, u.method): (u.rows, u.ok) for u in ProviderUsage.objects.all()}
    assert usage == {("crsp", "total_returns"): (25, True), ("yfinance", "total_returns"): (24, True)}


@pytest.mark.django_db
def test_auto_under_production_never_uses_yfinance(yahoo, settings, monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")
    settings.DEBUG = False
    settings.CRSP_READERS = "tests.warehouse.test_providers.aapl_only_readers"
    provider = get_provider("auto")
    assert provider.name == "crsp"
    rets = provider.total_returns(["AAPL", "MSFT"], START, END)
    assert set(rets["symbol"]) == {"AAPL"} and yahoo.server.log == []
    with pytest.raises(YFinanceRefused):
        get_provider("yfinance")
    with pytest.raises(YFinanceRefused):
        YFinanceProvider()


@pytest.mark.django_db
def test_an_unpublished_warehouse_falls_back_and_is_recorded_as_a_failure(yahoo, settings, wh) -> None:
    settings.CRSP_READERS = ""  # the real warehouse.readers, over an empty warehouse
    bars = get_provider("auto").daily_bars(["MSFT"], START, END)
    assert set(bars["provider"]) == {"yfinance"} and bars.height == 24
    failed = ProviderUsage.objects.get(provider="crsp")
    assert not failed.ok and "crsp_names has not been published yet" in failed.error


@pytest.mark.django_db
def test_fallback_raises_when_no_provider_has_data(yahoo, settings) -> None:
    settings.CRSP_READERS = "tests.warehouse.test_providers.aapl_only_readers"
    chain = get_provider("auto")
    assert chain.total_returns(["ZZZZ", "AAPL"], START, END)["symbol"].unique().to_list() == ["AAPL"]
    with pytest.raises(ProviderError, match="yfinance: yfinance provides no point-in-time fundamentals"):
        FallbackProvider([YFinanceProvider()]).fundamentals(["AAPL"], START, END)
    with pytest.raises(Unsupported):
        YFinanceProvider().fundamentals(["AAPL"], START, END)


@pytest.mark.django_db
def test_usage_summary_counts_calls_rows_failures_and_latency(yahoo, tmp_path) -> None:
    provider = MeteredProvider(YFinanceProvider(YahooClient(session=yahoo.session(), cache=tmp_path)))
    provider.daily_bars(["AAPL"], START, END)
    provider.total_returns(["AAPL", "MSFT"], START, END)
    with pytest.raises(Unsupported):
        provider.fundamentals(["AAPL"], START, END)
    (summary,) = usage_summary()
    assert (summary.provider, summary.calls, summary.rows, summary.failures) == ("yfinance", 3, 25 + 25 + 24, 1)
    assert summary.max_latency_ms >= summary.mean_latency_ms > 0 and summary.last_call is not None
    ProviderUsage.objects.update(created=ProviderUsage.objects.first().created - dt.timedelta(days=30))
    assert usage_summary() == [] and usage_summary(since=None)[0].calls == 3


def test_unknown_provider_setting_is_a_clear_error(settings) -> None:
    settings.DATA_PROVIDER = "bloomberg"
    with pytest.raises(ImproperlyConfigured, match="choose one of auto, crsp, yfinance"):
        get_provider()


@pytest.mark.django_db
def test_fetch_data_command_prints_and_writes_parquet_and_csv(yahoo, settings, tmp_path, capsys) -> None:
    settings.CRSP_READERS = "tests.warehouse.test_providers.aapl_only_readers"
    args = ["--symbols", "AAPL,MSFT", "--start", "2020-08-03", "--end", "2020-09-04", "--provider", "auto"]
    call_command("fetch_data", *args)
    captured = capsys.readouterr()
    assert "AAPL: 25 rows from crsp" in captured.out and "MSFT: 24 rows from yfinance" in captured.out
    assert "no survivorship or delisting handling" in captured.err
    assert "shape: (49, 9)" in captured.out
    job = Job.objects.get(kind="sync")  # the read shows on the Jobs page
    assert (job.status, job.params["method"], job.params["symbols"]) == ("succeeded", "daily_bars", ["AAPL", "MSFT"])
    assert job.message.startswith("49 rows of daily_bars for 2 symbol(s) from ")
    call_command("fetch_data", *args, "--output", str(tmp_path / "bars.parquet"))
    written = pl.read_parquet(tmp_path / "bars.parquet")
    assert written.height == 49 and written.columns[:3] == ["symbol", "date", "open"]
    call_command("fetch_data", *args, "--kind", "returns", "--output", str(tmp_path / "rets.csv"))
    csv = pl.read_csv(tmp_path / "rets.csv", try_parse_dates=True)
    assert csv.columns == ["symbol", "date", "ret", "provider"] and csv.height == 49
    with pytest.raises(CommandError, match=r"\.parquet or \.csv"):
        call_command("fetch_data", *args, "--output", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="must not be after"):
        call_command("fetch_data", "--symbols", "AAPL", "--start", "2020-09-04", "--end", "2020-08-03")
