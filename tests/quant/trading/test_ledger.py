"""Average-cost accounting with hand-computed numbers (dollars and shares)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from quant.trading.ledger import PositionState, fill_effect


def run(fills: list[tuple[str, str, str]]) -> tuple[PositionState, D]:
    state, cash = PositionState(), D(0)
    for qty, price, fees in fills:
        effect = fill_effect(state, D(qty), D(price), D(fees))
        state, cash = effect.position, cash + effect.trade_cash - D(fees)
    return state, cash


def test_adds_average_the_cost_and_partial_close_realizes_against_it() -> None:
    state, cash = run([("10", "100", "0"), ("5", "106", "0")])
    assert (state.quantity, state.cost_basis, state.avg_cost, state.realized) == (D(15), D(1530), D(102), D(0))
    state, cash2 = run([("10", "100", "0"), ("5", "106", "0"), ("-6", "110", "1")])
    # released basis 1530 * 6/15 = 612; realized 6*110 - 612 - 1 fee = 47
    assert (state.quantity, state.cost_basis, state.realized) == (D(9), D(918), D(47))
    assert cash2 == D(-1000 - 530 + 660 - 1)


def test_flip_long_to_short_and_back_to_flat() -> None:
    fills = [("10", "100", "0"), ("5", "106", "0"), ("-6", "110", "1"), ("-14", "95", "0")]
    state, _ = run(fills)
    # closes 9 @ 95 against basis 918 (-63), opens 5 short at 95: basis -475
    assert (state.quantity, state.cost_basis, state.avg_cost, state.realized) == (D(-5), D(-475), D(95), D(-16))
    state, cash = run([*fills, ("5", "90", "0")])
    # covers the short: 475 - 450 = +25
    assert (state.quantity, state.cost_basis, state.realized) == (D(0), D(0), D(9))
    assert cash == state.realized  # flat: all P&L is realized and sits in cash


def test_rounded_partial_releases_still_sum_to_the_exact_basis() -> None:
    state, cash = run([("3", "3.33333333", "0"), ("-1", "4", "0")])
    assert state.cost_basis == D("6.66666666")  # 9.99999999 - round8(9.99999999 / 3)
    state, cash = run([("3", "3.33333333", "0"), ("-1", "4", "0"), ("-2", "4", "0")])
    assert state.cost_basis == 0 and state.realized == cash == D("2.00000001")


def test_fractional_shares_keep_every_digit() -> None:
    state, cash = run([("0.12345678", "250.5", "0")])
    assert state.quantity == D("0.12345678") and cash == D("-30.92592339")  # 30.925923390 rounded to 8 dp


def test_zero_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="non-zero"):
        fill_effect(PositionState(), D(0), D(1))
