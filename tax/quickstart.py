"""Quickstart step 45: a demo tax account for the admin, traded at real demo-warehouse closes.

Three names of the demo warehouse: one bought and held, one bought, partly sold a year later (a
long-term gain), and one sold at a loss and bought back ten days later (a wash sale), so the lots,
realized-gain, wash-sale and harvesting views open populated. Idempotent: an existing account is kept.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from quant.quickstart import Options, Step

ACCOUNT = "Demo taxable account"


def _closes() -> pl.DataFrame:
    from tax.harvest import latest_session
    from warehouse.readers.crsp import crsp_daily, names_asof

    last = latest_session()
    if last is None:
        return pl.DataFrame()
    names = names_asof(last).select("permno", "ticker").drop_nulls()
    start = last - dt.timedelta(days=600)
    frame = crsp_daily(start, last, permnos=names["permno"].head(40).to_list(), columns=["permno", "date", "prc"])
    return frame.drop_nulls("prc").join(names, on="permno").with_columns(pl.col("prc").abs())


def _demo_trades(closes: pl.DataFrame) -> str:
    tickers = closes["ticker"].unique().sort().to_list()
    dates = closes["date"].unique().sort().to_list()
    px = {(r["ticker"], r["date"]): r["prc"] for r in closes.iter_rows(named=True)}
    d0, d1 = dates[0], dates[len(dates) // 2]
    lines = ["date,symbol,side,quantity,price,fees,lot_id"]
    hold, gain = tickers[0], tickers[1]
    lines.append(f"{d0},{hold},buy,200,{px[(hold, d0)]:.2f},1.00,{hold}-1")
    lines.append(f"{d0},{gain},buy,300,{px[(gain, d0)]:.2f},1.00,{gain}-1")
    sell_day = next(d for d in dates if (d - d0).days > 370)
    lines.append(f"{sell_day},{gain},sell,100,{px[(gain, sell_day)]:.2f},1.00,")
    # The first name and pair of dates ~2 months apart where the close fell: a loss sale, then a re-buy 10 days on.
    later = dates[dates.index(d1) :]
    for ticker in tickers[2:]:
        for a in later:
            b = next((d for d in later if (d - a).days >= 60), None)
            c = next((d for d in later if b is not None and (d - b).days >= 10), None)
            if b is None or c is None or not all((ticker, d) in px for d in (a, b, c)):
                continue
            if px[(ticker, b)] < 0.9 * px[(ticker, a)]:
                lines.append(f"{a},{ticker},buy,150,{px[(ticker, a)]:.2f},1.00,{ticker}-1")
                lines.append(f"{b},{ticker},sell,150,{px[(ticker, b)]:.2f},1.00,")
                lines.append(f"{c},{ticker},buy,150,{px[(ticker, c)]:.2f},1.00,{ticker}-2")
                return _csv(lines)
    return _csv(lines)


def _csv(lines: list[str]) -> str:
    """Header, then the trades in date order (a stable sort keeps same-day buys before sells)."""
    return "\n".join([lines[0], *sorted(lines[1:], key=lambda line: line[:10])]) + "\n"


def _demo_account(opts: Options) -> None:
    from quant.accounts.bootstrap import DEMO_ADMIN_USERNAME
    from quant.saved.selectors import active_user
    from tax.models import TaxAccount
    from tax.services import account_create, trades_import

    existing = TaxAccount.objects.filter(name=ACCOUNT).first()
    if existing is not None:
        opts.stdout.write(
            f"tax: {ACCOUNT!r} exists ({existing.lots.count()} lots); open {existing.get_absolute_url()}\n"
        )
        return
    owner = active_user(DEMO_ADMIN_USERNAME)
    closes = _closes()
    if owner is None or closes.is_empty():
        opts.stdout.write("tax: skipped (no demo admin or no warehouse prices)\n")
        return
    account = account_create(name=ACCOUNT, owner=owner)
    n = trades_import(account, text=_demo_trades(closes), filename="demo-trades.csv", user=owner)
    washed = account.lots.filter(adjustment_code="W").count()
    opts.stdout.write(f"tax: {ACCOUNT!r} with {n} trades, {account.lots.count()} lots, {washed} wash sale(s); "
                      f"open {account.get_absolute_url()}\n")  # fmt: skip


STEPS = [Step(name="Demo tax account (lots, a long-term gain and a wash sale)", order=45, run=_demo_account)]
