"""The month-by-month simulation: daily returns of the planted model, prices, volumes, corporate
events, fundamentals, and the exposures refreshed at every month end from the realised data.

Everything is vectorised over stocks inside a month block; only the loop over months is Python.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import numpy as np

from .config import MPY, SECTORS, STYLES, TD, Calibration, DemoConfig, rng_for
from .earnings import Earnings
from .exposures import LOOKBACK, descriptors, standardize, tercile_legs
from .factors import simulate_factors, unit_t
from .french import FACTOR_LEGS, FF10, ff10_index
from .fundamentals import Quotes, Reports, create_firms, prehistory, public_book, report_quarter
from .history import MarketHistory
from .index import REBALANCE_MONTHS, IndexBook
from .lifecycle import choose_delistings, split_ratios
from .records import DAILY_COLS, MONTHLY_COLS, Buffers, Month, SimResult, concat
from .timeline import build_timeline
from .universe import PRIMARY, create_stocks, z_cap

Progress = Callable[[str, float], None]
FIN_SECTOR = SECTORS.index("40")


class Simulation:
    """Holds the mutable state of one run; ``run()`` returns an immutable-by-convention result."""

    def __init__(self, cfg: DemoConfig, progress: Progress | None = None, history: MarketHistory | None = None) -> None:
        self.cfg, self.cal, self.progress = cfg, Calibration(), progress
        self.tl = build_timeline(cfg)
        self.rng = rng_for(cfg.seed, "returns")
        self.rng_events = rng_for(cfg.seed, "events")
        self.rng_fund = rng_for(cfg.seed, "fundamentals")
        real = None if history is None else history.on(self.tl.days)
        self.f = simulate_factors(rng_for(cfg.seed, "factors"), self.tl.n_days, self.tl.out_start, self.cal, real)
        # specific risk shares part of the market's volatility regime (variance ∝ sqrt(h)), normalised
        # so the mean specific variance over the output sessions is exactly sig_d²
        regime = np.sqrt(self.f.market_var / (self.cal.market_vol**2 / TD))
        self.spec_scale = np.sqrt(regime / regime[self.tl.out_start :].mean())
        self.buf = Buffers()
        self.hist: deque[tuple[int, np.ndarray, np.ndarray]] = deque(maxlen=LOOKBACK // 19 + 2)
        self.reports = Reports()
        s = create_stocks(
            self.rng_events,
            cfg.stocks,
            cal=self.cal,
            first_permno=10000,
            list_day=np.full(cfg.stocks, -1),
            n_days=self.tl.n_days,
            initial=True,
        )
        self.s = s
        self.earn = Earnings.empty(s.n)
        self.index = IndexBook.empty(s.n)
        self.firms = create_firms(self.rng_fund, z_cap(s.log_cap0, self.cal), s.sector == FIN_SECTOR)
        self.cap_last = np.exp(s.log_cap0)
        self.ff10 = ff10_index(s.siccd)
        self.x = np.zeros((s.n, len(STYLES)))
        self.legs = np.zeros((s.n, 2 * len(FACTOR_LEGS)))
        prim = np.flatnonzero(s.kind == PRIMARY)
        self._prehistory(prim, int(self.tl.block_month[0]))
        self._form(-1, int(self.tl.block_month[0]) - 1, record=False)
        self._reconstitute(-1)

    # ----------------------------------------------------------------- state helpers
    def _prehistory(self, idx: np.ndarray, month: int) -> None:
        before = len(self.reports.quarterly)
        prehistory(self.firms, idx, month, self._quotes(idx), rng=self.rng_fund, out=self.reports)
        for part in self.reports.quarterly[before:]:  # ibq history only: these were announced in the past
            self.earn.record(part["idx"], part["ibq"])

    def _book_quarter(self, idx: np.ndarray, month: int, now: int) -> None:
        """Book a quarter's reports and plant their announcement effects (sessions from ``now`` on)."""
        report_quarter(self.firms, idx, month, self._quotes(idx), rng=self.rng_fund, out=self.reports)
        part = self.reports.quarterly[-1]
        sue = self.earn.record(part["idx"], part["ibq"])
        self.earn.plant(part["idx"], sue, part["rdq"], self.tl.days, now=now)

    def _quotes(self, idx: np.ndarray) -> Quotes:
        cap = self.cap_last[idx]
        return Quotes(me=cap, price=self.s.price[idx], shrout=self.s.shrout[idx], z=z_cap(np.log(cap), self.cal))

    def _reconstitute(self, e: int) -> None:
        """Rank the planted index at session ``e`` (changes announced on session e + 1; index.py)."""
        s = self.s
        if e + 1 >= self.tl.n_days:
            return  # nothing after the last session to announce on
        self.index.close_delisted(s.end_day, e)
        idx = self._alive_at(e)
        idx = idx[(s.kind[idx] == PRIMARY) & s.in_universe[idx]]
        self.index.rank(idx, self.cap_last[idx], self.cal.index_share, day0=e + 1, n_days=self.tl.n_days)

    def _alive_at(self, e: int) -> np.ndarray:
        return np.flatnonzero((self.s.list_day <= e) & (self.s.end_day >= e))

    def _history(self, idx: np.ndarray) -> np.ndarray:
        if not self.hist:
            return np.empty((0, len(idx)))
        total = sum(block.shape[0] for _, _, block in self.hist)
        full = np.full((total, self.s.n), np.nan)
        row = 0
        for _, act, block in self.hist:
            full[row : row + block.shape[0], act] = block
            row += block.shape[0]
        return full[-LOOKBACK:, idx]

    # ----------------------------------------------------------------- month-end formation
    def _form(self, e: int, month: int, *, record: bool) -> np.ndarray:
        s, idx = self.s, self._alive_at(e)
        cap = self.cap_last[idx]
        pb = public_book(self.firms, idx, month)
        age = e - np.maximum(s.list_day[idx], 0) + 1
        d = descriptors(
            cap=cap,
            be=pb.be,
            ib=pb.ib,
            be_lag=pb.be_lag,
            at=pb.at,
            at_lag=pb.at_lag,
            hist=self._history(idx),
            age=age,
        )
        univ = s.in_universe[idx]
        self.x = np.zeros((s.n, len(STYLES)))
        self.x[idx] = np.column_stack([standardize(raw, cap, univ) for raw in d.styles()])
        self.legs = np.zeros((s.n, 2 * len(FACTOR_LEGS)))
        # (descriptor, long the bottom tercile?): SMB small-big, HML high-low B/M, UMD winners-losers,
        # RMW robust-weak ROE, CMA conservative-aggressive asset growth
        pairs = [
            (d.size, True),
            (d.value, False),
            (d.momentum, False),
            (d.quality, False),
            (d.investment, True),
        ]
        for k, (raw, flip) in enumerate(pairs):
            top, bottom = tercile_legs(raw, univ)
            long, short = (bottom, top) if flip else (top, bottom)
            self.legs[idx, 2 * k] = long
            self.legs[idx, 2 * k + 1] = short
        if record:
            self.buf.expo["day"].append(np.full(len(idx), e, dtype=np.int64))
            self.buf.expo["sidx"].append(idx)
            self.buf.expo["x"].append(self.x[idx])
        return idx

    # ----------------------------------------------------------------- one month of sessions
    def _block(self, b: int) -> None:
        tl, s, f, cal = self.tl, self.s, self.f, self.cal
        t0, t1, month = int(tl.block_start[b]), int(tl.block_end[b]), int(tl.block_month[b])
        act = np.flatnonzero((s.end_day >= t0) & (s.list_day < t1))
        d, a = t1 - t0, len(act)
        dd = np.arange(t0, t1)[:, None]
        ld, ed = s.list_day[act], s.end_day[act]
        alive = (dd >= ld) & (dd <= ed)
        traded = dd > ld
        systematic = (
            f.rf[t0:t1, None]
            + f.market[t0:t1, None] * s.beta[act]
            + f.sectors[t0:t1][:, s.sector[act]]
            + f.styles[t0:t1] @ self.x[act].T
        )
        eps = unit_t(self.rng, cal.t_dof_specific, (d, a)) * s.sig_d[act] * self.spec_scale[t0:t1, None]
        # planted earnings-announcement returns and drift are specific returns (part of eps)
        eps = eps + self.earn.block(act, t0, t1, announcement=cal.earnings_announcement, drift=cal.earnings_drift)
        eps = eps + self.index.block(act, t0, t1, effect=cal.index_announcement)
        ret = np.where(traded, np.clip(systematic + eps, -0.9, 3.0), 0.0)
        eps = np.where(traded, ret - systematic, 0.0)
        divq = np.zeros((d, a))
        pay = np.flatnonzero((s.div_q[act] > 0) & (month % 3 == s.div_phase[act]))
        divq[np.minimum(s.ex_day[act][pay], d - 1), pay] = s.div_q[act][pay]
        divq = np.where(traded, divq, 0.0)
        retx = (1.0 + ret) / (1.0 + divq) - 1.0
        price = s.price[act] * np.cumprod(1.0 + retx, axis=0)
        shrout = s.shrout[act]
        cap = price * shrout * 1000.0
        first = dd == np.maximum(ld, tl.out_start)
        notrade = (self.rng.random((d, a)) < s.notrade_p[act]) & (dd != ld)
        missing = (self.rng.random((d, a)) < cal.missing_ret_prob) | first
        self.hist.append((t0, act, np.where(alive & traded & ~missing, ret, np.nan)))
        out_rows = (dd >= tl.out_start) & alive
        if out_rows.any():
            m = Month(
                act=act, t0=t0, t1=t1, ret=ret, eps=eps, retx=retx, price=price, shrout=shrout,
                cap_prev=np.vstack([self.cap_last[act][None, :], cap[:-1]]), notrade=notrade, missing=missing,
                out_rows=out_rows, valid=out_rows & traded & s.in_universe[act],
            )  # fmt: skip
            self._emit_daily(m)
            if tl.block_complete[b]:
                self._emit_monthly(m)
            self._emit_cross_section(m)
        s.price[act] = price[-1]
        self.cap_last[act] = cap[-1]

    def _emit_daily(self, m: Month) -> None:
        s, rng, buf, act = self.s, self.rng, self.buf.daily, m.act
        di, aj = np.nonzero(m.out_rows)
        r, px = m.ret[di, aj], m.price[di, aj]
        nt = m.notrade[di, aj]
        sd = np.sqrt(s.sig_d[act][aj] ** 2 + (0.011 * s.beta[act][aj]) ** 2)
        lo = np.where(nt, 0.003 + 0.2 * sd, 0.0005 + 0.6 * sd * np.abs(rng.standard_normal(len(di))))
        hi = np.where(nt, 0.003 + 0.2 * sd, 0.0005 + 0.6 * sd * np.abs(rng.standard_normal(len(di))))
        shr = m.shrout[aj]
        vol = shr * 1000.0 * s.turnover[act][aj] * np.exp(0.5 * rng.standard_normal(len(di)) - 0.125)
        vol = np.where(nt, 0.0, np.rint(vol * (1.0 + 25.0 * np.abs(r))))
        miss = m.missing[di, aj]
        buf["sidx"].append(act[aj])
        buf["day"].append(m.t0 + di)
        buf["ret"].append(np.where(miss, np.nan, r))
        buf["retx"].append(np.where(miss, np.nan, m.retx[di, aj]))
        buf["prc"].append(np.where(nt, -px, px))
        buf["vol"].append(vol)
        buf["shrout"].append(shr)
        buf["cum_lk"].append(s.cum_lk[act][aj])
        buf["bidlo"].append(px * (1.0 - np.minimum(lo, 0.5)))
        buf["askhi"].append(px * (1.0 + hi))

    def _emit_monthly(self, m: Month) -> None:
        s, tl, buf, act = self.s, self.tl, self.buf.monthly, m.act
        first_day = np.maximum(s.list_day[act], tl.out_start)
        new = (first_day >= m.t0) & (first_day < m.t1)
        gross = np.where(m.out_rows, 1.0 + m.ret, 1.0).prod(axis=0)
        grossx = np.where(m.out_rows, 1.0 + m.retx, 1.0).prod(axis=0)
        last = np.where(m.out_rows, np.arange(m.t1 - m.t0)[:, None], -1).max(axis=0)
        cols = np.flatnonzero(m.out_rows.any(axis=0))
        lr = last[cols]
        px = m.price[lr, cols]
        vol_days = self.buf.daily["vol"][-1]  # this month's daily rows, ordered (day, security)
        _, aj = np.nonzero(m.out_rows)
        vol = np.bincount(aj, weights=vol_days, minlength=len(act))[cols]
        buf["sidx"].append(act[cols])
        buf["day"].append(np.full(len(cols), m.t1 - 1, dtype=np.int64))
        buf["ret"].append(np.where(new[cols], np.nan, gross[cols] - 1.0))
        buf["retx"].append(np.where(new[cols], np.nan, grossx[cols] - 1.0))
        buf["prc"].append(np.where(m.notrade[lr, cols], -px, px))
        buf["vol"].append(vol)
        buf["shrout"].append(m.shrout[cols])
        buf["cum_lk"].append(s.cum_lk[act][cols])

    def _emit_cross_section(self, m: Month) -> None:
        """Planted R², the cap-weighted market, FF long/short legs and FF10 industry returns."""
        act = m.act
        days = np.arange(m.t0, m.t1)
        rows = days >= self.tl.out_start
        r, e, v = m.ret[rows], m.eps[rows], m.valid[rows].astype(float)
        w = m.cap_prev[rows] * v
        n_v = np.maximum(v.sum(axis=1), 1.0)
        mean = (r * v).sum(axis=1) / n_v
        sst = (((r - mean[:, None]) ** 2) * v).sum(axis=1)
        sse = ((e**2) * v).sum(axis=1)
        h10 = np.eye(len(FF10))[self.ff10[act]]
        legs = self.legs[act]
        wr = w * r
        with np.errstate(invalid="ignore", divide="ignore"):
            ff = self.buf.ff
            ff["day"].append(days[rows])
            ff["r2"].append(1.0 - sse / sst)
            ff["mkt"].append(wr.sum(axis=1) / w.sum(axis=1))
            ff["legs"].append((wr @ legs) / (w @ legs))
            ff["vw"].append((wr @ h10) / (w @ h10))
            ff["ew"].append(((v * r) @ h10) / (v @ h10))

    # ----------------------------------------------------------------- month-end events
    def _month_end(self, b: int) -> None:
        tl, s = self.tl, self.s
        e, month = int(tl.block_end[b]) - 1, int(tl.block_month[b])
        if month % MPY + 1 in (3, 6, 9, 12):
            idx = self._alive_at(e)
            idx = idx[s.kind[idx] == PRIMARY]
            self._book_quarter(idx, month, now=e + 1)
        has_next = b + 1 < tl.n_blocks
        last_out = int(tl.block_end[b + 1]) - 1 if has_next else e
        # record formations that apply to output sessions, plus the final complete month end
        record = last_out >= tl.out_start and (has_next or bool(tl.block_complete[b]))
        alive = self._form(e, month, record=record)
        if month % MPY + 1 in REBALANCE_MONTHS:
            self._reconstitute(e)
        if not has_next:
            return
        nxt = (int(tl.block_start[b + 1]), int(tl.block_end[b + 1]))
        open_ = alive[s.end_day[alive] == tl.n_days - 1]
        dl = choose_delistings(self.rng_events, open_, z_cap(np.log(self.cap_last[open_]), self.cal), nxt, self.cal)
        s.end_day[dl.idx], s.dlstcd[dl.idx], s.dlret[dl.idx] = dl.day, dl.code, dl.dlret
        self._list_new(len(alive), nxt, int(tl.block_month[b + 1]))
        k = split_ratios(self.rng_events, s.price[alive])
        drift = np.where(
            self.rng_events.random(len(alive)) < 0.08, 0.02 * self.rng_events.standard_normal(len(alive)), 0.0
        )
        s.price[alive] /= k
        s.shrout[alive] *= k * np.exp(drift)
        s.cum_lk[alive] += np.log(k)

    def _list_new(self, n_alive: int, nxt: tuple[int, int], month: int) -> None:
        rng, s = self.rng_events, self.s
        k = int(rng.poisson(self.cal.list_rate / MPY * n_alive))
        if k == 0:
            return
        new = create_stocks(
            rng,
            k,
            cal=self.cal,
            first_permno=int(s.permno.max()),
            list_day=np.sort(rng.integers(nxt[0], nxt[1], k)),
            n_days=self.tl.n_days,
            initial=False,
        )
        offset = s.n
        new.parent += offset
        s.extend(new)
        self.earn.extend(k)
        self.index.extend(k)
        z = z_cap(new.log_cap0, self.cal)
        self.firms.extend(create_firms(self.rng_fund, z, new.sector == FIN_SECTOR))
        self.cap_last = np.concatenate([self.cap_last, np.exp(new.log_cap0)])
        self.ff10 = np.concatenate([self.ff10, ff10_index(new.siccd)])
        self.x = np.vstack([self.x, np.zeros((k, len(STYLES)))])
        self.legs = np.vstack([self.legs, np.zeros((k, self.legs.shape[1]))])
        self._prehistory(offset + np.flatnonzero(new.kind == PRIMARY), month)

    # ----------------------------------------------------------------- driver
    def run(self) -> SimResult:
        nb = self.tl.n_blocks
        for b in range(nb):
            self._block(b)
            self._month_end(b)
            if self.progress is not None:
                self.progress("simulate", (b + 1) / nb)
        bd, bm, be, bf = self.buf.daily, self.buf.monthly, self.buf.expo, self.buf.ff
        daily = {c: concat(bd[c], np.int64 if c in ("sidx", "day") else None) for c in DAILY_COLS}
        for c in DAILY_COLS:
            bd[c].clear()
        monthly = {c: concat(bm[c], np.int64 if c in ("sidx", "day") else None) for c in MONTHLY_COLS}
        expo = {
            "day": concat(be["day"], np.int64),
            "sidx": concat(be["sidx"], np.int64),
            "x": np.vstack(be["x"]) if be["x"] else np.empty((0, len(STYLES))),
        }
        return SimResult(
            cfg=self.cfg,
            timeline=self.tl,
            factors=self.f,
            stocks=self.s,
            firms=self.firms,
            reports=self.reports,
            daily=daily,
            monthly=monthly,
            exposures=expo,
            ff_days=concat(bf["day"], np.int64),
            ff_market=concat(bf["mkt"]),
            ff_legs=np.vstack(bf["legs"]),
            ind_vw=np.vstack(bf["vw"]),
            ind_ew=np.vstack(bf["ew"]),
            r2=concat(bf["r2"]),
            earnings=self.earn.events(),
            index=self.index.events(),
        )


def simulate(cfg: DemoConfig, progress: Progress | None = None, history: MarketHistory | None = None) -> SimResult:
    return Simulation(cfg, progress, history).run()
