"""Trading fills ingest benchmark: ``python bench/trading.py`` (one command; prints a table, writes JSON).

Writes ``--fills`` random fills over ``--symbols`` symbols and ``--days`` sessions to a CSV under
``$QUANTDESK_DATA_DIR`` (default /tmp/qd-bench), then times, in one run:

* **ours**: ``trading_import_fills``' path — ``fills_read_csv`` + ``fills_ingest_frame`` into a fresh
  strategy of the configured database (PostgreSQL: ``DATABASE_URL``): validation, the vectorised
  average-cost fold into positions and realized P&L, the position and cash rows, then the order and
  fill rows (COPY). The target (< 5 s) is for the fills into positions and P&L; the time to also
  store every order and fill row is reported beside it.
* **peer**: a naive pandas row loop (``read_csv`` + ``itertuples`` with a dict of positions, the same
  average-cost rules in float) — its positions are compared with ours as a cross-check.
* **row path**: ``fill_apply`` (one transaction per fill) on ``--row-sample`` fills, per fill.

The strategy and its rows are deleted at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QUANTDESK_DATA_DIR", "/tmp/qd-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from quant.models import Strategy  # noqa: E402
from quant.trading.broker import BrokerFill, BrokerOrder, OrderRequest  # noqa: E402
from quant.trading.ingest import fills_ingest_frame, fills_read_csv  # noqa: E402
from quant.trading.models import BrokerState, CashEntry, Fill, Order, PnLSnapshot, Position  # noqa: E402
from quant.trading.services import fill_apply, order_submit  # noqa: E402

TARGET_S = 5.0
RESULTS = ROOT / "bench" / "results" / "trading.json"


def make_csv(path: Path, *, fills: int, symbols: int, days: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sessions = pl.date_range(dt.date(2024, 1, 2), dt.date(2024, 12, 31), "1d", eager=True)
    sessions = sessions.filter(sessions.dt.weekday() <= 5)[:days]
    base = rng.uniform(5, 500, symbols)
    sym = rng.integers(0, symbols, fills)
    frame = pl.DataFrame(
        {
            "trade_date": np.sort(rng.integers(0, days, fills)),
            "symbol": sym,
            "side": np.where(rng.random(fills) < 0.5, "buy", "sell"),
            "quantity": rng.integers(1, 5_000_000, fills) / 10_000,  # 0.0001 .. 500 shares
            "price": np.round(base[sym] * rng.uniform(0.9, 1.1, fills), 4),
        }
    ).with_columns(
        trade_date=pl.col("trade_date").map_elements(lambda i: sessions[i], return_dtype=pl.Date),
        symbol=pl.format("S{}", pl.col("symbol").cast(pl.String).str.zfill(4)),
        fees=(pl.col("quantity") * 0.005).round(8),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, float_precision=4)


def pandas_row_loop(path: Path) -> dict[str, tuple[float, float, float]]:
    """The naive peer: {symbol: (quantity, basis, realized)} with the ledger's rules in float."""
    frame = pd.read_csv(path)
    book: dict[str, list[float]] = {}
    for row in frame.itertuples(index=False):
        qty, basis, realized = book.setdefault(row.symbol, [0.0, 0.0, 0.0])
        q = row.quantity if row.side == "buy" else -row.quantity
        amount = abs(q) * row.price
        realized -= row.fees
        if qty == 0 or (qty > 0) == (q > 0):
            qty, basis = qty + q, basis + np.sign(q) * amount
        else:
            closed = min(abs(q), abs(qty))
            released = basis * closed / abs(qty)
            realized += np.sign(qty) * closed * row.price - released
            basis -= released
            flip = abs(q) > abs(qty)
            qty += q
            if flip:
                basis = np.sign(q) * (abs(q) - closed) * row.price
            elif abs(qty) < 1e-9:
                qty, basis = 0.0, 0.0
        book[row.symbol] = [qty, basis, realized]
    return {s: (v[0], v[1], v[2]) for s, v in book.items()}


class DeskBroker:
    name = "desk"

    def submit(self, order: OrderRequest) -> BrokerOrder:
        return BrokerOrder(order.client_order_id, "", order.symbol, order.side, order.quantity, "accepted")


def row_path(strategy: Strategy, path: Path, n: int) -> float:
    """Seconds per fill of order_submit + fill_apply on the first ``n`` fills."""
    rows = pl.read_csv(path, n_rows=n, infer_schema=False).iter_rows(named=True)
    started = time.perf_counter()
    for i, r in enumerate(rows):
        qty = Decimal(r["quantity"])
        order = order_submit(strategy, OrderRequest(f"row{i}", r["symbol"], r["side"], qty), broker=DeskBroker(),
                             trade_date=dt.date.fromisoformat(r["trade_date"]))  # fmt: skip
        fill_apply(order, BrokerFill(f"row{i}", qty, Decimal(r["price"]), Decimal(r["fees"])), order.trade_date)
    return (time.perf_counter() - started) / n


