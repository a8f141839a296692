"""Ken French parser on the REAL library files in ../shared/data/french (skipped when absent).

Expected values are read by hand from the files; each carries its source line.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.support.shared_data import require_shared_file
from warehouse.sources.french import (
    FrenchParseError,
    parse_french_text,
    read_french,
    to_ff_factors,
    to_ff_industries,
)


def _french(name: str) -> Path:
    return require_shared_file("french", name)


def _row(frame: pl.DataFrame, i: int, cols: list[str]) -> list[float | None]:
    return [frame[c][i] for c in cols]


def test_monthly_three_factor_file_has_a_monthly_and_a_separate_annual_block() -> None:
    blocks = read_french(_french("F-F_Research_Data_Factors.CSV"))
    assert [(b.title, b.frequency, b.frame.height) for b in blocks] == [
        ("", "monthly", 1178),  # lines 5..1182
        ("Annual Factors: January-December", "annual", 97),  # lines 1186..1282
    ]
    monthly, annual = blocks[0].frame, blocks[1].frame
    cols = ["Mkt-RF", "SMB", "HML", "RF"]
    # line 5: 192607,    2.96,   -2.56,   -2.43,    0.22
    assert _row(monthly, 0, cols) == pytest.approx([0.0296, -0.0256, -0.0243, 0.0022], abs=1e-15)
    assert monthly["date"][0] == dt.date(1926, 7, 31) and monthly["month"][0] == dt.date(1926, 7, 1)
    # line 1182: 202408,    1.61,   -3.55,   -1.12,    0.48
    assert _row(monthly, -1, cols) == pytest.approx([0.0161, -0.0355, -0.0112, 0.0048], abs=1e-15)
    # line 1186:   1927,   29.47,   -2.04,   -4.54,    3.12
    assert annual["year"][0] == 1927 and annual["date"][0] == dt.date(1927, 12, 31)
    assert _row(annual, 0, cols) == pytest.approx([0.2947, -0.0204, -0.0454, 0.0312], abs=1e-15)
    # line 1282:   2023,   21.68,   -3.29,  -13.70,    4.95
    assert _row(annual, -1, cols) == pytest.approx([0.2168, -0.0329, -0.1370, 0.0495], abs=1e-15)


def test_monthly_five_factor_file_blocks() -> None:
    blocks = read_french(_french("F-F_Research_Data_5_Factors_2x3.CSV"))
    assert [(b.frequency, b.frame.height) for b in blocks] == [("monthly", 734), ("annual", 60)]
    cols = ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"]
    # line 5: 196307,   -0.39,   -0.41,   -0.97,    0.68,   -1.18,    0.27
    first = [-0.0039, -0.0041, -0.0097, 0.0068, -0.0118, 0.0027]
    assert _row(blocks[0].frame, 0, cols) == pytest.approx(first)
    # line 738: 202408,    1.61,   -3.65,   -1.12,    0.85,    0.86,    0.48
    last = [0.0161, -0.0365, -0.0112, 0.0085, 0.0086, 0.0048]
    assert _row(blocks[0].frame, -1, cols) == pytest.approx(last)
    # line 801 (no copyright footer in this copy):
    #   2023,   21.68,   -6.00,  -13.70,    6.30,  -20.92,    4.95
    annual_last = [0.2168, -0.06, -0.137, 0.063, -0.2092, 0.0495]
    assert _row(blocks[1].frame, -1, cols) == pytest.approx(annual_last)


@pytest.mark.parametrize(
    ("name", "rows", "first", "last"),
    [
        # line 6: 19260701,    0.10,   -0.25,   -0.27,   0.009
        # line 25822: 20240830,    0.98,   -0.55,    0.04,   0.022
        (
            "F-F_Research_Data_Factors_daily.CSV",
            25817,
            (dt.date(1926, 7, 1), [0.001, -0.0025, -0.0027, 0.00009]),
            (dt.date(2024, 8, 30), [0.0098, -0.0055, 0.0004, 0.00022]),
        ),
        # line 15: 19261103,   0.56 ; line 25312: 20221230,  -0.26
        (
            "F-F_Momentum_Factor_daily.CSV",
            25298,
            (dt.date(1926, 11, 3), [0.0056]),
            (dt.date(2022, 12, 30), [-0.0026]),
        ),
        # line 5: 19630701,   -0.67,    0.02,   -0.35,    0.03,    0.13,   0.012
        # line 15401: 20240830,    0.98,   -0.56,    0.04,   -0.20,   -0.14,   0.022
        (
            "F-F_Research_Data_5_Factors_2x3_daily.CSV",
            15397,
            (dt.date(1963, 7, 1), [-0.0067, 0.0002, -0.0035, 0.0003, 0.0013, 0.00012]),
            (dt.date(2024, 8, 30), [0.0098, -0.0056, 0.0004, -0.002, -0.0014, 0.00022]),
        ),
    ],
)
def test_daily_files_first_and_last_rows(name: str, rows: int, first: tuple, last: tuple) -> None:
    (block,) = read_french(_french(name))
    frame = block.frame
    assert block.frequency == "daily" and frame.height == rows
    cols = list(block.columns)
    assert frame["date"][0] == first[0] and _row(frame, 0, cols) == pytest.approx(first[1], abs=1e-15)
    assert frame["date"][-1] == last[0] and _row(frame, -1, cols) == pytest.approx(last[1], abs=1e-15)


def test_ten_industry_daily_file_value_weighted_block() -> None:
    blocks = read_french(_french("10_Industry_Portfolios_daily.CSV"))
    # This copy holds only the value-weighted block (lines 11..25073).
    assert [(b.title, b.frame.height) for b in blocks] == [("Average Value Weighted Returns -- Daily", 25063)]
    frame = blocks[0].frame
    assert blocks[0].columns[:8] == ("NoDur", "Durbl", "Manuf", "Enrgy", "HiTec", "Telcm", "Shops", "Hlth")
    # line 11: 19260701,   0.02,  -0.28,  -0.23,   0.57,  -0.21,  -0.02,  -0.01,   0.97,   0.61,   0.20
    assert _row(frame, 0, ["NoDur", "Hlth", "Other"]) == pytest.approx([0.0002, 0.0097, 0.0020])
    # line 25073: 20210831,   0.01,   0.24,  -0.49,  -0.52,  -0.46,   0.65,   0.57,   0.08,  -0.05,  -0.06
    assert _row(frame, -1, ["NoDur", "Hlth", "Other"]) == pytest.approx([0.0001, 0.0008, -0.0006])


def test_forty_nine_industry_file_blocks_and_missing_values() -> None:
    blocks = read_french(_french("49_Industry_Portfolios.CSV"))
    assert [(b.title, b.frequency, b.frame.height, b.percent) for b in blocks] == [
        ("Average Value Weighted Returns -- Monthly", "monthly", 1147, True),
        ("Average Equal Weighted Returns -- Monthly", "monthly", 1147, True),
        ("Average Value Weighted Returns -- Annual", "annual", 95, True),
        ("Average Equal Weighted Returns -- Annual", "annual", 95, True),
        ("Number of Firms in Portfolios", "monthly", 1147, False),
        ("Average Firm Size", "monthly", 1147, False),
        ("Sum of BE / Sum of ME", "annual", 96, False),
        ("Value-Weighted Average of BE/ME", "annual", 96, False),
    ]
    vw, ew, vw_annual = blocks[0].frame, blocks[1].frame, blocks[2].frame
    # line 13: 192607,   2.37,   0.12, -99.99,  -5.19, ...  (Agric, Food, Soda, Beer)
    assert _row(vw, 0, ["Agric", "Food", "Soda", "Beer"]) == pytest.approx([0.0237, 0.0012, None, -0.0519])
    assert vw["Soda"][0] is None
    # line 1159: 202201,   1.34,   1.34,   0.11,  -1.95
    assert _row(vw, -1, ["Agric", "Food", "Soda", "Beer"]) == pytest.approx([0.0134, 0.0134, 0.0011, -0.0195])
    # line 1164: 192607,   2.64,   0.73, -99.99,  -5.36 ; line 2310: 202201,  -3.74,  -4.55, -11.45,  -9.41
    assert _row(ew, 0, ["Agric", "Food", "Beer"]) == pytest.approx([0.0264, 0.0073, -0.0536])
    ew_last = [-0.0374, -0.0455, -0.1145, -0.0941]
    assert _row(ew, -1, ["Agric", "Food", "Soda", "Beer"]) == pytest.approx(ew_last)
    # line 2315:   1927,  26.23,  41.88, -99.99,  64.22
    assert _row(vw_annual, 0, ["Agric", "Food", "Soda"]) == pytest.approx([0.2623, 0.4188, None])
    assert vw["Soda"].null_count() > 0 and vw["Soda"].drop_nulls().min() > -0.9999
    # Firm counts are not percentages: line 2513 starts 192607,      3,     40
    assert blocks[4].frame["Agric"][0] == 3.0


def test_to_ff_factors_monthly_uses_last_trading_day_and_first_file_per_factor() -> None:
    five = read_french(_french("F-F_Research_Data_5_Factors_2x3.CSV"))
    three = read_french(_french("F-F_Research_Data_Factors.CSV"))
    ff = to_ff_factors(five + three, frequency="monthly")
    assert ff.columns == ["frequency", "date", "mktrf", "smb", "hml", "rmw", "cma", "umd", "rf"]
    # every factor of the 3-factor file is already taken from the 5-factor file: it adds nothing
    assert ff.height == 734 and ff["umd"].null_count() == ff.height
    aug = ff.filter(pl.col("date") == dt.date(2024, 8, 30)).row(0, named=True)  # 31 Aug 2024 is a Saturday
    assert aug["smb"] == pytest.approx(-0.0365)  # the 5-factor file's SMB came first
    three_first = to_ff_factors(three + five, frequency="monthly")
    assert three_first.height == 1178
    first = three_first.row(0, named=True)
    assert first["date"] == dt.date(1926, 7, 30) and first["mktrf"] == pytest.approx(0.0296)
    assert first["rmw"] is None  # no 5-factor data before 1963-07
    aug3 = three_first.filter(pl.col("date") == dt.date(2024, 8, 30)).row(0, named=True)
    assert (aug3["smb"], aug3["rmw"]) == pytest.approx((-0.0355, 0.0085))


def test_to_ff_factors_daily_merges_momentum_as_umd() -> None:
    three = read_french(_french("F-F_Research_Data_Factors_daily.CSV"))
    mom = read_french(_french("F-F_Momentum_Factor_daily.CSV"))
    ff = to_ff_factors(three + mom, frequency="daily")
    row = ff.filter(pl.col("date") == dt.date(2022, 12, 30)).row(0, named=True)
    assert row["umd"] == pytest.approx(-0.0026) and row["rmw"] is None
    assert (
        ff["umd"].null_count()
        == ff.filter(pl.col("date") < dt.date(1926, 11, 3)).height
        + ff.filter(pl.col("date") > dt.date(2022, 12, 30)).height
    )


def test_to_ff_industries_is_long_with_scheme_and_weighting() -> None:
    blocks = read_french(_french("49_Industry_Portfolios.CSV"))
    ind = to_ff_industries(blocks, frequency="monthly")
    assert ind.columns == ["frequency", "scheme", "weighting", "date", "industry", "ret"]
    assert ind.height == 2 * 1147 * 49
    assert set(ind["scheme"].unique()) == {49} and set(ind["weighting"].unique()) == {"value", "equal"}
    agric = ind.filter((pl.col("weighting") == "value") & (pl.col("industry") == "Agric")).sort("date")
    assert agric["date"][0] == dt.date(1926, 7, 30) and agric["ret"][0] == pytest.approx(0.0237)


def test_zip_archives_are_read(tmp_path: Path) -> None:
    src = _french("F-F_Research_Data_Factors.CSV")
    archive = tmp_path / "F-F_Research_Data_Factors_CSV.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(src, arcname=src.name)
    blocks = read_french(archive)
    assert [b.frame.height for b in blocks] == [1178, 97]
    assert blocks[0].source.endswith(":F-F_Research_Data_Factors.CSV")


def test_parser_rejects_text_without_blocks_and_bad_values() -> None:
    with pytest.raises(FrenchParseError, match="no Ken French data block"):
        parse_french_text("just a description\r\n\r\nCopyright\r\n")
    with pytest.raises(FrenchParseError, match="non-numeric"):
        parse_french_text("title\n,A,B\n202001, 1.0, x\n")
    with pytest.raises(FrenchParseError, match="2 values for 1 columns"):
        parse_french_text(",A\n202001, 1.0, 2.0\n")


def test_value_and_equal_weighted_daily_blocks_become_two_weightings() -> None:
    # The layout of the library's full 10-industry daily file (the shared copy has only the VW block).
    text = (
        "This file was created by CMPT_IND_RETS_DAILY.\r\n\r\n"
        "  Average Value Weighted Returns -- Daily\r\n,NoDur,Durbl\r\n"
        "20210830,   0.21,   1.46\r\n20210831,   0.01, -99.99\r\n\r\n\r\n"
        "  Average Equal Weighted Returns -- Daily\r\n,NoDur,Durbl\r\n"
        "20210830,   0.50,  -0.25\r\n20210831,  -999,   0.75\r\n\r\n"
        "Copyright 2021 Kenneth R. French\r\n"
    )
    blocks = parse_french_text(text)
    ind = to_ff_industries(blocks, frequency="daily")
    assert ind.height == 8 and set(ind["scheme"].to_list()) == {2}
    equal = ind.filter(pl.col("weighting") == "equal").sort("date", "industry")
    assert equal["ret"].to_list() == pytest.approx([-0.0025, 0.005, 0.0075, None])
    value = ind.filter(pl.col("weighting") == "value").sort("date", "industry")
    assert value["ret"].to_list() == pytest.approx([0.0146, 0.0021, None, 0.0001])
