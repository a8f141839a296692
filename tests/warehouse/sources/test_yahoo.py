"""yfinance through a real requests.Session whose adapter sends Yahoo URLs to a loopback server."""

from __future__ import annotations

import datetime as dt
import logging

import polars as pl
import pytest
from django.core.management import call_command

from tests.support import frame_readers, yahoo_loopback
from tests.support.frame_readers import FrameReaders, crsp_frames, yahoo_series
from tests.support.yahoo_loopback import YahooLoopback
from warehouse.sources.limits import RateLimiter
from warehouse.sources.yahoo import (
    DEV_WARNING,
    YahooClient,
    YFinanceRefused,
    reconcile,
    returns_from_bars,
)

START, END = dt.date(2020, 8, 3), dt.date(2020, 9, 4)


@pytest.fixture
def yahoo():
    with YahooLoopback() as loopback:
        yahoo_loopback.activate(loopback)
        yield loopback
        yahoo_loopback.activate(None)


@pytest.fixture
def client(yahoo, tmp_path) -> YahooClient:
    return YahooClient(session=yahoo.session(), cache=tmp_path / "cache" / "yfinance")


def test_history_parses_the_chart_response(client, yahoo) -> None:
    aapl = client.history("AAPL", START, END)
    series = yahoo_series("AAPL")
    assert aapl["date"].to_list() == [d for d, _, _ in series]  # New York dates, 25 sessions
    assert aapl.height == 25
    assert aapl["close"].to_list() == pytest.approx([c for _, c, _ in series])
    assert aapl["adj_close"].to_list() == pytest.approx([a for _, _, a in series], abs=1e-6)
    assert aapl.filter(pl.col("splits") > 0).select("date", "splits").rows() == [(dt.date(2020, 8, 31), 4.0)]
    assert aapl.filter(pl.col("dividends") > 0).select("date", "dividends").rows() == [(dt.date(2020, 8, 7), 0.205)]
    msft = client.history("MSFT", START, END)
    assert msft.height == 24 and dt.date(2020, 8, 26) not in msft["date"].to_list()  # Yahoo's empty bar dropped
    (symbol, query), _ = yahoo.chart_requests
    assert symbol == "AAPL" and query["interval"] == ["1d"] and query["events"] == ["div,splits,capitalGains"]
    # end is inclusive for us, exclusive for Yahoo: period2 is the day after END at midnight New York
    assert int(query["period2"][0]) == int(dt.datetime(2020, 9, 5, 4, tzinfo=dt.UTC).timestamp())


def test_returns_use_the_adjusted_close_so_splits_are_not_losses(client) -> None:
    rets = returns_from_bars(client.history("AAPL", START, END))
    series = yahoo_series("AAPL")
    on_split = rets.filter(pl.col("date") == dt.date(2020, 8, 31))["ret"].item()
    i = [d for d, _, _ in series].index(dt.date(2020, 8, 31))
    assert on_split == pytest.approx(series[i][2] / series[i - 1][2] - 1, abs=1e-9)
    assert abs(on_split) < 0.1 and rets["ret"][0] is None


def test_parquet_cache_avoids_a_second_request(client, yahoo) -> None:
    first = client.history("AAPL", START, END)
    cached = client.cache / "AAPL" / "20200803_20200904.parquet"
    assert cached.is_file()
    again = client.history("AAPL", START, END)
    assert again.equals(first) and len(yahoo.chart_requests) == 1 and client.requests == 1


def test_unknown_symbols_are_reported_not_invented(client) -> None:
    bars, missing = client.bars(["AAPL", "ZZZZ"], START, END)
    assert set(bars["symbol"]) == {"AAPL"} and list(missing) == ["ZZZZ"]
    assert not (client.cache / "ZZZZ").exists()


