"""Small frames matching SCHEMAS.md, and an isolated warehouse directory per test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from quant import calendars
from warehouse import readers
from warehouse.datasets import DATASETS

START = dt.date(2019, 11, 1)
END = dt.date(2020, 2, 28)


@pytest.fixture
def wh(settings, tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty warehouse and locks directory for one test."""
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    settings.LOCKS_DIR = tmp_path / "locks"
    yield settings.WAREHOUSE_DIR
    if readers._CONNECTION is not None:
        readers._CONNECTION[1].close()
        readers._CONNECTION = None


def cast(dataset: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Cast to the contract's dtypes and column order."""
    spec = DATASETS[dataset]
    return frame.select([pl.col(c).cast(t) for c, t in spec.columns.items()])


def _fill(columns: dict[str, object], dataset: str, n: int) -> pl.DataFrame:
    spec = DATASETS[dataset]
    data = {c: columns.get(c, [None] * n) for c in spec.columns}
    return cast(dataset, pl.DataFrame(data, schema_overrides={c: pl.Float64 for c in spec.columns if c not in columns}))


def make_daily(permnos: list[int], start: dt.date = START, end: dt.date = END, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    days = calendars.sessions(start, end).to_list()
    rows = {c: [] for c in ("permno", "date", "ret", "prc")}
    for p in permnos:
        price = 20.0 + p % 7
        for i, d in enumerate(days):
            r = float(rng.normal(0.0005, 0.02))
            price *= 1 + r
            rows["permno"].append(p)
            rows["date"].append(d)
            rows["ret"].append(None if i == 0 else r)
            rows["prc"].append(price)
    n = len(rows["permno"])
    ones = [1.0] * n
    return _fill({**rows, "retx": rows["ret"], "vol": ones, "shrout": [1000.0] * n, "cfacpr": ones,
                  "cfacshr": ones, "bidlo": rows["prc"], "askhi": rows["prc"]}, "crsp_daily", n)  # fmt: skip


def make_names(rows: list[tuple]) -> pl.DataFrame:
    """rows: (permno, namedt, nameendt, ticker, shrcd, exchcd)."""
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    return _fill(
        {"permno": cols[0], "namedt": cols[1], "nameendt": cols[2], "ticker": cols[3], "comnam": [f"CO {t}" for t in
         cols[3]], "shrcd": cols[4], "exchcd": cols[5], "siccd": [3570] * n}, "crsp_names", n
    )  # fmt: skip


def make_delist(rows: list[tuple]) -> pl.DataFrame:
    """rows: (permno, dlstdt, dlstcd, dlret)."""
    if not rows:
        return cast("crsp_delist", pl.DataFrame(schema=DATASETS["crsp_delist"].columns))
    cols = list(zip(*rows, strict=True))
    return _fill({"permno": cols[0], "dlstdt": cols[1], "dlstcd": cols[2], "dlret": cols[3]}, "crsp_delist", len(rows))


@dataclass
class Demo:
    datasets: dict[str, pl.DataFrame]
    planted: dict[str, pl.DataFrame]
    config_hash: str


def demo_frames(seed: int = 7) -> dict[str, pl.DataFrame]:
    """Every dataset of the contract, tiny, valid."""
    permnos = [10001, 10002, 10003, 10004]
    daily = make_daily(permnos, seed=seed)
    month_ends = calendars.month_ends(START, END).to_list()
    monthly = daily.filter(pl.col("date").is_in(month_ends)).drop("bidlo", "askhi")
    names = make_names([(p, START, None, f"T{p}", 11, 1 + i % 3) for i, p in enumerate(permnos)])
    delist = make_delist([])
    gv = ["001001", "001002"]
    annual = _fill({"gvkey": gv, "datadate": [dt.date(2018, 12, 31)] * 2, "fyear": [2018, 2018],
                    "at": [100.0, 200.0], "ceq": [40.0, 90.0], "sich": [3570, 2834], "gsector": ["45", "35"]},
                   "compustat_annual", 2)  # fmt: skip
    quarterly = _fill(
        {"gvkey": gv, "datadate": [dt.date(2019, 9, 30)] * 2, "fyearq": [2019, 2019], "fqtr": [3, 3],
         "rdq": [dt.date(2019, 10, 30), None], "atq": [101.0, 201.0]}, "compustat_quarterly", 2
    )  # fmt: skip
    link = _fill({"gvkey": gv, "lpermno": permnos[:2], "linktype": ["LC", "LU"], "linkprim": ["P", "P"],
                  "linkdt": [dt.date(2000, 1, 3)] * 2, "linkenddt": [None, None]}, "ccm_link", 2)  # fmt: skip
    days = calendars.sessions(START, END).to_list()
    ffd = _fill({"frequency": ["daily"] * len(days), "date": days, "mktrf": [0.001] * len(days),
                 "rf": [0.0001] * len(days)}, "ff_factors", len(days))  # fmt: skip
    ffm = _fill({"frequency": ["monthly"] * len(month_ends), "date": month_ends, "mktrf": [0.01] * len(month_ends),
                 "rf": [0.001] * len(month_ends)}, "ff_factors", len(month_ends))  # fmt: skip
    ind = _fill({"frequency": ["monthly"] * 2, "scheme": [10, 10], "weighting": ["value"] * 2,
                 "date": [month_ends[0]] * 2, "industry": ["NoDur", "Durbl"], "ret": [0.01, -0.02]},
                "ff_industries", 2)  # fmt: skip
    return {
        "crsp_daily": daily, "crsp_monthly": cast("crsp_monthly", monthly), "crsp_names": names,
        "crsp_delist": delist, "compustat_annual": annual, "compustat_quarterly": quarterly, "ccm_link": link,
        "ff_factors": pl.concat([ffd, ffm]), "ff_industries": ind,
    }  # fmt: skip


@pytest.fixture
def frames() -> dict[str, pl.DataFrame]:
    return demo_frames()
