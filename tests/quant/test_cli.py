from __future__ import annotations

import datetime as dt

import pytest
from django.core.management.base import CommandError

from quant.cli import parse_date


def test_parse_date_reads_iso_dates() -> None:
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize("text", ["2024-02-30", "29/02/2024", ""])
def test_parse_date_rejects_other_text_quoting_it(text: str) -> None:
    with pytest.raises(CommandError, match=f"Not a date \\(YYYY-MM-DD\\): {text!r}"):
        parse_date(text)
