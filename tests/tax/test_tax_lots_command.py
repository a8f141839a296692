"""``tax_lots``: trade file in, lots / Form 8949 / TXF out, with the numbers worked by hand."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

TRADES = """date,symbol,side,quantity,price,fees,lot_id,picks
2020-01-15,ABC,buy,100,50,0,L1,
2020-06-15,ABC,sell,100,40,0,,
2020-07-01,ABC,buy,100,42,1,L2,
2021-03-01,ABC,sell,100,60,1,,
"""


def run(path, *args):
    out = io.StringIO()
    call_command("tax_lots", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def trades(tmp_path):
    path = tmp_path / "trades.csv"
    path.write_text(TRADES)
    return path


def test_form_8949_rows_with_a_wash_sale_and_a_carried_holding_period(trades):
    """Sell 100 @ 40 after buying @ 50: -1000, washed by the 7/1 buy (16 days later) -> box A, W 1000,
    gain 0. The replacement: basis 4200 + 1 fee + 1000 = 5201, held from 7/1 - 152 days = 2020-01-31,
    so its 2021-03-01 sale is long-term (box D): 6000 - 1 fee - 5201 = 798."""
    rows = list(csv.DictReader(io.StringIO(run(trades, "--output", "8949"))))
    assert [(r["box"], r["date_acquired"], r["proceeds"], r["cost_basis"], r["adjustment_code"],
             r["adjustment_amount"], r["gain_or_loss"]) for r in rows] == [
        ("A", "2020-01-15", "4000.00", "5000.00", "W", "1000.00", "0.00"),
        ("D", "2020-01-31", "5999.00", "5201.00", "", "", "798.00"),
    ]  # fmt: skip
    doc = json.loads(run(trades, "--output", "8949", "--format", "json", "--year", "2021", "--basis-not-reported"))
    assert [r["box"] for r in doc["rows"]] == ["E"]
    assert doc["summary"] == {"E": {"proceeds": "5999.00", "cost": "5201.00", "adjustment": "0.00", "gain": "798.00"}}


def test_txf_records(trades):
    text = run(trades, "--output", "txf")
    records = text.split("^\r\n")[1:-1]
    assert records[0].split("\r\n")[:-1] == [
        "TD", "N321", "C1", "L1", "P100 sh ABC", "D01/15/2020", "D06/15/2020", "$5000.00", "$4000.00", "$1000.00",
    ]  # fmt: skip
    assert "N323" in records[1] and "$5201.00" in records[1]


def test_hifo_and_specific_id_from_the_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "date,symbol,side,quantity,price,lot_id,picks\n"
        "2020-01-15,X,buy,100,10,L1,\n2020-02-14,X,buy,100,12,L2,\n2020-03-16,X,buy,100,8,L3,\n"
        "2020-06-15,X,sell,150,11,,L1:50;L3:100\n"
    )
    rows = list(csv.DictReader(io.StringIO(run(path, "--output", "8949"))))
    assert sorted(r["gain_or_loss"] for r in rows) == ["300.00", "50.00"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,symbol\n", "line 1: missing column(s): side, quantity, price"),
        ("date,symbol,side,quantity,price\n2020-13-01,X,buy,1,1\n", "line 2: date '2020-13-01' is not YYYY-MM-DD"),
        ("date,symbol,side,quantity,price\n2020-01-01,X,hold,1,1\n", "line 2: side 'hold' is not buy, sell or split"),
        ("date,symbol,side,quantity,price\n2020-01-01,X,buy,-1,1\n", "line 2: quantity must be > 0"),
        (
            "date,symbol,side,quantity,price\n2020-01-02,X,buy,1,1\n2020-01-01,X,buy,1,1\n",
            "line 3: date 2020-01-01 is before",
        ),
        ("date,symbol,side,quantity,price\n2020-01-01,X,buy,1,1\n2020-02-01,X,sell,2,1\n", "only 1 shares are held"),
        (
            "date,symbol,side,quantity,price,picks\n2020-01-01,X,buy,1,1,\n2020-02-01,X,sell,1,1,L1\n",
            "picks 'L1' is not LOT:SHARES",
        ),
    ],
)
def test_bad_trade_files(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_text(content)
    with pytest.raises(CommandError) as err:
        run(path)
    assert message in str(err.value) and err.value.returncode == 2
