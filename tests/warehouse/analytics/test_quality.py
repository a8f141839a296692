"""Data-quality anomalies: hand-computed tables, a brute-force cross-check, and a look-ahead check."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from polars.testing import assert_frame_equal

from warehouse.analytics.quality import date_gaps, null_rate_spikes, row_count_drops


def test_a_null_rate_that_jumps_and_doubles_is_a_spike():
    rates = pl.DataFrame({"version": [1, 2, 3, 1, 2, 3], "column": ["ret"] * 3 + ["prc"] * 3,
                          "null_rate": [0.01, 0.02, 0.20, 0.0, 0.0, 0.015]})  # fmt: skip
    expected = pl.DataFrame({"version": [3], "column": ["ret"], "null_rate": [0.20], "previous_rate": [0.02]})
    assert_frame_equal(null_rate_spikes(rates), expected)  # prc +1.5 pp is below the 2 pp jump


def test_a_row_count_drop_of_ten_percent_or_more_is_flagged_with_its_change():
    sizes = pl.DataFrame({"version": [3, 1, 2], "rows": [80, 100, 95]})
    got = row_count_drops(sizes)
    assert got["version"].to_list() == [3] and got["previous_rows"].to_list() == [95]
    assert abs(got["change"][0] - (80 / 95 - 1)) < 1e-12


def test_date_gaps_match_a_brute_force_month_walk():
    rng = np.random.default_rng(11)
    months = [dt.date(2000 + i // 12, i % 12 + 1, 1) for i in range(120)]
    kept = sorted({months[0], months[-1], *(m for m in months if rng.random() > 0.3)})
    got = date_gaps(pl.DataFrame({"month": kept, "rows": [5] * len(kept)}))
    missing = [m for m in months if m not in set(kept)]  # brute force: walk every month
    runs: list[list[dt.date]] = []
    for m in missing:
        prev = runs[-1][-1] if runs else None
        if prev is not None and (m.year * 12 + m.month) - (prev.year * 12 + prev.month) == 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    assert got.rows() == [(r[0], r[-1], len(r)) for r in runs] and len(runs) > 5


def test_later_versions_never_change_the_anomalies_of_earlier_ones():
    rates = pl.DataFrame({"version": [1, 2, 1, 2], "column": ["a", "a", "b", "b"], "null_rate": [0.0, 0.3, 0.1, 0.1]})
    more = pl.concat([rates, pl.DataFrame({"version": [3, 3], "column": ["a", "b"], "null_rate": [0.9, 0.9]})])
    assert_frame_equal(null_rate_spikes(more).filter(pl.col("version") <= 2), null_rate_spikes(rates))
    sizes = pl.DataFrame({"version": [1, 2], "rows": [100, 50]})
    grown = pl.concat([sizes, pl.DataFrame({"version": [3], "rows": [10]})])
    assert_frame_equal(row_count_drops(grown).filter(pl.col("version") <= 2), row_count_drops(sizes))
