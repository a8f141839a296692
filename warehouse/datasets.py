"""The dataset contract (SCHEMAS.md) as code: columns, dtypes, keys and partition column of every dataset.

This is the single place that knows the shape of a warehouse dataset; validation, storage and the
readers all take it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

SCHEMA_VERSION = 1

_F = pl.Float64()
_I = pl.Int64()
_D = pl.Date()
_S = pl.String()


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the contract.

    ``session_dates``: the partition dates must be NYSE trading sessions. ``daily``: every session
    inside the dataset's date range must have at least one row (the date-gap rule).
    """

    name: str
    partition: str
    key: tuple[str, ...]
    columns: dict[str, pl.DataType]
    session_dates: bool = False
    daily: bool = False
    # For mixed-frequency datasets: only rows where column == value are daily (gap rule).
    daily_where: tuple[str, str] | None = None

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)


_CRSP_MONTHLY = {
    "permno": _I, "date": _D, "ret": _F, "retx": _F, "prc": _F, "vol": _F,
    "shrout": _F, "cfacpr": _F, "cfacshr": _F,
}  # fmt: skip
_ANNUAL_MONEY = [
    "at",
    "lt",
    "ceq",
    "seq",
    "txditc",
    "pstk",
    "pstkrv",
    "pstkl",
    "ni",
    "ib",
    "sale",
    "revt",
    "cogs",
    "xsga",
    "oancf",
    "csho",
    "prcc_f",
]
_QUARTERLY_MONEY = ["atq", "ltq", "ceqq", "seqq", "niq", "ibq", "saleq", "revtq", "cshoq", "prccq"]
_FF_FACTORS = ["mktrf", "smb", "hml", "rmw", "cma", "umd", "rf"]

DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "crsp_daily",
            "date",
            ("permno", "date"),
            {**_CRSP_MONTHLY, "bidlo": _F, "askhi": _F},
            session_dates=True,
            daily=True,
        ),
        DatasetSpec("crsp_monthly", "date", ("permno", "date"), dict(_CRSP_MONTHLY), session_dates=True),
        DatasetSpec(
            "crsp_names",
            "namedt",
            ("permno", "namedt"),
            {
                "permno": _I,
                "namedt": _D,
                "nameendt": _D,
                "ticker": _S,
                "comnam": _S,
                "shrcd": _I,
                "exchcd": _I,
                "siccd": _I,
            },  # fmt: skip
        ),
        DatasetSpec("crsp_delist", "dlstdt", ("permno",), {"permno": _I, "dlstdt": _D, "dlstcd": _I, "dlret": _F}),
        DatasetSpec(
            "compustat_annual",
            "datadate",
            ("gvkey", "datadate"),
            {
                "gvkey": _S,
                "datadate": _D,
                "fyear": _I,
                **{c: _F for c in _ANNUAL_MONEY},
                "sich": _I,
                "gsector": _S,
            },  # fmt: skip
        ),
        DatasetSpec(
            "compustat_quarterly",
            "datadate",
            ("gvkey", "datadate"),
            {
                "gvkey": _S,
                "datadate": _D,
                "fyearq": _I,
                "fqtr": _I,
                "rdq": _D,
                **{c: _F for c in _QUARTERLY_MONEY},
            },  # fmt: skip
        ),
        DatasetSpec(
            "ccm_link",
            "linkdt",
            ("gvkey", "lpermno", "linkdt"),
            {"gvkey": _S, "lpermno": _I, "linktype": _S, "linkprim": _S, "linkdt": _D, "linkenddt": _D},
        ),
        DatasetSpec(
            "ff_factors",
            "date",
            ("frequency", "date"),
            {"frequency": _S, "date": _D, **{c: _F for c in _FF_FACTORS}},
            session_dates=True,
            daily=True,
            daily_where=("frequency", "daily"),
        ),
        DatasetSpec(
            "ff_industries",
            "date",
            ("frequency", "scheme", "weighting", "date", "industry"),
            {"frequency": _S, "scheme": _I, "weighting": _S, "date": _D, "industry": _S, "ret": _F},
        ),
    )
}

