"""The research data path reads fundamentals point in time exactly as the warehouse readers do."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from research.services.data import load_research_data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = dt.date
# June month ends on a weekend (2019-06-30 and 2024-06-30 are Sundays), a plain June, a December
AS_OF = (D(2019, 6, 28), D(2024, 6, 28), D(2023, 6, 30), D(2021, 12, 31))


def _latest(rows: pl.DataFrame, known: str, as_of: dt.date) -> pl.DataFrame:
    public = rows.filter(pl.col(known) <= as_of).sort("gvkey", "datadate", known)
    return public.unique("gvkey", keep="last").select("gvkey", "datadate", pl.col(known).alias("known")).sort("gvkey")


@pytest.mark.parametrize("kind", ["annual", "quarterly"])
def test_research_fundamentals_agree_with_fundamentals_asof(demo_reports, kind: str) -> None:
    from warehouse import readers

    data = load_research_data()
    rows = data.inputs.annual if kind == "annual" else data.inputs.quarterly
    linked = rows["gvkey"].unique().implode()
    for as_of in AS_OF:
        ours = _latest(rows, "available_date", as_of)
        theirs = _latest(readers.fundamentals_asof(as_of, kind=kind).filter(pl.col("gvkey").is_in(linked)),
                         "known_date", as_of)  # fmt: skip
        assert ours.height > 100
        assert ours.equals(theirs), (kind, as_of)


def test_december_reports_are_public_at_a_june_month_end_on_a_friday(demo_reports) -> None:
    from warehouse import readers

    latest = readers.fundamentals_asof(D(2019, 6, 28))
    december = latest.filter(pl.col("datadate") == D(2018, 12, 31))
    assert december.height > 100  # 70 % of the demo firms have a December FYE
    assert december["known_date"].unique().to_list() == [D(2019, 6, 28)]