def cleanup(strategy: Strategy) -> None:
    for model in (CashEntry, Fill, Order, Position, PnLSnapshot, BrokerState):
        model.objects.filter(strategy=strategy).delete()
    strategy.delete()


def run(args: argparse.Namespace) -> dict[str, object]:
    path = Path(os.environ["QUANTDESK_DATA_DIR"]) / f"trading_fills_{args.fills}_{args.symbols}_{args.seed}.csv"
    if not path.exists():
        make_csv(path, fills=args.fills, symbols=args.symbols, days=args.days, seed=args.seed)
    load_before = round(os.getloadavg()[0], 1)  # the machine is shared: timings scale with its load
    owner, _ = get_user_model().objects.get_or_create(username="bench-trading")
    name = f"bench-trading-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
    strategy = Strategy.objects.create(name=name, owner=owner, status=Strategy.Status.ACTIVE)
    rowwise = Strategy.objects.create(name=name + "-rows", owner=owner, status=Strategy.Status.ACTIVE)
    try:
        started = time.perf_counter()
        frame = fills_read_csv(path)
        read_s = time.perf_counter() - started
        result = fills_ingest_frame(strategy, frame)
        total_s = time.perf_counter() - started
        phases = {"read_csv": read_s, **result.seconds}
        to_positions_s = read_s + phases["validate"] + phases["compute"] + phases["positions_cash"]
        print(f"ours: {result.n_fills:,} fills, {result.n_orders:,} orders, {result.n_symbols:,} symbols")
        print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
        print(f"  into positions and P&L {to_positions_s:.2f} s; with every order and fill row {total_s:.2f} s")
        peer_s, worst = None, None
        if not args.skip_pandas:
            started = time.perf_counter()
            peer = pandas_row_loop(path)
            peer_s = time.perf_counter() - started
            ours = {p.symbol: p for p in Position.objects.filter(strategy=strategy)}
            worst = max(
                max(abs(float(ours[s].quantity) - q), abs(float(ours[s].realized_pnl) - r))
                for s, (q, _, r) in peer.items()
            )
            print(f"peer (pandas row loop): {peer_s:.2f} s; largest |difference| in shares or dollars {worst:.2e}")
        per_fill = row_path(rowwise, path, args.row_sample)
        print(f"row path (order_submit + fill_apply): {per_fill * 1000:.2f} ms per fill")
    finally:
        cleanup(strategy)
        cleanup(rowwise)
    return {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "libraries": {"polars": pl.__version__, "pandas": pd.__version__, "numpy": np.__version__},
        "load_average_1m_before_after": [load_before, round(os.getloadavg()[0], 1)],
        "config": {
            "fills": args.fills,
            "symbols": args.symbols,
            "days": args.days,
            "seed": args.seed,
            "database": connection.vendor,
            "row_sample": args.row_sample,
        },  # fmt: skip
        "results": [
            {
                "query": "fills_to_positions_and_pnl",
                "seconds": round(to_positions_s, 3),
                "rows": result.n_fills,
                "rows_per_s": round(result.n_fills / to_positions_s),
                "target_s": TARGET_S,
                "meets_target": to_positions_s < TARGET_S,
                "pandas_seconds": None if peer_s is None else round(peer_s, 2),
                "speedup": None if peer_s is None else round(peer_s / to_positions_s, 1),
                "max_abs_difference_vs_pandas": worst,
            },
            {
                "query": "fills_import_with_order_and_fill_rows",
                "seconds": round(total_s, 3),
                "rows": result.n_fills,
                "orders": result.n_orders,
                "rows_per_s": round(result.n_fills / total_s),
                "target_s": None,
                "meets_target": None,
                "pandas_seconds": None if peer_s is None else round(peer_s, 2),
                "speedup": None if peer_s is None else round(peer_s / total_s, 1),
            },
            {
                "query": "fill_apply_row_path",
                "seconds_per_fill": round(per_fill, 5),
                "rows": args.row_sample,
                "projected_seconds_for_all": round(per_fill * result.n_fills, 0),
            },
        ],  # fmt: skip
        "phases_seconds": {k: round(v, 3) for k, v in phases.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=1_000_000)
    parser.add_argument("--symbols", type=int, default=3_000)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--row-sample", type=int, default=500)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    print(f"data dir: {os.environ['QUANTDESK_DATA_DIR']}; database: {connection.vendor}")
    report = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
