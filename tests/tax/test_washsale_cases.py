"""The 30 published cases of the open-source wash-sale tracker, replayed through ``tax_washsales``.

Each case in ``../shared/data/worked_examples/wash_sales/bbreslauer/`` has an input ``.csv``, the
tracker's ``_out.csv`` and a ``.txt`` naming the interpretation it encodes. Lots are compared as
multisets of rows, ignoring lot ids (``Buy Lot``, ``Replacement For``), with a blank adjusted
value meaning "unchanged" and a blank adjustment meaning 0.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tax.washsale_csv import COLUMNS, us_date
from tests.support.shared_data import FALLBACK, shared_data_dir

CASES = (shared_data_dir() or FALLBACK) / "worked_examples" / "wash_sales" / "bbreslauer"
NAMES = sorted(p.stem for p in CASES.glob("*.csv") if not p.stem.endswith("_out"))


def _date(text: str) -> dt.date | None:
    return us_date(text.strip()) if text.strip() else None


def _num(text: str) -> Decimal | None:
    return Decimal(text.strip()) if text.strip() else None


def normalise(rows: list[dict[str, str]]) -> list[tuple]:
    out = []
    for r in rows:
        buy, basis = _date(r["Buy Date"]), _num(r["Basis"])
        out.append(
            (
                _num(r["Num Shares"]),
                r["Symbol"].strip(),
                r["Description"],
                buy,
                _date(r["Adjusted Buy Date"]) or buy,
                basis,
                _num(r["Adjusted Basis"]) or basis,
                _date(r["Sell Date"]),
                _num(r["Proceeds"]),
                r["Adjustment Code"].strip(),
                _num(r["Adjustment"]) or Decimal(0),
                r["Form Position"],
                r["Is Replacement"].strip() == "True",
                r["Loss Processed"].strip() == "True",
            )
        )
    return sorted(out, key=repr)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("tax_washsales", *args, stdout=out)
    return out.getvalue()


def test_all_thirty_cases_are_present():
    assert len(NAMES) == 30
    assert all((CASES / f"{name}_out.csv").exists() and (CASES / f"{name}.txt").exists() for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_case_matches_the_trackers_output(name):
    got = list(csv.DictReader(io.StringIO(run(str(CASES / f"{name}.csv")))))
    with (CASES / f"{name}_out.csv").open(newline="") as f:
        expected = list(csv.DictReader(f))
    assert normalise(got) == normalise(expected)


def test_json_has_the_same_columns_and_a_summary():
    doc = json.loads(run(str(CASES / "two_wash_sales_4.csv"), "--format", "json"))
    assert doc["summary"] == {"lots_in": 4, "lots_out": 6, "wash_sales": 3, "disallowed_loss": "230"}
    first = doc["lots"][0]
    assert list(first) == [
        "Num Shares", "Symbol", "Description", "Buy Date", "Adjusted Buy Date", "Basis", "Adjusted Basis",
        "Sell Date", "Proceeds", "Adjustment Code", "Adjustment", "Form Position", "Buy Lot",
        "Replacement For", "Is Replacement", "Loss Processed",
    ]  # fmt: skip
    assert (first["Adjustment Code"], first["Adjustment"]) == ("W", "100")


def test_chain_numbers_written_out():
    """two_wash_sales_4 by hand: A loses 100 (200 -> 100), washed into 10 of B's 12 shares.
    B's 10: basis 250*10/12 = 208 (rounded), adjusted 308, proceeds 220*10/12 = 183 -> loss 125,
    washed into C (500 -> 625). B's other 2: basis 42, proceeds 37 -> loss 5, washed into 2 of D's
    10 shares (600*2/10 = 120 -> 125, held from 08/24 - (08/01 - 06/10) = 07/03)."""
    rows = list(csv.DictReader(io.StringIO(run(str(CASES / "two_wash_sales_4.csv")))))
    by = {(r["Description"], r["Num Shares"], r["Basis"]): r for r in rows}
    assert by[("B", "10", "208")]["Adjusted Basis"] == "308" and by[("B", "10", "208")]["Adjustment"] == "125"
    assert by[("B", "2", "42")]["Adjustment"] == "5"
    assert by[("C", "10", "500")]["Adjusted Basis"] == "625"
    assert by[("D", "2", "120")]["Adjusted Buy Date"] == "07/03/2012"
    assert by[("D", "8", "480")]["Adjusted Basis"] == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "line 1: the file is empty"),
        ("Num Shares,Symbol\n1,ABC\n", "line 1: missing column(s): Description"),
        ("HEADER\n0,ABC,,1/1/2020,,10,,,,,,,,,,\n", "line 2: Num Shares must be a positive number"),
        ("HEADER\n1,ABC,,2020-01-01,,10,,,,,,,,,,\n", "line 2: Buy Date '2020-01-01' is not a date"),
        ("HEADER\n1,ABC,,1/1/2020,,ten,,,,,,,,,,\n", "line 2: Basis 'ten' is not a number"),
        ("HEADER\n1,ABC,,1/1/2020,,10,,2/1/2020,,,,,,,,\n", "line 2: Sell Date and Proceeds go together"),
        ("HEADER\n1,ABC,,1/1/2020,,10,,12/1/2019,5,,,,,,,\n", "line 2: Sell Date 12/1/2019 is before Buy Date"),
        ("HEADER\n1,ABC,,1/1/2020,,NaN,,,,,,,,,,\n", "line 2: Basis 'NaN' is not a finite number"),
    ],
)
def test_bad_files_give_one_line_errors_with_exit_code_2(tmp_path, content, message):
    path = tmp_path / "lots.csv"
    path.write_text(content.replace("HEADER", ",".join(COLUMNS)))
    with pytest.raises(CommandError) as err:
        run(str(path))
    assert message in str(err.value) and "\n" not in str(err.value)
    assert err.value.returncode == 2


def test_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file") as err:
        run(str(tmp_path / "nope.csv"))
    assert err.value.returncode == 2
