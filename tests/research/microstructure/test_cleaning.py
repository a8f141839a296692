"""TAQ cleaning: parity with R highfrequency's own cleaned samples, and each rule on a hand-built case."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from research.analytics.microstructure import cleaning
from research.services.microstructure import read_taq_quotes, read_taq_trades
from tests.support.shared_data import require_shared_file


def _ref(name: str) -> pl.DataFrame:
    path = require_shared_file("intraday", name)
    return pl.read_csv(path).with_columns(ts=pl.col("DT_NewYork").str.to_datetime(time_unit="us"))


def test_trades_match_highfrequency_sample_row_for_row() -> None:
    raw = read_taq_trades(require_shared_file("intraday", "highfrequency_sampleTDataRaw.csv"))
    clean, report = cleaning.trades_clean(raw, exchanges=["N"])
    ref = _ref("highfrequency_sampleTData.csv")
    assert clean.height == ref.height == 7168
    assert clean["ts"].to_list() == ref["ts"].to_list()
    np.testing.assert_allclose(clean["price"].to_numpy(), ref["PRICE"].to_numpy(), rtol=0, atol=1e-9)
    assert clean["size"].to_list() == ref["SIZE"].to_list()
    dropped = {r.rule: r.dropped for r in report.rules}
    assert dropped == {
        "zero_price": 0,
        "exchange_hours": 451,
        "exchange": 65625,
        "correction": 0,
        "sale_condition": 2,
        "merge_same_timestamp": 4017,
    }
    assert report.initial == 77263 and report.final == 7168


def test_quotes_match_highfrequency_sample_row_for_row() -> None:
    raw = read_taq_quotes(require_shared_file("intraday", "highfrequency_sampleQDataRaw.csv"))
    clean, report = cleaning.quotes_clean(raw, exchanges=["N"])
    ref = _ref("highfrequency_sampleQData.csv")
    assert clean.height == ref.height == 46564
    assert clean["ts"].to_list() == ref["ts"].to_list()
    for ours, theirs in (("bid", "BID"), ("ofr", "OFR"), ("mid", "MIDQUOTE")):
        np.testing.assert_allclose(clean[ours].to_numpy(), ref[theirs].to_numpy(), rtol=0, atol=1e-9)
    assert clean["bidsiz"].to_list() == ref["BIDSIZ"].to_list()
    assert clean["ofrsiz"].to_list() == ref["OFRSIZ"].to_list()
    assert report.initial == 131401
    assert sum(r.dropped for r in report.rules) == 131401 - 46564


def _t(h: int, m: int, s: float = 0) -> dt.datetime:
    return dt.datetime(2024, 3, 1, h, m) + dt.timedelta(seconds=s)


def test_each_trade_rule_drops_its_row() -> None:
    trades = pl.DataFrame(
        {
            "ts": [_t(9, 0), _t(10, 0), _t(10, 1), _t(10, 2), _t(10, 3), _t(10, 4), _t(10, 4), _t(10, 5), _t(16, 0)],
            "symbol": ["A"] * 9,
            "ex": ["N", "N", "N", "T", "N", "N", "N", "N", "N"],
            "cond": ["", "", "", "", "Z", "F I", "@", None, "I"],
            "corr": [0, 0, 0, 0, 0, 0, 0, 12, 0],
            "price": [10.0, 0.0, 10.1, 10.2, 10.3, 10.4, 10.6, 10.7, 10.8],
            "size": [1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    )
    clean, report = cleaning.trades_clean(trades, exchanges=["N"])
    assert [(r.rule, r.dropped) for r in report.rules] == [
        ("zero_price", 1),
        ("exchange_hours", 1),  # 09:00; 16:00:00 itself is kept (inclusive, as highfrequency)
        ("exchange", 1),
        ("correction", 1),
        ("sale_condition", 1),  # "Z"; "F I" is FI once spaces are removed
        ("merge_same_timestamp", 1),
    ]
    assert clean["price"].to_list() == [10.1, 10.5, 10.8]  # median of 10.4 and 10.6
    assert clean["size"].to_list() == [3, 13, 9]


def test_quote_outlier_is_removed_and_spread_rules_apply() -> None:
    n = 120
    rng = np.random.default_rng(3)
    mid = 50 + np.cumsum(rng.normal(0, 0.005, n))
    mid[60] += 1.0  # a bad print far outside the neighbours
    bid, ofr = mid - 0.01, mid + 0.01
    ofr[10] = bid[10] - 0.01  # crossed quote
    ofr[20] = bid[20] + 5.0  # a spread 250x the median one
    quotes = pl.DataFrame(
        {
            "ts": [_t(10, 0, i) for i in range(n)],
            "symbol": ["A"] * n,
            "bid": bid,
            "ofr": ofr,
            "bidsiz": [1] * n,
            "ofrsiz": [2] * n,
        }
    )
    clean, report = cleaning.quotes_clean(quotes, exchanges=None)
    dropped = {r.rule: r.dropped for r in report.rules}
    assert dropped["negative_spread"] == 1 and dropped["large_spread"] == 1 and dropped["mid_outlier"] == 1
    assert _t(10, 0, 60) not in clean["ts"].to_list()
    assert clean.height == n - 3


def test_neighbour_median_matches_brute_force() -> None:
    x = np.random.default_rng(5).normal(size=137)
    got = cleaning._neighbour_median(x, 10)
    want = [np.median(np.concatenate([x[max(0, i - 5) : i], x[i + 1 : i + 6]])) for i in range(len(x))]
    np.testing.assert_allclose(got, want)


def test_trade_far_outside_the_quote_is_dropped() -> None:
    quotes = pl.DataFrame(
        {"ts": [_t(10, 0)], "symbol": ["A"], "bid": [10.0], "ofr": [10.1], "bidsiz": [1], "ofrsiz": [1]}
    )
    trades = pl.DataFrame(
        {"ts": [_t(10, 1), _t(10, 2), _t(10, 3)], "symbol": ["A"] * 3, "price": [10.05, 10.2, 10.21], "size": [1, 1, 1]}
    )
    kept, report = cleaning.trades_vs_quotes(trades, quotes)
    assert kept["price"].to_list() == [10.05, 10.2]  # 10.2 = ofr + one spread is the limit
    assert report.rules[0].dropped == 1


def test_odd_outlier_window_is_rejected() -> None:
    q = pl.DataFrame({"ts": [_t(10, 0)], "symbol": ["A"], "bid": [1.0], "ofr": [1.1], "bidsiz": [1], "ofrsiz": [1]})
    with pytest.raises(ValueError, match="even"):
        cleaning.quotes_clean(q, outlier_window=5)


def test_taq_clean_command_reports_the_parity_counts_and_matches_quotes(tmp_path) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    t = require_shared_file("intraday", "highfrequency_sampleTDataRaw.csv")
    q = require_shared_file("intraday", "highfrequency_sampleQDataRaw.csv")
    out = StringIO()
    target = tmp_path / "trades.parquet"
    call_command(
        "taq_clean", "--trades", str(t), "--quotes", str(q), "--match-quotes", "--out-trades", str(target),
        "--format", "json", stdout=out,
    )  # fmt: skip
    rep = json.loads(out.getvalue())
    assert (rep["trades"]["final"], rep["quotes"]["final"]) == (7168, 46564)
    matched = rep["trades_vs_quotes"]
    assert matched["initial"] == 7168 and matched["final"] == pl.read_parquet(target).height
    assert matched["final"] + matched["rules"][0]["dropped"] == 7168


def test_lobster_stats_command(capsys) -> None:
    from django.core.management import call_command

    m = require_shared_file("intraday", "LOBSTER_AMZN_2012-06-21_34200000_57600000_message_1.csv")
    b = require_shared_file("intraday", "LOBSTER_AMZN_2012-06-21_34200000_57600000_orderbook_1.csv")
    call_command("lobster_stats", str(m), str(b), "--date", "2012-06-21", "--symbol", "AMZN")
    assert "57515 events" in capsys.readouterr().out
