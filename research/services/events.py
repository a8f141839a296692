"""Event studies over the warehouse (or users' own files): inputs, the run, its JSON interface.

``event_study`` (the command) and the event-study page call :func:`event_study_run`. Inputs:

* events: CSV/Parquet ``permno, date`` (optional ``id``); the date is the announcement day (day 0 =
  the first session on or after it);
* from the warehouse: CRSP total returns (delisting returns merged) and the daily Fama–French
  factors (whose dates are the session calendar);
* or users' files: ``--returns`` ``permno, date, ret`` and ``--market`` ``date, mktrf, rf`` (+ ``smb,
  hml, rmw, cma`` for FF models) or ``date, market`` (a total market return; rf = 0).

The JSON keys (docs/research.md, "Event studies") are an interface.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from research import io
from research.analytics.events import (
    FF_COLUMNS,
    MODELS,
    AbnormalReturns,
    CalendarTime,
    TestResult,
    Windows,
    abnormal_returns,
    calendar_time_alpha,
    car_path,
    event_tests,
    per_event,
)

CALENDAR_DAYS_PER_SESSION = 1.5  # generous: 250 sessions span ~365 calendar days, plus holidays


def parse_window(text: str, name: str) -> tuple[int, int]:
    """``"-250,-30"`` → (-250, -30); ValueError naming the option otherwise."""
    try:
        low, high = (int(part) for part in text.split(","))
    except ValueError as exc:
        raise ValueError(f"{name} must be two integers low,high (e.g. -250,-30), got {text!r}") from exc
    return low, high


def read_events(path: str | Path) -> pl.DataFrame:
    """``event_id, permno, event_date`` from a CSV/Parquet file with ``permno, date`` (optional ``id``)."""
    p = Path(path)
    frame = io._read_any(p)
    missing = [c for c in ("permno", "date") if c not in frame.columns]
    if missing:
        raise io.InputError(f"{p}: missing column(s) {', '.join(missing)} (need permno,date)")
    frame = io._cast_date(frame, p)
    permno = frame["permno"].cast(pl.Int64, strict=False)
    if permno.null_count():
        raise io.InputError(f"{p}: column 'permno' has values that are not integers")
    ids = frame["id"].cast(pl.Utf8) if "id" in frame.columns else pl.Series([str(i + 1) for i in range(frame.height)])
    out = pl.DataFrame({"label": ids, "permno": permno, "event_date": frame["date"]})
    if out.height == 0:
        raise io.InputError(f"{p}: no events")
    return out.with_row_index("event_id").with_columns(pl.col("event_id").cast(pl.Int64))


def read_user_returns(path: str | Path) -> pl.DataFrame:
    p = Path(path)
    frame = io._read_any(p)
    missing = [c for c in ("permno", "date", "ret") if c not in frame.columns]
    if missing:
        raise io.InputError(f"{p}: missing column(s) {', '.join(missing)} (need permno,date,ret)")
    frame = io._cast_float(io._cast_date(frame, p), "ret", p)
    return frame.select(pl.col("permno").cast(pl.Int64), "date", "ret")


def read_user_market(path: str | Path, model: str) -> pl.DataFrame:
    p = Path(path)
    frame = io._cast_date(io._read_any(p), p)
    if "market" in frame.columns and "mktrf" not in frame.columns:
        frame = io._cast_float(frame, "market", p).with_columns(mktrf=pl.col("market"), rf=pl.lit(0.0))
    need = ["mktrf", "rf", *FF_COLUMNS.get(model, ())]
    missing = [c for c in dict.fromkeys(need) if c not in frame.columns]
    if missing:
        raise io.InputError(f"{p}: missing column(s) {', '.join(missing)} for the {model} model")
    for c in dict.fromkeys(need):
        frame = io._cast_float(frame, c, p)
    return frame.select("date", *dict.fromkeys(need)).sort("date")


def warehouse_inputs(events: pl.DataFrame, windows: Windows) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(returns, factors) covering every event's windows, from the warehouse."""
    from warehouse import readers

    first, last = events["event_date"].min(), events["event_date"].max()
    assert isinstance(first, dt.date) and isinstance(last, dt.date)
    start = first + dt.timedelta(days=int(windows.est_start * CALENDAR_DAYS_PER_SESSION) - 10)
    end = last + dt.timedelta(days=int(max(windows.end, 0) * CALENDAR_DAYS_PER_SESSION) + 10)
    factors = io.warehouse_factors("daily", start, end)
    permnos = events["permno"].unique().to_list()
    returns = (
        readers.total_returns(start, end, permnos=permnos)
        .select("permno", "date", pl.col("total_ret").alias("ret"))
        .collect()
    )
    return returns, factors


@dataclass(frozen=True)
class EventStudyReport:
    """Everything the command prints and the page shows."""

    model: str
    windows: Windows
    ars: AbnormalReturns
    events: pl.DataFrame  # per event: label, permno, event_date, car, bhar, csar, sigma, n_est
    path: pl.DataFrame  # offset, aar, caar, lo, hi, n
    tests: list[TestResult]
    calendar: CalendarTime
    source: str

    @property
    def n_events(self) -> int:
        return self.events.height

    def as_dict(self) -> dict[str, Any]:
        car, bhar = self.events["car"], self.events["bhar"]
        return {
            "model": self.model,
            "estimation": [self.windows.est_start, self.windows.est_end],
            "window": [self.windows.start, self.windows.end],
            "source": self.source,
            "n_events": self.n_events,
            "dropped": self.ars.dropped,
            "car": {"mean": car.mean(), "median": car.median(), "std": car.std(ddof=1)},
            "bhar": {"mean": bhar.mean(), "median": bhar.median()},
            "tests": [{"name": t.name, "statistic": t.statistic, "p_value": t.p_value} for t in self.tests],
            "calendar_time": {
                "alpha_daily": self.calendar.alpha,
                "t": self.calendar.t_stat,
                "days": self.calendar.n_days,
            },  # fmt: skip
            "path": self.path.select("offset", "aar", "caar", "lo", "hi").to_dicts(),
        }


def event_study_run(
    *, events: pl.DataFrame, model: str = "market", windows: Windows | None = None,
    returns: pl.DataFrame | None = None, market: pl.DataFrame | None = None,
) -> EventStudyReport:  # fmt: skip
    """Run an event study (module docstring). ``returns``/``market`` both given → users' data; both
    None → the warehouse. ValueError (``InputError``) on bad input or when no event survives."""
    if model not in MODELS:
        raise io.InputError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    w = windows or Windows()
    if (returns is None) != (market is None):
        raise io.InputError("give both --returns and --market, or neither (the warehouse)")
    source = "files"
    if returns is None or market is None:
        returns, market = warehouse_inputs(events, w)
        source = "warehouse"
    ars = abnormal_returns(events, returns, market, model=model, windows=w)
    if ars.ar.shape[0] < 2:
        raise io.InputError(
            f"only {ars.ar.shape[0]} of {events.height} events have returns over the estimation and event "
            "windows (need at least 2)"
        )
    table = per_event(ars)
    if "label" in events.columns:
        table = table.join(events.select("event_id", "label"), on="event_id", how="left")
    return EventStudyReport(
        model=model, windows=w, ars=ars, events=table, path=car_path(ars), tests=event_tests(ars),
        calendar=calendar_time_alpha(ars, market, model=model), source=source,
    )  # fmt: skip