def test_request_cap_spaces_downloads(yahoo, tmp_path) -> None:
    now = {"t": 0.0}
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now["t"] += seconds

    limiter = RateLimiter(1, clock=lambda: now["t"], sleep=sleep)
    client = YahooClient(session=yahoo.session(), cache=tmp_path / "c", limiter=limiter)
    client.bars(["AAPL", "MSFT", "ZZZZ"], START, END)
    assert sleeps == [60.0, 60.0] and client.requests == 3


def test_development_warning_is_logged(yahoo, tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="quantdesk.sources.yahoo"):
        YahooClient(session=yahoo.session(), cache=tmp_path)
    assert DEV_WARNING in caplog.text and "no survivorship or delisting handling" in caplog.text


def test_refused_under_production_settings(settings, monkeypatch, yahoo, tmp_path) -> None:
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")
    settings.DEBUG = False
    with pytest.raises(YFinanceRefused, match="development-only"):
        YahooClient(session=yahoo.session(), cache=tmp_path)
    settings.DEBUG = True  # a developer running production settings with DEBUG on is not production
    YahooClient(session=yahoo.session(), cache=tmp_path)
    assert yahoo.server.log == []


def test_reconciliation_lists_days_beyond_tolerance(client) -> None:
    bars, _ = client.bars(["AAPL", "MSFT"], START, END)
    readers = FrameReaders(crsp_frames())
    permnos = {s: readers.ticker_to_permno(s, END) for s in ("AAPL", "MSFT", "OLDCO")}
    crsp = readers.total_returns(START, END, permnos=[14593, 10107])
    report = reconcile(returns_from_bars(bars), crsp, permnos, tolerance=0.0005)
    assert report.unmatched == ["OLDCO"]  # the ticker existed, but not in 2020
    got = {(r["symbol"], r["date"]): r["diff"] for r in report.differences.iter_rows(named=True)}
    msft = {d: a for d, _, a in yahoo_series("MSFT")}
    gap_day = dt.date(2020, 8, 27)  # Yahoo skipped 08-26: its 08-27 return spans two days
    crsp_27 = crsp.filter(pl.col("permno") == 10107, pl.col("date") == gap_day)["ret"].item()
    assert got == pytest.approx({
        ("AAPL", dt.date(2020, 8, 14)): -0.003,
        ("MSFT", dt.date(2020, 8, 25)): 0.01,
        ("MSFT", gap_day): msft[gap_day] / msft[dt.date(2020, 8, 25)] - 1 - crsp_27,
    }, abs=1e-9)  # fmt: skip
    summary = {r["symbol"]: r for r in report.summary.iter_rows(named=True)}
    assert summary["AAPL"]["overlap_days"] == 24 and summary["AAPL"]["differing_days"] == 1
    assert summary["MSFT"]["overlap_days"] == 23 and summary["MSFT"]["differing_days"] == 2
    assert summary["AAPL"]["max_abs_diff"] == pytest.approx(0.003, abs=1e-9)


def test_yfinance_reconcile_command(settings, yahoo, tmp_path, capsys) -> None:
    settings.YFINANCE_SESSION_FACTORY = "tests.support.yahoo_loopback.session_factory"
    settings.CRSP_READERS = "tests.support.frame_readers.factory"
    settings.DATA_DIR = tmp_path
    assert frame_readers.factory().ticker_to_permno("AAPL", END) == 14593
    call_command("yfinance_reconcile", "--symbols", "AAPL,MSFT,ZZZZ", "--start", "2020-08-03", "--end", "2020-09-04")
    captured = capsys.readouterr()
    assert "no survivorship or delisting handling" in captured.err
    assert "AAPL (permno 14593): 24 days compared, 1 beyond tolerance" in captured.out
    assert "MSFT (permno 10107): 23 days compared, 2 beyond tolerance" in captured.out
    assert "ZZZZ: no CRSP permno as of 2020-09-04" in captured.out
    assert "AAPL 2020-08-14:" in captured.out and "diff -0.003000" in captured.out
    assert "Summary: 3 day(s) beyond tolerance." in captured.out
    assert (tmp_path / "cache" / "yfinance" / "MSFT").is_dir()
