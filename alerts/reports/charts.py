"""Charts drawn on the server as SVG text, so they appear the same in the HTML and in the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 640, 200, 36


def line_chart(values: Sequence[float], *, title: str, unit: str = "", labels: tuple[str, str] = ("", "")) -> str:
    """A polyline of ``values`` (oldest first) with its min and max marked; an empty note when < 2 points."""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
            f'aria-label="{escape(title)}">')  # fmt: skip
    if len(values) < 2:
        return f'{head}<text x="{PAD}" y="{HEIGHT / 2}" font-size="13">{escape(title)}: not enough data</text></svg>'
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = (WIDTH - 2 * PAD) / (len(values) - 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (v - lo) / span * (HEIGHT - 2 * PAD):.1f}" for i, v in enumerate(values)
    )
    return (
        f'{head}<text x="{PAD}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
        f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{points}"/>'
        f'<text x="2" y="{PAD + 4}" font-size="11">{hi:,.2f}{escape(unit)}</text>'
        f'<text x="2" y="{HEIGHT - PAD}" font-size="11">{lo:,.2f}{escape(unit)}</text>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{escape(labels[0])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">{escape(labels[1])}</text></svg>'
    )


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> str:
    """Horizontal bars around zero (negative left, positive right), one per item."""
    height = 28 + 22 * max(len(items), 1)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="chart" role="img" '
            f'aria-label="{escape(title)}">')  # fmt: skip
    if not items:
        return f'{head}<text x="{PAD}" y="40" font-size="13">{escape(title)}: no data</text></svg>'
    biggest = max(abs(v) for _, v in items) or 1.0
    mid, half = 380, 200
    rows = [f'<text x="4" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
            f'<line x1="{mid}" y1="22" x2="{mid}" y2="{height}" stroke="#999"/>']  # fmt: skip
    for i, (label, v) in enumerate(items):
        y = 28 + 22 * i
        w = abs(v) / biggest * half
        x = mid if v >= 0 else mid - w
        colour = "#2e7d32" if v >= 0 else "#c62828"
        rows.append(
            f'<text x="4" y="{y + 13}" font-size="11">{escape(label[:40])}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="16" fill="{colour}"/>'
            f'<text x="{WIDTH - 4}" y="{y + 13}" font-size="11" text-anchor="end">{v:,.2f}{escape(unit)}</text>'
        )
    return head + "".join(rows) + "</svg>"