# Columns holding simple returns (decimals): must be > -1 where not null.
RETURN_COLUMNS = ("ret", "retx", "dlret")
# Columns holding prices: must be != 0 where not null (CRSP uses negative prices, never zero).
PRICE_COLUMNS = ("prc",)


_T = pl.Datetime("us")
_B = pl.Boolean()
# TAQ Tier 1 local aggregates (docs/microstructure.md). Kept apart from DATASETS: they are built by
# `taq_build`/the quickstart from trades and quotes, not by the daily warehouse syncs.
TAQ_DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "taq_bars_1m",
            "date",
            ("symbol", "ts"),
            {
                "symbol": _S,
                "date": _D,
                "ts": _T,
                "open": _F,
                "high": _F,
                "low": _F,
                "close": _F,
                "volume": _F,
                "vwap": _F,
                "count": _I,
            },
        ),  # fmt: skip
        DatasetSpec(
            "taq_daily",
            "date",
            ("symbol", "date"),
            {
                "symbol": _S,
                "date": _D,
                "n": _I,
                "rv": _F,
                "rv_sub": _F,
                "bpv": _F,
                "medrv": _F,
                "rk": _F,
                "rk_bandwidth": _I,
                "tq": _F,
                "bns_z": _F,
                "bns_p": _F,
                "jump": _B,
                "jump_var": _F,
                "volume": _F,
                "trades": _I,
                "quoted_spread": _F,
                "quoted_spread_usd": _F,
                "depth": _F,
                "n_quotes": _I,
                "effective_spread": _F,
                "realized_spread": _F,
                "buy_fraction": _F,
                "roll_spread": _F,
                "cs_spread": _F,
            },
        ),  # fmt: skip
        DatasetSpec(
            "taq_intraday",
            "date",
            ("symbol", "date", "bucket"),
            {
                "symbol": _S,
                "date": _D,
                "bucket": _S,
                "volume": _F,
                "volume_share": _F,
                "abs_ret": _F,
                "rel_spread": _F,
                "depth": _F,
            },
        ),  # fmt: skip
    )
}


# Every published dataset the warehouse keeps (catalog views, verification, snapshots, the dataset
# list): the contract's DATASETS, which the syncs and the health check require, then the TAQ Tier 1.
ALL_DATASETS: dict[str, DatasetSpec] = {**DATASETS, **TAQ_DATASETS}


class UnknownDataset(ValueError):
    """The name is not a dataset of the contract."""


def get_spec(dataset: str) -> DatasetSpec:
    try:
        return ALL_DATASETS[dataset]
    except KeyError:
        raise UnknownDataset(f"Unknown dataset {dataset!r}; known: {', '.join(sorted(ALL_DATASETS))}.") from None


