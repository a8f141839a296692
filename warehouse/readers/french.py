"""Fama–French factors and industry portfolio returns (Ken French's data library), as decimals."""

from __future__ import annotations

import datetime as dt

import polars as pl

from warehouse.readers.base import Version, _query


def ff_factors(frequency: str, start: dt.date, end: dt.date, *, version: Version = None) -> pl.DataFrame:
    """Fama–French factors (decimals) with ``start <= date <= end``; frequency "daily" or "monthly"."""
    cols = "date, mktrf, smb, hml, rmw, cma, umd, rf"
    where = "frequency = ? AND date BETWEEN ? AND ?"
    return _query("ff_factors", version, cols, years=(start.year, end.year), where=where,
                  params=[frequency, start, end]).sort("date")  # fmt: skip


def ff_industries(
    scheme: int, frequency: str, weighting: str, start: dt.date, end: dt.date, *, version: Version = None
) -> pl.DataFrame:
    """Industry portfolio returns (decimals), long format: date, industry, ret."""
    where = "scheme = ? AND frequency = ? AND weighting = ? AND date BETWEEN ? AND ?"
    return _query("ff_industries", version, "date, industry, ret", years=(start.year, end.year), where=where,
                  params=[scheme, frequency, weighting, start, end]).sort("date", "industry")  # fmt: skip
