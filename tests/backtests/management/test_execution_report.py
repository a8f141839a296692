"""``manage.py execution_report``: the JSON interface of docs/backtests.md on a textbook order."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ORDERS = [
    {"id": "b1", "side": "buy", "shares": 1000, "decision_price": 10.0, "start_price": 10.05,
     "fills": [{"shares": 600, "price": 10.10}], "fees": 20, "end_price": 10.30, "market_return": 0.01, "beta": 1.2},
    {"id": "s1", "side": "sell", "shares": 2000, "decision_price": 50.0, "start_price": 49.90,
     "fills": [{"shares": 1000, "price": 49.80}, {"shares": 500, "price": 49.70}], "fees": 15, "end_price": 49.50},
]  # fmt: skip


def _run(tmp_path, orders, *args):
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(orders))
    out = StringIO()
    call_command("execution_report", str(path), *args, stdout=out)
    return out.getvalue()


def test_json_output_has_the_documented_keys_and_numbers(tmp_path):
    payload = json.loads(_run(tmp_path, ORDERS, "--format", "json"))
    b1, s1 = payload["orders"]
    assert set(b1) == {"id", "paper_value", "delay", "execution", "opportunity", "fees", "total", "market_adjusted"}
    assert b1["paper_value"] == pytest.approx(10_000)
    assert b1["total"] == pytest.approx({"usd": 200.0, "bps": 200.0})
    assert b1["opportunity"] == pytest.approx({"usd": 120.0, "bps": 120.0})
    assert b1["market_adjusted"] == pytest.approx({"bps": 80.0})
    assert "market_adjusted" not in s1
    assert s1["total"] == pytest.approx({"usd": 615.0, "bps": 61.5})


def test_table_output_lists_each_order(tmp_path):
    text = _run(tmp_path, ORDERS)
    assert "b1" in text and "200.00" in text and "2 orders, total shortfall $815.00" in text


def test_start_price_defaults_to_the_decision_price(tmp_path):
    order = {"id": "z", "side": "buy", "shares": 100, "decision_price": 10.0, "fills": [{"shares": 100, "price": 10.1}]}
    (row,) = json.loads(_run(tmp_path, [order], "--format", "json"))["orders"]
    assert row["delay"]["usd"] == 0.0
    assert row["execution"]["usd"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        ([{"id": "q", "side": "buy", "shares": 10}], "order q: missing 'decision_price'"),
        (
            [{"id": "q", "side": "buy", "shares": 10, "decision_price": 1, "fills": [{"shares": 4, "price": 1}]}],
            "end_price",
        ),
        ([{"id": "q", "side": "buy", "shares": 10, "decision_price": 1, "colour": 1}], "unknown key"),
        ({"id": "q"}, "non-empty JSON list"),
    ],
)
def test_bad_input_is_one_clear_line_with_exit_code_2(tmp_path, orders, message):
    with pytest.raises(CommandError, match=message) as info:
        _run(tmp_path, orders)
    assert info.value.returncode == 2
