"""What the event-study and PEAD pages show, from :mod:`research.services.events` and
:mod:`research.services.pead` (percent units for display; the services keep decimals)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

from research import io
from research.analytics.events import Windows
from research.analytics.pead import sue_deciles
from research.services.events import event_study_run, parse_window
from research.services.pead import PeadResult, pead_events, pead_versions

MAX_EVENTS = 3000  # the page runs synchronously: the most recent announcements of a decile


def _pct(value: object) -> float | None:
    return 100.0 * float(value) if isinstance(value, int | float) and math.isfinite(value) else None  # type: ignore[arg-type]


def typed_events(text: str) -> pl.DataFrame:
    """``permno,YYYY-MM-DD`` lines → events; InputError naming the first bad line."""
    rows = []
    for n, line in enumerate(text.strip().splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace(";", ",").split(",")]
        try:
            rows.append((str(n), int(parts[0]), dt.date.fromisoformat(parts[1])))
        except (ValueError, IndexError) as exc:
            raise io.InputError(f"line {n}: expected permno,YYYY-MM-DD, got {line.strip()!r}") from exc
    frame = pl.DataFrame(rows, schema={"label": pl.Utf8, "permno": pl.Int64, "event_date": pl.Date}, orient="row")
    return frame.with_row_index("event_id").with_columns(pl.col("event_id").cast(pl.Int64))


def sue_decile_events(decile: int) -> pl.DataFrame:
    events = sue_deciles(pead_events(pead_versions())).filter(pl.col("decile") == decile)
    events = events.sort("event_date").tail(MAX_EVENTS)
    return events.select(pl.col("event_id"), pl.col("permno"), pl.col("event_date"),
                         label=pl.format("SUE {}", pl.col("sue").round(2)))  # fmt: skip


def index_change_events(action: str) -> pl.DataFrame:
    """Announcements of additions (``add``) or deletions (``delete``) of the demo source's index
    membership table (``warehouse.selectors.planted_truth("index_events")``)."""
    from warehouse.selectors import planted_truth

    try:
        frame = planted_truth("index_events")
    except FileNotFoundError as exc:
        raise io.InputError(f"no index membership table; {io.WAREHOUSE_HINT}") from exc
    events = frame.filter(pl.col("action") == action).sort("announce_date", "permno")
    return events.with_row_index("event_id").select(
        pl.col("event_id").cast(pl.Int64), "permno", pl.col("announce_date").alias("event_date"),
        label=pl.format("{} (effective {})", pl.col("action"), pl.col("effective_date")),
    )  # fmt: skip


def event_study_context(data: dict[str, Any]) -> dict[str, Any]:
    est = parse_window(data["estimation"], "estimation window")
    win = parse_window(data["window"], "event window")
    windows = Windows(est[0], est[1], win[0], win[1])
    if data["source"] == "sue":
        events, what = sue_decile_events(int(data["decile"])), f"SUE decile {data['decile']} announcements"
    elif data["source"] in ("add", "delete"):
        label = "additions to" if data["source"] == "add" else "deletions from"
        events, what = index_change_events(data["source"]), f"Announced {label} the DEMO index"
    else:
        events, what = typed_events(data["events"]), "your events"
    report = event_study_run(events=events, model=data["model"], windows=windows)
    d = report.as_dict()
    path = report.path
    chart = {"offsets": path["offset"].to_list(), "caar": [_pct(v) for v in path["caar"]],
             "lo": [_pct(v) for v in path["lo"]], "hi": [_pct(v) for v in path["hi"]]}  # fmt: skip
    rows = [{"offset": r["offset"], "aar": _pct(r["aar"]), "caar": _pct(r["caar"]), "lo": _pct(r["lo"]),
             "hi": _pct(r["hi"])} for r in path.iter_rows(named=True)]  # fmt: skip
    biggest = report.events.with_columns(pl.col("car").abs().alias("_a")).sort("_a", descending=True).head(10)
    return {
        "what": what, "d": d, "chart": chart, "path": rows, "tests": report.tests, "calendar": report.calendar,
        "car_pct": _pct(d["car"]["mean"]), "bhar_pct": _pct(d["bhar"]["mean"]),
        "alpha_bps": None if not math.isfinite(report.calendar.alpha) else report.calendar.alpha * 1e4,
        "biggest": [r | {"car_pct": _pct(r["car"]), "bhar_pct": _pct(r["bhar"])} for r in biggest.to_dicts()],
    }  # fmt: skip


def pead_context(result: PeadResult) -> dict[str, Any]:
    table = [r | {"announcement_pct": _pct(r["announcement"]), "drift_pct": _pct(r["drift"]),
                  "se_pct": _pct(r["drift_se"])} for r in result.table.to_dicts()]  # fmt: skip
    paths = result.paths.sort("decile", "offset")
    offsets = paths.filter(pl.col("decile") == paths["decile"].min())["offset"].to_list() if paths.height else []
    series = {str(d): [_pct(v) for v in paths.filter(pl.col("decile") == d)["caar"]]
              for d in paths["decile"].unique().sort().to_list()}  # fmt: skip
    return {"table": table, "summary": result.summary, "chart": {"offsets": offsets, "series": series},
            "spread_pct": _pct(result.summary.get("drift_spread"))}  # fmt: skip
