"""Point-in-time readers on hand-computed cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from quant import calendars
from warehouse import readers
from warehouse.publish import publish_dataset

from .conftest import _fill, cast, make_delist, make_names

D = dt.date
JAN = calendars.sessions(D(2020, 1, 2), D(2020, 1, 31)).to_list()


def _daily(spans: dict[int, tuple[dt.date, dt.date]], rets: dict[tuple[int, dt.date], float]) -> pl.DataFrame:
    rows = [(p, d) for p, (a, b) in spans.items() for d in JAN if a <= d <= b]
    permno, date = zip(*rows, strict=True)
    ret = [rets.get(key, 0.001) for key in rows]
    n = len(rows)
    return _fill({"permno": permno, "date": date, "ret": ret, "retx": ret, "prc": [10.0] * n}, "crsp_daily", n)


def _publish(name: str, frame: pl.DataFrame) -> None:
    publish_dataset(name, frame, source="test", query_hash="h", writer="test")


LAST = D(2020, 1, 10)
SPANS = {
    1: (D(2020, 1, 2), LAST), 2: (D(2020, 1, 2), LAST), 3: (D(2020, 1, 2), LAST), 4: (D(2020, 1, 2), LAST),
    5: (D(2020, 1, 2), D(2020, 1, 31)), 6: (D(2020, 1, 2), LAST), 7: (D(2020, 1, 2), D(2020, 1, 31)),
    8: (D(2020, 1, 2), D(2020, 1, 31)), 9: (D(2020, 1, 2), D(2020, 1, 31)), 10: (D(2020, 1, 16), D(2020, 1, 31)),
}  # fmt: skip
RETS = {(1, LAST): 0.02, (2, LAST): -0.05, (3, LAST): 0.01, (4, LAST): 0.03, (6, LAST): None}
NAMES = [
    (1, D(2019, 1, 2), LAST, "ONE", 10, 1),
    (2, D(2019, 1, 2), LAST, "TWO", 11, 3),
    (3, D(2019, 1, 2), LAST, "THR", 11, 2),
    (4, D(2019, 1, 2), LAST, "FOU", 10, 3),
    (5, D(2019, 1, 2), D(2020, 1, 15), "AAA", 11, 1),
    (5, D(2020, 1, 16), None, "BBB", 11, 1),
    (6, D(2019, 1, 2), None, "SIX", 11, 1),
    (7, D(2019, 1, 2), None, "ADR", 31, 1),
    (8, D(2019, 1, 2), None, "ETF", 73, 2),
    (9, D(2019, 1, 2), None, "OTC", 11, 4),
    (10, D(2020, 1, 16), None, "AAA", 11, 3),
]
DELIST = [
    (1, LAST, 520, None),  # NYSE, performance, missing -> -30 %
    (2, LAST, 551, None),  # NASDAQ, performance, missing -> -55 %
    (3, D(2020, 1, 14), 231, 0.15),  # merger after the last trading day -> applied on the last trading day
    (4, LAST, 231, None),  # merger, missing dlret: not replaced
    (6, D(2020, 1, 13), 560, -0.4),  # delists on the next session
]


@pytest.fixture
def crsp(wh) -> None:
    _publish("crsp_daily", _daily(SPANS, RETS))
    _publish("crsp_names", make_names(NAMES))
    _publish("crsp_delist", make_delist(DELIST))


def test_total_returns_compound_delisting_returns_with_shumway_replacement(crsp) -> None:
    frame, report = readers.total_returns_with_report(D(2020, 1, 2), D(2020, 1, 31))
    got = frame.collect().filter(pl.col("date") == LAST).sort("permno")
    expected = {
        1: (0.02, -0.30, 1.02 * 0.70 - 1, True),  # -0.286
        2: (-0.05, -0.55, 0.95 * 0.45 - 1, True),  # -0.5725
        3: (0.01, 0.15, 1.01 * 1.15 - 1, False),  # 0.1615
        4: (0.03, None, 0.03, False),
        5: (0.001, None, 0.001, False),
        6: (None, -0.4, -0.4, False),  # missing ret on the delisting day: total = dlret
    }
    for permno, (ret, dlret, total, imputed) in expected.items():
        row = got.filter(pl.col("permno") == permno).row(0, named=True)
        assert row["ret"] == pytest.approx(ret) if ret is not None else row["ret"] is None
        assert (row["dlret"] == pytest.approx(dlret)) if dlret is not None else row["dlret"] is None
        assert row["total_ret"] == pytest.approx(total)
        assert row["dlret_imputed"] is imputed
    assert report == readers.TotalReturnReport(
        delistings_applied=4, replaced_nyse_amex=1, replaced_nasdaq=1, missing_dlret_kept_null=1
    )
    other_days = frame.collect().filter(pl.col("date") != LAST)
    assert other_days["dlret"].null_count() == other_days.height
    assert (other_days["total_ret"] == other_days["ret"]).all()
    assert readers.MISSING_DLRET_NYSE_AMEX == -0.30 and readers.MISSING_DLRET_NASDAQ == -0.55


def test_delisting_return_outside_the_range_is_not_applied(crsp) -> None:
    frame, report = readers.total_returns_with_report(D(2020, 1, 2), D(2020, 1, 9), permnos=[1, 3])
    out = frame.collect()
    assert out.height == 2 * 6 and out["dlret"].null_count() == out.height
    assert report.delistings_applied == 0


def test_universe_is_survivorship_free_and_filters_share_code_and_exchange(crsp) -> None:
    members, report = readers.universe_with_report(LAST)
    # 7 (ADR, shrcd 31), 8 (ETF, 73) and 9 (exchcd 4) are out; 10 lists later; 6 delists on the next session.
    assert members["permno"].to_list() == [1, 2, 3, 4, 5, 6]
    assert (report.names_valid, report.dropped_share_code, report.dropped_exchange) == (9, 2, 1)
    assert readers.universe(D(2020, 1, 13))["permno"].to_list() == [5]
    assert readers.universe(D(2020, 1, 20))["permno"].to_list() == [5, 10]
    # Saturday: trading rows of Friday's session; 1-4 delisted (or their name rows ended) on Friday,
    # 6 delists on Monday and is still in.
    assert readers.universe(D(2020, 1, 11))["permno"].to_list() == [5, 6]


def test_tickers_map_point_in_time_and_are_reused(crsp) -> None:
    assert readers.ticker_to_permno("AAA", D(2020, 1, 10)) == 5
    assert readers.ticker_to_permno("AAA", D(2020, 1, 20)) == 10
    assert readers.ticker_to_permno("ZZZ", D(2020, 1, 20)) is None
    assert readers.permno_to_ticker(5, D(2020, 1, 15)) == "AAA"
    assert readers.permno_to_ticker(5, D(2020, 1, 16)) == "BBB"


def _annual(rows: list[tuple[str, dt.date, float]]) -> pl.DataFrame:
    gv, dd, at = zip(*rows, strict=True)
    return _fill({"gvkey": gv, "datadate": dd, "fyear": [d.year for d in dd], "at": at}, "compustat_annual", len(rows))


def _quarterly(rows: list[tuple[str, dt.date, dt.date | None, float]]) -> pl.DataFrame:
    gv, dd, rdq, atq = zip(*rows, strict=True)
    return _fill(
        {"gvkey": gv, "datadate": dd, "fyearq": [d.year for d in dd], "fqtr": [1] * len(rows), "rdq": rdq,
         "atq": atq}, "compustat_quarterly", len(rows)
    )  # fmt: skip


ANNUAL = [("000001", D(2018, 12, 31), 100.0), ("000001", D(2019, 12, 31), 110.0), ("000002", D(2019, 6, 30), 50.0)]
QUARTERLY = [("000001", D(2019, 12, 31), D(2020, 2, 10), 105.0), ("000001", D(2020, 3, 31), None, 108.0)]
LINKS = cast(
    "ccm_link",
    pl.DataFrame({
        "gvkey": ["000001", "000001", "000002", "000003"], "lpermno": [5, 99, 6, 7],
        "linktype": ["LC", "LX", "LU", "LU"], "linkprim": ["P", "P", "J", "P"],
        "linkdt": [D(2000, 1, 3)] * 3 + [D(2001, 1, 2)], "linkenddt": [None, None, None, D(2010, 1, 1)],
    }),
)  # fmt: skip


@pytest.fixture
def compustat(wh) -> None:
    _publish("compustat_annual", _annual(ANNUAL))
    _publish("compustat_quarterly", _quarterly(QUARTERLY))
    _publish("ccm_link", LINKS)


def _at(frame: pl.DataFrame, col: str = "at") -> dict[str, float]:
    return dict(zip(frame["gvkey"].to_list(), frame[col].to_list(), strict=True))


def test_annual_fundamentals_become_public_at_the_month_end_session_six_months_after_fye(compustat) -> None:
    # 000002's June FYE is public at the December month-end session, 2019-12-31 (a calendar-day
    # offset of 6 months gave 2019-12-30; the demo generator publishes it at the month end)
    assert _at(readers.fundamentals_asof(D(2019, 12, 30))) == {"000001": 100.0}
    assert _at(readers.fundamentals_asof(D(2019, 12, 31))) == {"000001": 100.0, "000002": 50.0}
    assert _at(readers.fundamentals_asof(D(2020, 6, 29))) == {"000001": 100.0, "000002": 50.0}
    assert _at(readers.fundamentals_asof(D(2020, 6, 30))) == {"000001": 110.0, "000002": 50.0}
    assert _at(readers.fundamentals_asof(D(2020, 3, 31), lag_months=3)) == {"000001": 110.0, "000002": 50.0}
    known = readers.fundamentals_asof(D(2020, 6, 30)).filter(pl.col("gvkey") == "000001")["known_date"][0]
    assert known == D(2020, 6, 30)


def test_annual_fundamentals_count_a_june_month_end_that_falls_on_a_weekend(wh) -> None:
    # 30 June 2012 is a Saturday: a December 2011 FYE is public at the close of Friday 29 June
    _publish("compustat_annual", _annual([("000001", D(2010, 12, 31), 1.0), ("000001", D(2011, 12, 31), 2.0)]))
    assert _at(readers.fundamentals_asof(D(2012, 6, 28))) == {"000001": 1.0}
    latest = readers.fundamentals_asof(D(2012, 6, 29))
    assert _at(latest) == {"000001": 2.0}
    assert latest["known_date"].to_list() == [D(2012, 6, 29)]


def test_quarterly_fundamentals_use_rdq_else_datadate_plus_45_days(compustat) -> None:
    assert _at(readers.fundamentals_asof(D(2020, 2, 9), kind="quarterly"), "atq") == {}
    assert _at(readers.fundamentals_asof(D(2020, 2, 10), kind="quarterly"), "atq") == {"000001": 105.0}
    assert _at(readers.fundamentals_asof(D(2020, 5, 14), kind="quarterly"), "atq") == {"000001": 105.0}
    assert _at(readers.fundamentals_asof(D(2020, 5, 15), kind="quarterly"), "atq") == {"000001": 108.0}


def test_fundamentals_by_permno_go_through_valid_primary_ccm_links(compustat) -> None:
    frame, report = readers.fundamentals_asof_with_report(D(2020, 6, 30), by="permno")
    assert frame.select("permno", "gvkey", "at").rows() == [(5, "000001", 110.0)]
    assert report.firms_without_link == 1  # 000002's only link has linkprim J
    assert readers.gvkey_to_permno(D(2020, 6, 30)) == {"000001": 5}
    assert readers.link_table(D(2005, 1, 3))["permno"].to_list() == [5, 7]


def test_rows_that_become_public_after_as_of_do_not_change_the_output(compustat) -> None:
    as_of = D(2020, 3, 1)
    before_a = readers.fundamentals_asof(as_of)
    before_q = readers.fundamentals_asof(as_of, kind="quarterly")
    future_a = ANNUAL[:2] + [("000002", D(2019, 6, 30), 50.0), ("000002", D(2019, 12, 31), 999.0)]
    _publish("compustat_annual", _annual([*future_a, ("000003", D(2019, 11, 30), 7.0)]))
    future_q = [*QUARTERLY, ("000002", D(2019, 12, 31), D(2020, 3, 2), 1.0)]
    future_q[1] = ("000001", D(2020, 3, 31), None, -5.0)  # a later row is restated
    _publish("compustat_quarterly", _quarterly(future_q))
    assert readers.fundamentals_asof(as_of).equals(before_a)
    assert readers.fundamentals_asof(as_of, kind="quarterly").equals(before_q)
    # the new data is visible once public
    assert _at(readers.fundamentals_asof(D(2020, 6, 1)))["000003"] == 7.0


def test_ff_readers_filter_by_frequency_and_dates(wh, frames) -> None:
    _publish("ff_factors", frames["ff_factors"])
    _publish("ff_industries", frames["ff_industries"])
    daily = readers.ff_factors("daily", D(2020, 1, 1), D(2020, 1, 31))
    assert daily.height == 21 and daily["mktrf"].sum() == pytest.approx(0.021)
    monthly = readers.ff_factors("monthly", D(2019, 1, 1), D(2020, 12, 31))
    assert monthly["date"].to_list() == calendars.month_ends(D(2019, 11, 1), D(2020, 2, 28)).to_list()
    ind = readers.ff_industries(10, "monthly", "value", D(2019, 11, 1), D(2019, 11, 30))
    assert ind.rows() == [(D(2019, 11, 29), "Durbl", -0.02), (D(2019, 11, 29), "NoDur", 0.01)]


def test_multi_dataset_readers_time_travel_by_snapshot_tag_or_version_map(crsp) -> None:
    from warehouse import versions

    versions.snapshot_all("before", writer="test")
    _publish("crsp_delist", make_delist([(3, D(2020, 1, 14), 231, 0.25), *DELIST[:2], *DELIST[3:]]))

    def permno3(version) -> float:
        out = readers.total_returns(D(2020, 1, 2), D(2020, 1, 31), permnos=[3], version=version).collect()
        return out.filter(pl.col("date") == LAST)["total_ret"][0]

    assert permno3(None) == pytest.approx(1.01 * 1.25 - 1)
    assert permno3("before") == pytest.approx(1.01 * 1.15 - 1)
    assert permno3({"crsp_delist": 1}) == pytest.approx(1.01 * 1.15 - 1)
    assert versions.dataset_versions() == {"crsp_daily": 1, "crsp_names": 1, "crsp_delist": 2}
