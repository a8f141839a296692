"""The demo source follows the dataset contract (SCHEMAS.md) and is deterministic."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from quant.calendars import month_ends, sessions
from warehouse.sources.demo import DATASETS, DemoConfig, generate

F = pl.Float64
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "crsp_daily": {"permno": pl.Int64, "date": pl.Date, "ret": F, "retx": F, "prc": F, "vol": F, "shrout": F,
                   "cfacpr": F, "cfacshr": F, "bidlo": F, "askhi": F},
    "crsp_monthly": {"permno": pl.Int64, "date": pl.Date, "ret": F, "retx": F, "prc": F, "vol": F, "shrout": F,  # noqa: E501
                     "cfacpr": F, "cfacshr": F},
    "crsp_names": {"permno": pl.Int64, "namedt": pl.Date, "nameendt": pl.Date, "ticker": pl.Utf8,
                   "comnam": pl.Utf8, "shrcd": pl.Int64, "exchcd": pl.Int64, "siccd": pl.Int64},
    "crsp_delist": {"permno": pl.Int64, "dlstdt": pl.Date, "dlstcd": pl.Int64, "dlret": F},
    "compustat_annual": {"gvkey": pl.Utf8, "datadate": pl.Date, "fyear": pl.Int64,
                         **{c: F for c in ("at", "lt", "ceq", "seq", "txditc", "pstk", "pstkrv", "pstkl", "ni",  # noqa: E501
                                           "ib", "sale", "revt", "cogs", "xsga", "oancf", "csho", "prcc_f")},
                         "sich": pl.Int64, "gsector": pl.Utf8},
    "compustat_quarterly": {"gvkey": pl.Utf8, "datadate": pl.Date, "fyearq": pl.Int64, "fqtr": pl.Int64,
                            "rdq": pl.Date, **{c: F for c in ("atq", "ltq", "ceqq", "seqq", "niq", "ibq", "saleq",  # noqa: E501
                                                              "revtq", "cshoq", "prccq")}},
    "ccm_link": {"gvkey": pl.Utf8, "lpermno": pl.Int64, "linktype": pl.Utf8, "linkprim": pl.Utf8,
                 "linkdt": pl.Date, "linkenddt": pl.Date},
    "ff_factors": {"frequency": pl.Utf8, "date": pl.Date, "mktrf": F, "smb": F, "hml": F, "rmw": F, "cma": F,
                   "umd": F, "rf": F},
    "ff_industries": {"frequency": pl.Utf8, "scheme": pl.Int64, "weighting": pl.Utf8, "date": pl.Date,
                      "industry": pl.Utf8, "ret": F},
}  # fmt: skip
KEYS = {
    "crsp_daily": ["permno", "date"],
    "crsp_monthly": ["permno", "date"],
    "crsp_names": ["permno", "namedt"],
    "crsp_delist": ["permno"],
    "compustat_annual": ["gvkey", "datadate"],
    "compustat_quarterly": ["gvkey", "datadate"],
    "ccm_link": ["gvkey", "lpermno", "linkdt"],
    "ff_factors": ["frequency", "date"],
    "ff_industries": ["frequency", "scheme", "weighting", "date", "industry"],
}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stocks": 49}, "stocks must be an integer >= 50"),
        ({"years": 1}, "years must be an integer >= 2"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"stocks": 100.0}, "stocks must be an integer"),
        ({"end": "2024-12-31"}, "end must be a datetime.date"),
        ({"end": dt.date(2031, 1, 2)}, "end must be on or before 2030-12-31"),
        ({"years": 70}, "must start after 1960"),
    ],
)
def test_config_rejects_bad_input(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DemoConfig(**kwargs)


def test_same_seed_is_bit_identical_and_other_seed_differs() -> None:
    cfg = DemoConfig(stocks=60, years=2, seed=3)
    a, b = generate(cfg), generate(DemoConfig(stocks=60, years=2, seed=3))
    assert a.config_hash == b.config_hash == cfg.hash()
    assert len(a.config_hash) == 64
    for name in DATASETS:
        assert_frame_equal(a.datasets[name], b.datasets[name], check_exact=True)
    for name in a.planted:
        assert_frame_equal(a.planted[name], b.planted[name], check_exact=True)
    c = generate(DemoConfig(stocks=60, years=2, seed=4))
    assert c.config_hash != a.config_hash
    assert not a.datasets["crsp_daily"]["ret"].equals(c.datasets["crsp_daily"]["ret"])


def test_progress_is_reported_up_to_completion() -> None:
    seen: list[tuple[str, float]] = []
    generate(DemoConfig(stocks=50, years=2, seed=1), progress=lambda stage, frac: seen.append((stage, frac)))
    assert ("simulate", 1.0) in seen and seen[-1] == ("frames", 1.0)
    sim = [f for s, f in seen if s == "simulate"]
    assert sim == sorted(sim)


def test_schemas_match_the_contract_exactly(demo_mid) -> None:
    assert list(demo_mid.datasets) == list(SCHEMAS)
    for name, schema in SCHEMAS.items():
        assert dict(demo_mid.datasets[name].schema) == schema, name


def test_keys_are_unique_and_non_null(demo_mid) -> None:
    for name, key in KEYS.items():
        frame = demo_mid.datasets[name]
        assert frame.height > 0, name
        assert frame.select(key).null_count().sum_horizontal().item() == 0, name
        assert frame.select(key).is_duplicated().sum() == 0, name


def test_dates_are_nyse_sessions_spanning_the_years(demo_mid) -> None:
    daily = demo_mid.datasets["crsp_daily"]
    days = daily["date"].unique().sort()
    expected = sessions(dt.date(2020, 12, 31) + dt.timedelta(days=1), dt.date(2024, 12, 31))
    assert days.to_list() == expected.to_list()
    monthly_dates = demo_mid.datasets["crsp_monthly"]["date"].unique().sort()
    month_ends = days.to_frame().group_by(pl.col("date").dt.truncate("1mo").alias("m")).agg(pl.col("date").max())
    assert monthly_dates.to_list() == month_ends["date"].sort().to_list()
    assert demo_mid.datasets["ff_factors"].filter(pl.col("frequency") == "daily")["date"].to_list() == days.to_list()


def test_gvkeys_are_six_digit_text_and_sectors_are_gics(demo_mid) -> None:
    ann = demo_mid.datasets["compustat_annual"]
    assert ann["gvkey"].str.len_chars().unique().to_list() == [6]
    assert set(ann["gsector"].unique()) <= {"10", "15", "20", "25", "30", "35", "40", "45", "50", "55", "60"}
    assert ann["gsector"].n_unique() == 11


def test_planted_frames_have_the_documented_shape(demo_mid) -> None:
    p = demo_mid.planted
    assert dict(p["factor_returns"].schema) == {"date": pl.Date, "factor": pl.Utf8, "ret": F}
    assert dict(p["exposures"].schema) == {"date": pl.Date, "permno": pl.Int64, "factor": pl.Utf8, "value": F}
    assert dict(p["specific_var"].schema) == {"permno": pl.Int64, "specific_var": F}
    factors = set(p["factor_returns"]["factor"].unique())
    assert {"market", "size", "value", "momentum", "quality", "lowvol", "sector_45"} <= factors
    assert len(factors) == 1 + 11 + 5
    assert p["meta"].height == 1
    assert p["specific_var"]["permno"].n_unique() == demo_mid.datasets["crsp_daily"]["permno"].n_unique()


def test_a_mid_month_weekend_end_keeps_monthly_rows_on_month_ends() -> None:
    out = generate(DemoConfig(stocks=60, years=2, seed=2, end=dt.date(2024, 6, 15)))  # a Saturday
    d = out.datasets
    assert d["crsp_daily"]["date"].max() == dt.date(2024, 6, 14)
    assert d["crsp_daily"]["date"].min() == dt.date(2022, 6, 16)
    complete_month_ends = set(month_ends(dt.date(2022, 6, 1), dt.date(2024, 5, 31)))
    assert set(d["crsp_monthly"]["date"]) <= complete_month_ends
    assert d["crsp_monthly"]["date"].max() == dt.date(2024, 5, 31)
    ff_monthly = d["ff_factors"].filter(pl.col("frequency") == "monthly")["date"]
    assert ff_monthly.min() == dt.date(2022, 7, 29) and ff_monthly.max() == dt.date(2024, 5, 31)
    assert set(out.planted["exposures"]["date"]) <= set(month_ends(dt.date(2022, 5, 1), dt.date(2024, 5, 31)))
    assert d["compustat_quarterly"]["rdq"].max() <= dt.date(2024, 6, 15)
