"""Validation run before every publish: a pandera schema from the contract plus warehouse rules.

Every rule reports pass/fail, the number of offending rows (for ``date_gaps``: missing sessions)
and a few examples. Rules:

- ``columns``: exactly the contract's columns (pandera ``strict``).
- ``dtype:<col>``: the contract's dtype.
- ``not_null:<col>``: key columns are never null.
- ``return_gt_minus_one:<col>``: simple returns (ret, retx, dlret) are > -1 where not null.
- ``price_nonzero:prc``: CRSP prices are never 0 (negative = bid/ask average), where not null.
- ``trading_calendar:<col>``: CRSP daily/monthly and FF dates are NYSE sessions (from 1970, see
  ``quant.calendars.CALENDAR_RELIABLE_FROM``).
- ``duplicate_keys``: the key is unique.
- ``expected_rows``: the row count equals the count the source announced (when it gave one).
- ``null_rate_spike``: no column's null rate rises by more than 5 percentage points vs the previous version.
- ``row_count_drop``: no more than 10 % fewer rows than the previous version unless ``allow_shrink``.
- ``date_gaps``: daily datasets have rows on every NYSE session inside their date range (from 1970).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from quant import calendars
from warehouse.datasets import PRICE_COLUMNS, RETURN_COLUMNS, DatasetSpec
from warehouse.manifest import Manifest, RuleResult, ValidationReport

NULL_RATE_SPIKE_MAX = 0.05  # fraction of rows (5 percentage points)
ROW_DROP_MAX = 0.10  # fraction of the previous version's rows
EXAMPLES = 5


def _gt_minus_one(data: pa.PolarsData) -> pl.LazyFrame:
    col = pl.col(data.key)
    return data.lazyframe.select(col.is_null() | (col > -1))


def _nonzero(data: pa.PolarsData) -> pl.LazyFrame:
    col = pl.col(data.key)
    return data.lazyframe.select(col.is_null() | (col != 0))


def _on_calendar(bad_dates: pl.Series) -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        return data.lazyframe.select(col.is_null() | ~col.is_in(bad_dates.implode()))

    return pa.Check(check, name="trading_calendar")


def build_schema(spec: DatasetSpec, frame: pl.DataFrame) -> tuple[pa.DataFrameSchema, list[str]]:
    """The pandera schema of ``spec`` (calendar check specialised to ``frame``'s dates) and its rule names."""
    rules = ["columns"]
    columns: dict[str, pa.Column] = {}
    for name, dtype in spec.columns.items():
        checks: list[pa.Check] = []
        if name in RETURN_COLUMNS:
            checks.append(pa.Check(_gt_minus_one, name="return_gt_minus_one"))
        if name in PRICE_COLUMNS:
            checks.append(pa.Check(_nonzero, name="price_nonzero"))
        if spec.session_dates and name == spec.partition and frame.schema.get(name) == pl.Date:
            dates = frame.get_column(name).drop_nulls().unique()
            bad = calendars.off_calendar(dates)
            checks.append(_on_calendar(bad))
        rules.append(f"dtype:{name}")
        if name in spec.key:
            rules.append(f"not_null:{name}")
        rules.extend(f"{c.name}:{name}" for c in checks)
        columns[name] = pa.Column(dtype, checks=checks, nullable=name not in spec.key)
    return pa.DataFrameSchema(columns, strict=True, name=spec.name), rules


def _rule_name(check: str, column: str | None) -> str:
    if check in ("column_in_schema", "column_in_dataframe"):
        return "columns"
    if check.startswith("dtype("):
        return f"dtype:{column}"
    if check == "not_nullable":
        return f"not_null:{column}"
    return f"{check}:{column}"


def schema_rules(spec: DatasetSpec, frame: pl.DataFrame) -> list[RuleResult]:
    schema, names = build_schema(spec, frame)
    try:
        schema.validate(frame, lazy=True)
        failures = pl.DataFrame(schema={"rule": pl.Utf8, "failure_case": pl.Utf8})
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        failures = cases.select(
            pl.struct("check", "column")
            .map_elements(lambda s: _rule_name(s["check"], s["column"]), return_dtype=pl.Utf8)
            .alias("rule"),
            pl.col("failure_case").cast(pl.Utf8),
        )
    results = []
    for name in names + sorted(set(failures["rule"]) - set(names)):
        hits = failures.filter(pl.col("rule") == name)
        examples = [str(v) for v in hits["failure_case"].head(EXAMPLES)]
        results.append(RuleResult(rule=name, passed=hits.height == 0, failing_rows=hits.height, examples=examples))
    return results


def duplicate_keys(spec: DatasetSpec, frame: pl.DataFrame) -> RuleResult:
    if not set(spec.key) <= set(frame.columns):
        return RuleResult("duplicate_keys", False, frame.height, detail="key columns missing")
    dup = frame.select(list(spec.key)).filter(pl.struct(list(spec.key)).is_duplicated())
    examples = [str(row) for row in dup.unique().head(EXAMPLES).rows()]
    return RuleResult("duplicate_keys", dup.height == 0, dup.height, examples)


def expected_rows(frame: pl.DataFrame, expected: int | None) -> RuleResult:
    if expected is None:
        return RuleResult("expected_rows", True, detail="the source gave no expected count")
    diff = abs(frame.height - expected)
    return RuleResult("expected_rows", diff == 0, diff, detail=f"expected {expected}, got {frame.height}")


def null_rate_spike(frame: pl.DataFrame, previous: Manifest | None) -> RuleResult:
    if previous is None or previous.rows == 0 or frame.height == 0:
        return RuleResult("null_rate_spike", True, detail="no previous version to compare")
    now = frame.null_count().row(0, named=True)
    bad, rows = [], 0
    for col, nulls in now.items():
        before = previous.null_counts.get(col, 0) / previous.rows
        after = nulls / frame.height
        if after - before > NULL_RATE_SPIKE_MAX:
            bad.append(f"{col}: {before:.1%} -> {after:.1%}")
            rows += nulls
    return RuleResult("null_rate_spike", not bad, rows, bad[:EXAMPLES], "; ".join(bad))


def row_count_drop(frame: pl.DataFrame, previous: Manifest | None, *, allow_shrink: bool) -> RuleResult:
    if previous is None:
        return RuleResult("row_count_drop", True, detail="no previous version to compare")
    lost = previous.rows - frame.height
    detail = f"{previous.rows} -> {frame.height} rows"
    failed = previous.rows > 0 and lost / previous.rows > ROW_DROP_MAX and not allow_shrink
    return RuleResult("row_count_drop", not failed, max(lost, 0) if failed else 0, detail=detail)


def date_gaps(spec: DatasetSpec, frame: pl.DataFrame) -> RuleResult | None:
    if not spec.daily or frame.schema.get(spec.partition) != pl.Date:
        return None
    rows = frame
    if spec.daily_where is not None and spec.daily_where[0] in frame.columns:
        rows = frame.filter(pl.col(spec.daily_where[0]) == spec.daily_where[1])
    dates = rows.get_column(spec.partition)
    if dates.drop_nulls().len() == 0:
        return RuleResult("date_gaps", True, detail="no daily rows")
    missing = calendars.missing_sessions(dates)
    examples = [str(d) for d in missing.head(EXAMPLES)]
    detail = f"{missing.len()} NYSE sessions without any row" if missing.len() else ""
    return RuleResult("date_gaps", missing.len() == 0, missing.len(), examples, detail)


def validate_frame(
    spec: DatasetSpec,
    frame: pl.DataFrame,
    *,
    previous: Manifest | None,
    expected: int | None = None,
    allow_shrink: bool = False,
) -> ValidationReport:
    """Run every rule on ``frame``; ``previous`` is the live version's manifest (None for the first)."""
    rules = schema_rules(spec, frame)
    rules.append(duplicate_keys(spec, frame))
    rules.append(expected_rows(frame, expected))
    rules.append(null_rate_spike(frame, previous))
    rules.append(row_count_drop(frame, previous, allow_shrink=allow_shrink))
    gaps = date_gaps(spec, frame)
    if gaps is not None:
        rules.append(gaps)
    return ValidationReport(dataset=spec.name, rules=rules)