# Column descriptions for the dataset pages and the SQL explorer (units in brackets). A column keeps
# one meaning across datasets; DESCRIPTION_OVERRIDES gives a dataset's own reading where it differs.
COLUMN_DESCRIPTIONS: dict[str, str] = {
    "permno": "CRSP permanent security id",
    "lpermno": "CRSP permno linked to the gvkey",
    "gvkey": "Compustat company id",
    "symbol": "ticker symbol (TAQ)",
    "ticker": "ticker symbol",
    "date": "trading date (month end for monthly rows)",
    "datadate": "fiscal period end date",
    "namedt": "first date the name row is valid",
    "nameendt": "last date the name row is valid (null: still valid)",
    "ret": "simple return incl. dividends [decimal]",
    "retx": "simple return excl. dividends [decimal]",
    "prc": "closing price or negative bid/ask midpoint [USD]",
    "vol": "share volume [shares]",
    "shrout": "shares outstanding [thousands]",
    "cfacpr": "price adjustment factor",
    "cfacshr": "shares adjustment factor",
    "bidlo": "daily low or lowest bid [USD]",
    "askhi": "daily high or highest ask [USD]",
    "comnam": "company name",
    "shrcd": "share code (10, 11: common shares)",
    "exchcd": "exchange (1 NYSE, 2 AMEX, 3 Nasdaq)",
    "siccd": "SIC industry code",
    "dlstdt": "delisting date",
    "dlstcd": "delisting code",
    "dlret": "delisting return [decimal]",
    "fyear": "fiscal year",
    "fyearq": "fiscal year of the quarter",
    "fqtr": "fiscal quarter (1-4)",
    "rdq": "report date of the quarter (public from)",
    "sich": "historical SIC code",
    "gsector": "GICS sector",
    "linktype": "CCM link type (LC, LU, LS...)",
    "linkprim": "primary link flag (P, C)",
    "linkdt": "link valid from",
    "linkenddt": "link valid to (null: still valid)",
    "frequency": "daily or monthly",
    "scheme": "number of industries (5, 10, 12, 17, 30, 48, 49)",
    "weighting": "value or equal weighted",
    "industry": "industry short name",
    "mktrf": "market excess return [decimal]",
    "smb": "size factor [decimal]",
    "hml": "value factor [decimal]",
    "rmw": "profitability factor [decimal]",
    "cma": "investment factor [decimal]",
    "umd": "momentum factor [decimal]",
    "rf": "risk-free rate [decimal]",
    "ts": "bar start time (exchange time)",
    "open": "first trade price [USD]",
    "high": "highest trade price [USD]",
    "low": "lowest trade price [USD]",
    "close": "last trade price [USD]",
    "volume": "traded volume [shares]",
    "vwap": "volume-weighted average price [USD]",
    "count": "number of trades",
    "n": "intraday returns used",
    "rv": "realized variance [return²]",
    "rv_sub": "subsampled realized variance [return²]",
    "bpv": "bipower variation [return²]",
    "medrv": "median realized variance [return²]",
    "rk": "realized kernel [return²]",
    "rk_bandwidth": "realized kernel bandwidth [lags]",
    "tq": "tripower quarticity",
    "bns_z": "BNS jump z statistic",
    "bns_p": "BNS jump p-value",
    "jump": "jump detected at 1 %",
    "jump_var": "jump variation [return²]",
    "trades": "number of trades",
    "quoted_spread": "time-weighted relative quoted spread [decimal]",
    "quoted_spread_usd": "quoted spread [USD]",
    "depth": "average quoted depth [shares]",
    "n_quotes": "number of quotes",
    "effective_spread": "effective spread [decimal]",
    "realized_spread": "5-minute realized spread [decimal]",
    "buy_fraction": "share of buyer-initiated volume",
    "roll_spread": "Roll spread estimate [decimal]",
    "cs_spread": "Corwin-Schultz spread estimate [decimal]",
    "bucket": "intraday time bucket",
    "volume_share": "share of the day's volume",
    "abs_ret": "mean absolute return [decimal]",
    "rel_spread": "relative quoted spread [decimal]",
    "csho": "common shares outstanding [millions]",
    "cshoq": "common shares outstanding [millions]",
    "prcc_f": "fiscal year-end close price [USD]",
    "prccq": "quarter-end close price [USD]",
}
_MONEY = "[USD millions]"
DESCRIPTION_OVERRIDES: dict[str, dict[str, str]] = {
    "ff_industries": {"ret": "industry portfolio return [decimal]"},
    "taq_bars_1m": {"date": "trading date"},
}


def column_description(dataset: str, column: str) -> str:
    """What ``column`` of ``dataset`` holds, with its unit; Compustat money items default to USD millions."""
    own = DESCRIPTION_OVERRIDES.get(dataset, {}).get(column) or COLUMN_DESCRIPTIONS.get(column)
    if own:
        return own
    if column in _ANNUAL_MONEY or column in _QUARTERLY_MONEY:
        return f"Compustat item {column.upper()} {_MONEY}"
    return ""
