"""GICS sector codes (Compustat ``gsector``) and their names, for display."""

from __future__ import annotations

GICS_SECTORS = {"10": "Energy", "15": "Materials", "20": "Industrials", "25": "Consumer Discretionary",
                "30": "Consumer Staples", "35": "Health Care", "40": "Financials", "45": "Information Technology",
                "50": "Communication Services", "55": "Utilities", "60": "Real Estate"}  # fmt: skip


def sector_label(code: str) -> str:
    """``45 Information Technology`` for a GICS sector code; anything else unchanged."""
    return f"{code} {GICS_SECTORS[code]}" if code in GICS_SECTORS else code
