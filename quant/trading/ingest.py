"""Import many fills at once: validate a frame (or CSV), fold it into positions with the
vectorised ledger (:mod:`quant.trading.bulk`) and bulk-write orders, fills, positions and cash.

Columns (CSV header names; one fill per line, applied in file order):

=================  ========  ====================================================================
``trade_date``     required  YYYY-MM-DD
``symbol``         required  ticker, up to 32 characters
``side``           required  buy or sell
``quantity``       required  shares, > 0, at most 8 decimals (fractional shares allowed)
``price``          required  dollars per share, > 0, at most 8 decimals
``fees``           optional  dollars, >= 0, at most 8 decimals (default 0)
``client_order_id`` optional fills sharing one belong to one order; without it, one order per
                             (trade_date, symbol, side)
``broker_fill_id`` optional  the broker's execution id, unique per strategy (re-import is refused)
=================  ========  ====================================================================

Everything is checked before anything is written; a bad file raises :class:`TradingError` naming
the first bad line (CSV line numbers: the header is line 1) and how many more are bad. The write
is one transaction. Cash is booked as one ``trade`` and one ``fee`` entry per trade date (the row
path books one per fill); the fills keep their own amounts.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from quant.models import Strategy
from quant.trading.bulk import UNIT, dense_codes, mul_round8_np, positions_from_fills, to_units
from quant.trading.errors import TradingError
from quant.trading.ledger import EXACT, round8
from quant.trading.models import CashEntry, Fill, Order, Position

REQUIRED = ("trade_date", "symbol", "side", "quantity", "price")
OPTIONAL = ("fees", "client_order_id", "broker_fill_id")
NUMBER = r"^\d{1,10}(\.\d{1,8})?$"
MAX_UNITS = 2**63 - 1
"""Money and shares are int64 units of 1e-8: a traded amount must stay below 9.2e10 dollars."""
CLOSE_UTC = dt.time(21, 0)


@dataclass(frozen=True)
class IngestResult:
    n_fills: int
    n_orders: int
    n_symbols: int
    first_date: dt.date | None
    last_date: dt.date | None
    seconds: dict[str, float] = field(default_factory=dict)


def fills_read_csv(path: Path | str) -> pl.DataFrame:
    """Read a fills CSV with every column as text (validation happens in :func:`fills_ingest_frame`)."""
    try:
        return pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise TradingError(f"cannot read {path}: {str(exc).splitlines()[0]}") from exc


def _units(frame: pl.DataFrame, name: str) -> pl.Expr:
    dtype = frame.schema[name]
    col = pl.col(name)
    if dtype == pl.String:  # plain digits only (no sign, exponent or spaces): checked, then parsed exactly
        return pl.when(col.str.contains(NUMBER)).then(to_units(col.str.to_decimal(scale=8)))
    return to_units(col.cast(pl.Decimal(38, 8)))


def fills_validate(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed fills (``line``, trade_date, symbol, side, qty/price/fees in Int64 units of 1e-8,
    client_order_id, broker_fill_id) or :class:`TradingError` naming the first bad line."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise TradingError(f"missing column(s) {', '.join(missing)}; needed: {', '.join(REQUIRED)}")
    unknown = [c for c in frame.columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise TradingError(f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(REQUIRED + OPTIONAL)}")
    if frame.height == 0:
        raise TradingError("no fills to import")
    text = {c: pl.col(c).cast(pl.String).str.strip_chars() for c in ("symbol", "side")}
    date = pl.col("trade_date")
    typed = frame.with_row_index("line", offset=2).select(
        "line",
        trade_date=date.cast(pl.String).str.to_date("%Y-%m-%d", strict=False) if frame.schema["trade_date"] != pl.Date
        else date,
        symbol=text["symbol"],
        side=text["side"].str.to_lowercase(),
        quantity=_units(frame, "quantity"),
        price=_units(frame, "price"),
        fees=_units(frame, "fees") if "fees" in frame.columns else pl.lit(0, pl.Int64),
        client_order_id=pl.col("client_order_id").cast(pl.String).str.strip_chars().replace("", None)
        if "client_order_id" in frame.columns else pl.lit(None, pl.String),
        broker_fill_id=pl.col("broker_fill_id").cast(pl.String).str.strip_chars().fill_null("")
        if "broker_fill_id" in frame.columns else pl.lit("", pl.String),
    )  # fmt: skip
    checks = [
        (pl.col("trade_date").is_null(), "trade_date is not a YYYY-MM-DD date"),
        (pl.col("symbol").is_null() | (pl.col("symbol").str.len_chars() == 0), "symbol is empty"),
        (pl.col("symbol").str.len_chars() > 32, "symbol is longer than 32 characters"),
        (~pl.col("side").is_in(["buy", "sell"]).fill_null(False), "side must be buy or sell"),
        (pl.col("quantity").is_null() | (pl.col("quantity") <= 0), "quantity must be a number > 0 with <= 8 decimals"),
        (pl.col("price").is_null() | (pl.col("price") <= 0), "price must be a number > 0 with <= 8 decimals"),
        (pl.col("fees").is_null() | (pl.col("fees") < 0), "fees must be a number >= 0 with <= 8 decimals"),
        (
            pl.col("quantity").cast(pl.Float64) * pl.col("price").cast(pl.Float64) > MAX_UNITS * 0.5e8,
            "quantity x price is above 4.6e10 dollars, too large to import",
        ),
        (pl.col("client_order_id").str.len_chars() > 64, "client_order_id is longer than 64 characters"),
        (pl.col("broker_fill_id").str.len_chars() > 64, "broker_fill_id is longer than 64 characters"),
    ]
    if "broker_fill_id" in frame.columns:
        checks.append(((pl.col("broker_fill_id") != "") & pl.col("broker_fill_id").is_duplicated(),
                       "broker_fill_id repeats"))  # fmt: skip
    flags = typed.select(*[cond.fill_null(False).alias(str(i)) for i, (cond, _) in enumerate(checks)])
    bad = flags.select(pl.any_horizontal(pl.all())).to_series()
    if bad.any():  # messages only for the bad lines (a million good ones pay for booleans only)
        rows = flags.filter(bad).with_columns(line=typed["line"].filter(bad))
        first = rows.row(0, named=True)
        error = "; ".join(msg for i, (_, msg) in enumerate(checks) if first[str(i)])
        more = f" ({rows.height - 1} more bad line(s))" if rows.height > 1 else ""
        raise TradingError(f"line {first['line']}: {error}{more}; nothing was imported")
    return typed


def _orders(typed: pl.DataFrame, token: str) -> pl.DataFrame:
    """Give every fill an ``order_code`` (0..k-1) and its order a ``coid``: fills sharing a
    client_order_id are one order, the rest one order per (trade_date, symbol, side). Integer keys
    only (no string sort): this runs on a million rows."""
    symbol_code = typed["symbol"].cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy()
    days = typed["trade_date"].cast(pl.Int32).cast(pl.Int64).to_numpy()
    buy = (typed["side"] == "buy").to_numpy()
    width = int(symbol_code.max()) + 1
    key = (days - days.min()) * width * 2 + symbol_code * 2 + buy
    given = typed["client_order_id"]
    if given.null_count() < typed.height:
        client = given.cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy()
        key = np.where(given.is_null().to_numpy(), key, -1 - client)
    code, first = dense_codes(key)
    typed = typed.with_columns(order_code=pl.Series(code), kind_code=pl.Series(symbol_code * 2 + buy))
    mixed = typed.group_by("order_code").agg(pl.col("line").first(), n=pl.col("kind_code").n_unique())
    mixed = mixed.filter(pl.col("n") > 1).sort("line")
    if mixed.height:
        line = mixed["line"][0]
        coid = typed.filter(pl.col("line") == line)["client_order_id"][0]
        raise TradingError(f"line {line}: client_order_id {coid} mixes symbols or sides")
    names = pl.Series([f"imp-{token}-{i}" for i in range(len(first))])
    coids = pl.Series(given.gather(first)).fill_null(names)
    return typed.with_columns(coid=coids.gather(code))


def _check_against_db(strategy: Strategy, typed: pl.DataFrame) -> None:
    """Refuse ids the strategy already has, naming the first line that uses one."""
    checks: list[tuple[str, Any, str, str]] = [
        ("client_order_id", Order, "client_order_id", "is already used by " + strategy.name),
        ("broker_fill_id", Fill, "broker_fill_id", "was imported before"),
    ]
    for column, model, field_name, what in checks:
        wanted = typed[column].drop_nulls().unique().to_list()
        wanted = [w for w in wanted if w]
        taken: set[str] = set()
        for i in range(0, len(wanted), 5000):
            chunk = wanted[i : i + 5000]
            lookup = {"strategy": strategy, f"{field_name}__in": chunk}
            taken.update(model.objects.filter(**lookup).values_list(field_name, flat=True))
        if taken:
            first = typed.filter(pl.col(column).is_in(list(taken))).row(0, named=True)
            raise TradingError(f"line {first['line']}: {column} {first[column]} {what}")


def _dec(units: int) -> Decimal:
    return Decimal(int(units)).scaleb(-8)


def fills_ingest_frame(strategy: Strategy, frame: pl.DataFrame) -> IngestResult:
    """Validate ``frame`` (columns in the module docstring) and import it in one transaction."""
    t0 = time.perf_counter()
    typed = _orders(fills_validate(frame), uuid.uuid4().hex[:8])
    _check_against_db(strategy, typed)
    quantity, price = typed["quantity"].to_numpy(), typed["price"].to_numpy()
    buy = (typed["side"] == "buy").to_numpy()
    typed = typed.with_columns(
        signed=pl.Series(np.where(buy, quantity, -quantity)), amount=pl.Series(mul_round8_np(quantity, price))
    )
    timings = {"validate": time.perf_counter() - t0}
    with transaction.atomic():
        t1 = time.perf_counter()
        held = list(Position.objects.select_for_update().filter(strategy=strategy))
        start = pl.DataFrame(
            {"symbol": [p.symbol for p in held], "qty": [int(p.quantity * UNIT) for p in held],
             "basis": [int(p.cost_basis * UNIT) for p in held], "realized": [int(p.realized_pnl * UNIT) for p in held]},
            schema={"symbol": pl.String, "qty": pl.Int64, "basis": pl.Int64, "realized": pl.Int64},
        )  # fmt: skip
        book = positions_from_fills(typed.select("symbol", pl.col("signed").alias("qty"), "price", "fees"), start)
        timings["compute"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        _write_positions(strategy, book)
        _write_cash(strategy, typed)
        timings["positions_cash"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        n_orders = _write_orders_fills(strategy, typed)
        timings["orders_fills"] = time.perf_counter() - t3
    dates = typed["trade_date"]
    return IngestResult(typed.height, n_orders, book.height, dates.min(), dates.max(), timings)  # type: ignore[arg-type]


def _write_positions(strategy: Strategy, book: pl.DataFrame) -> None:
    rows = []
    for r in book.iter_rows(named=True):
        qty, basis = _dec(r["qty"]), _dec(r["basis"])
        avg = round8(EXACT.divide(basis, qty)) if qty else Decimal(0)
        rows.append(Position(strategy=strategy, symbol=r["symbol"], quantity=qty, cost_basis=basis,
                             realized_pnl=_dec(r["realized"]), avg_cost=avg))  # fmt: skip
    Position.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["strategy", "symbol"],
        update_fields=["quantity", "cost_basis", "realized_pnl", "avg_cost", "updated_at"],
    )  # fmt: skip


def _write_cash(strategy: Strategy, typed: pl.DataFrame) -> None:
    cash = pl.when(pl.col("side") == "buy").then(-pl.col("amount")).otherwise(pl.col("amount"))
    days = typed.group_by("trade_date").agg(trade=cash.sum(), fees=pl.col("fees").sum(), n=pl.len()).sort("trade_date")
    entries = []
    for r in days.iter_rows(named=True):
        note = f"import of {r['n']} fills"
        entries.append(CashEntry(strategy=strategy, kind=CashEntry.Kind.TRADE, amount=_dec(r["trade"]),
                                 trade_date=r["trade_date"], note=note))  # fmt: skip
        if r["fees"]:
            entries.append(CashEntry(strategy=strategy, kind=CashEntry.Kind.FEE, amount=-_dec(r["fees"]),
                                     trade_date=r["trade_date"], note=f"fees, {note}"))  # fmt: skip
    CashEntry.objects.bulk_create(entries)


def _write_orders_fills(strategy: Strategy, typed: pl.DataFrame) -> int:
    now = timezone.now()
    wide = pl.col("quantity").cast(pl.Int128)
    orders = typed.group_by("order_code").agg(
        pl.col("coid", "symbol", "side").first(), pl.col("trade_date").min(), qty=wide.sum(),
        paid=(wide * pl.col("price").cast(pl.Int128)).sum(),
    ).sort("order_code")  # fmt: skip
    # avg price = round8(sum(q * p) / sum(q)) in units, banker's rounding (all terms positive)
    whole, rest = pl.col("paid") // pl.col("qty"), pl.col("paid") % pl.col("qty")
    up = (2 * rest > pl.col("qty")) | ((2 * rest == pl.col("qty")) & (whole % 2 == 1))
    orders = orders.with_columns(avg=_dollars_expr(whole + up.cast(pl.Int128)), qty=_dollars("qty"))
    ids = np.asarray(_order_ids(strategy, orders, now), dtype=np.int64)
    fills = typed.with_columns(order_id=pl.Series(ids[typed["order_code"].to_numpy()]))
    _copy_fills(strategy, fills)
    return orders.height


def _order_ids(strategy: Strategy, orders: pl.DataFrame, now: dt.datetime) -> list[int]:
    if connection.vendor != "postgresql":
        rows = [
            Order(strategy=strategy, client_order_id=r["coid"], broker="import", symbol=r["symbol"], side=r["side"],
                  quantity=r["qty"], filled_quantity=r["qty"], avg_fill_price=r["avg"], status=Order.Status.FILLED,
                  source=Order.Source.IMPORT, trade_date=r["trade_date"], created_at=now)
            for r in orders.iter_rows(named=True)
        ]  # fmt: skip
        return [o.pk for o in Order.objects.bulk_create(rows, batch_size=2000)]
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Order._meta.db_table, orders.height])  # fmt: skip
        ids = [row[0] for row in cur.fetchall()]
    frame = orders.select(
        id=pl.Series(ids), strategy_id=pl.lit(strategy.pk), client_order_id="coid", broker=pl.lit("import"),
        broker_order_id=pl.lit(""), symbol="symbol", side="side", quantity="qty", order_type=pl.lit("market"),
        time_in_force=pl.lit("day"), status=pl.lit("filled"), filled_quantity="qty", avg_fill_price="avg",
        reject_reason=pl.lit(""), source=pl.lit("import"), trade_date="trade_date", created_at=pl.lit(now.isoformat()),
        updated_at=pl.lit(now.isoformat()),
    )  # fmt: skip
    _copy(Order._meta.db_table, frame)
    return ids


def _copy_fills(strategy: Strategy, fills: pl.DataFrame) -> None:
    frame = fills.select(
        "order_id", strategy_id=pl.lit(strategy.pk), symbol="symbol", side="side",
        quantity=_dollars("quantity"), price=_dollars("price"), fees=_dollars("fees"), venue=pl.lit("import"),
        broker_fill_id="broker_fill_id", trade_date="trade_date",
        filled_at=pl.col("trade_date").dt.combine(CLOSE_UTC).dt.replace_time_zone("UTC"),
    )  # fmt: skip
    if connection.vendor == "postgresql":
        _copy(Fill._meta.db_table, frame)
        return
    Fill.objects.bulk_create((Fill(**r) for r in frame.iter_rows(named=True)), batch_size=2000)


def _dollars(name: str) -> pl.Expr:
    """Int128 units back to Decimal(38, 8) (shares or dollars)."""
    return _dollars_expr(pl.col(name))


def _dollars_expr(units: pl.Expr) -> pl.Expr:
    return units.cast(pl.Decimal(38, 8)) / UNIT


def _copy(table: str, frame: pl.DataFrame) -> None:
    """``COPY table (columns) FROM STDIN`` of ``frame`` as CSV (PostgreSQL only)."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, quote_style="non_numeric")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    with (
        connection.cursor() as cur,
        cur.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy,
    ):
        copy.write(buffer.getvalue())
