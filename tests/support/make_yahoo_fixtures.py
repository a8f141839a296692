"""Writes the chart-API fixtures under tests/warehouse/sources/fixtures/yahoo/ (run once; output committed).

No network: the responses follow the exact layout of Yahoo's v8 chart API (meta, timestamp at the
09:30 New York open, events with dividends/splits, indicators.quote and adjclose, nulls for an empty
bar) with AAPL/MSFT-like levels for 2020-08-03..2020-09-04: AAPL's 4:1 split on 2020-08-31 and its
0.205 (split-adjusted) dividend on 2020-08-07, MSFT's 0.51 dividend on 2020-08-19. Yahoo's ``close``
is split-adjusted; ``adjclose`` is also dividend-adjusted. ``python -m tests.support.make_yahoo_fixtures``
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import numpy as np

from tests.support.yahoo_loopback import FIXTURES

NY = ZoneInfo("America/New_York")
HOLIDAYS: set[dt.date] = set()  # no NYSE holiday between 2020-08-03 and 2020-09-04


def sessions() -> list[dt.date]:
    days = [dt.date(2020, 8, 3) + dt.timedelta(days=i) for i in range(33)]
    return [d for d in days if d.weekday() < 5 and d not in HOLIDAYS]


def chart(symbol: str, first_close: float, seed: int, dividend: tuple[dt.date, float], split: dt.date | None,
          null_day: dt.date | None, first_trade: int) -> dict:  # fmt: skip
    days = sessions()
    rng = np.random.default_rng(seed)
    rets = rng.normal(0.002, 0.018, len(days))
    closes = list(np.round(first_close * np.cumprod(1 + rets), 2))
    div_day, amount = dividend
    # adjclose: back-adjust dividends (Yahoo's multiplier 1 - D / close of the day before the ex-date)
    factor = np.ones(len(days))
    k = days.index(div_day)
    factor[:k] *= 1 - amount / closes[k - 1]
    adj = list(np.round(np.array(closes) * factor, 6))
    stamps = [int(dt.datetime(d.year, d.month, d.day, 9, 30, tzinfo=NY).timestamp()) for d in days]
    opens = [round(c * (1 + rng.normal(0, 0.004)), 2) for c in closes]
    highs = [round(max(o, c) * (1 + abs(rng.normal(0, 0.006))), 2) for o, c in zip(opens, closes, strict=True)]
    lows = [round(min(o, c) * (1 - abs(rng.normal(0, 0.006))), 2) for o, c in zip(opens, closes, strict=True)]
    volumes = [int(v) for v in rng.integers(20_000_000, 60_000_000, len(days))]
    quote = {"open": opens, "high": highs, "low": lows, "close": closes, "volume": volumes}
    if null_day is not None:
        j = days.index(null_day)
        for series in quote.values():
            series[j] = None
        adj[j] = None
    events: dict = {"dividends": {str(stamps[k]): {"amount": amount, "date": stamps[k]}}}
    if split is not None:
        s = stamps[days.index(split)]
        events["splits"] = {str(s): {"date": s, "numerator": 4.0, "denominator": 1.0, "splitRatio": "4:1"}}
    last = stamps[-1] + 6 * 3600 + 1800
    meta = {
        "currency": "USD", "symbol": symbol, "exchangeName": "NMS", "fullExchangeName": "NasdaqGS",
        "instrumentType": "EQUITY", "firstTradeDate": first_trade, "regularMarketTime": last,
        "hasPrePostMarketData": True, "gmtoffset": -14400, "timezone": "EDT",
        "exchangeTimezoneName": "America/New_York", "regularMarketPrice": closes[-1],
        "fiftyTwoWeekHigh": max(highs[i] for i in range(len(days)) if highs[i] is not None),
        "fiftyTwoWeekLow": min(lows[i] for i in range(len(days)) if lows[i] is not None),
        "regularMarketVolume": volumes[-1], "chartPreviousClose": round(first_close / (1 + rets[0]), 2),
        "priceHint": 2,
        "currentTradingPeriod": {
            "pre": {"timezone": "EDT", "start": last - 34200, "end": last - 23400, "gmtoffset": -14400},
            "regular": {"timezone": "EDT", "start": last - 23400, "end": last, "gmtoffset": -14400},
            "post": {"timezone": "EDT", "start": last, "end": last + 14400, "gmtoffset": -14400},
        },
        "dataGranularity": "1d", "range": "",
        "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
    }  # fmt: skip
    result = {"meta": meta, "timestamp": stamps, "events": events,
              "indicators": {"quote": [quote], "adjclose": [{"adjclose": adj}]}}  # fmt: skip
    return {"chart": {"result": [result], "error": None}}


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    specs = {
        "AAPL": chart("AAPL", 108.94, 11, (dt.date(2020, 8, 7), 0.205), dt.date(2020, 8, 31), None, 345479400),
        "MSFT": chart("MSFT", 216.54, 12, (dt.date(2020, 8, 19), 0.51), None, dt.date(2020, 8, 26), 511108200),
    }
    for symbol, body in specs.items():
        (FIXTURES / f"chart_{symbol}.json").write_text(json.dumps(body, separators=(",", ":")))


if __name__ == "__main__":
    main()
