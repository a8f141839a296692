"""What a simple-return value may be: finite, above -100 % (a loss of more than everything is not
a return), and below ``MAX_ABS_RETURN`` per period (1e308 is a broken file, not a return; compounding
it overflows). Used by every reader of a user's return file."""

from __future__ import annotations

import polars as pl

MAX_ABS_RETURN = 100.0  # 10,000 % in one period: far above any real return, below overflow


def return_problem(values: pl.Series) -> tuple[int, str] | None:
    """``(row index, why)`` of the first impossible return in ``values`` (nulls are missing, fine)."""
    checks = (
        (~values.is_finite(), "is not finite"),
        (values <= -1.0, "is a loss of 100% or more (simple returns must be > -1)"),
        (values.abs() > MAX_ABS_RETURN, f"is larger than {MAX_ABS_RETURN:g} ({MAX_ABS_RETURN:.0%}) in one period"),
    )
    found = [(int(mask.fill_null(False).arg_true()[0]), order, why)
             for order, (mask, why) in enumerate(checks) if mask.fill_null(False).any()]  # fmt: skip
    if not found:
        return None
    row, _, why = min(found)  # the first bad row; on it, the first check that fails
    return row, why
