"""Golden: the weekly risk report rendered from pinned data (the paper strategy, a fixed clock) has the
stored text and page count; its first page is written as a PNG (pdftoppm) to look at.

Regenerate after an intended change with ``UPDATE_GOLDENS=1`` and read the diff before committing."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from alerts.reports.charts import line_chart
from alerts.reports.render import render, write

pytestmark = pytest.mark.django_db
GOLDENS = Path(__file__).parent / "goldens"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "alerts"
CLOCK = dt.datetime(2024, 3, 11, 11, 0, tzinfo=dt.UTC)


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return "\n".join(line.rstrip() for line in out.splitlines()).strip() + "\n"


def test_weekly_risk_report_matches_its_golden_text_and_page_count(paper_strategy, tmp_path) -> None:  # noqa: ANN001
    rendered = render("weekly_risk", dt.date(2024, 3, 4), dt.date(2024, 3, 10), extra={"generated": CLOCK})
    _, pdf = write(rendered, tmp_path)
    text = _text(pdf)
    golden = GOLDENS / "weekly_risk.txt"
    if os.environ.get("UPDATE_GOLDENS"):
        golden.write_text(text)
    assert rendered.pages == 1
    assert text == golden.read_text()
    assert "<svg" in rendered.html and "<polyline" in rendered.html  # the equity chart is drawn server-side
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                    str(ARTIFACTS / "golden_weekly_risk")], check=True)  # fmt: skip


def test_the_line_chart_puts_the_peak_at_the_top_and_the_trough_at_the_bottom() -> None:
    svg = line_chart([10000.0, 10900.0, 8650.0], title="equity ($)")
    points = svg.split('points="')[1].split('"')[0].split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys == [164.0 - (10000 - 8650) / 2250 * 128, 36.0, 164.0]  # height 200, padding 36
    assert "10,900.00" in svg and "8,650.00" in svg
