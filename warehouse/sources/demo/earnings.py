"""Planted earnings-announcement effects: an announcement return and a post-announcement drift by
SUE decile, so event studies and PEAD have a known answer (docs/demo-data.md, "Earnings events").

SUE is the canonical definition of the signal library (``research.analytics.signals``; Foster,
Olsen & Shevlin 1984), computed here from the same ``ibq`` the generator books, so the warehouse
alone recovers the planted deciles: ``surprise_q = ibq_q − ibq_{q−4}``, ``SUE_q = surprise_q /
std(last 8 surprises incl. the current one, ddof = 1)``, at least 4 surprises. Deciles are formed
within each batch of reports of one fiscal quarter-end month (their ``rdq`` fall in the next
calendar quarter), 1 = most negative surprise.

Decile *d* earns ``announcement · (d − 5.5)`` split evenly over sessions 0 and +1 (day 0 = the first
session on or after ``rdq``), then ``drift · (d − 5.5)`` spread evenly over sessions
``DRIFT_START … DRIFT_END``. Both have zero mean across deciles, so no factor or index moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RING = 12  # ibq of the last 12 fiscal quarters: 8 surprises need 4 more quarters behind them
WINDOW, MIN_PERIODS, LAG = 8, 4, 4
DECILES = 10
ANNOUNCE_DAYS = (0, 1)
DRIFT_START, DRIFT_END = 2, 60


def decile_effect(decile: np.ndarray, scale: float) -> np.ndarray:
    """Planted total effect (decimal return) of ``decile`` (1…10): ``scale · (decile − 5.5)``."""
    return scale * (decile.astype(float) - (DECILES + 1) / 2.0)


@dataclass
class Earnings:
    """ibq history per security and the planted events (session index, stock index, per-day adds)."""

    ibq: np.ndarray  # (n, RING), newest last, NaN before the first report
    ev_sidx: list[np.ndarray] = field(default_factory=list)
    ev_day0: list[np.ndarray] = field(default_factory=list)
    ev_decile: list[np.ndarray] = field(default_factory=list)
    ev_sue: list[np.ndarray] = field(default_factory=list)
    ev_rdq: list[np.ndarray] = field(default_factory=list)
    _cache: tuple[np.ndarray, ...] | None = None

    @classmethod
    def empty(cls, n: int) -> Earnings:
        return cls(ibq=np.full((n, RING), np.nan))

    def extend(self, k: int) -> None:
        self.ibq = np.vstack([self.ibq, np.full((k, RING), np.nan)])

    def record(self, idx: np.ndarray, ibq: np.ndarray) -> np.ndarray:
        """Book a quarter's ``ibq`` of ``idx`` and return their SUE (NaN where undefined)."""
        ring = np.roll(self.ibq[idx], -1, axis=1)
        ring[:, -1] = ibq
        self.ibq[idx] = ring
        surprises = ring[:, LAG:] - ring[:, :-LAG]  # (n, 8), the current one last
        ok = np.isfinite(surprises)
        count = ok.sum(axis=1)
        mean = np.where(ok, surprises, 0.0).sum(axis=1) / np.maximum(count, 1)
        var = np.where(ok, (surprises - mean[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(count - 1, 1)
        sd = np.sqrt(var)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((count >= MIN_PERIODS) & (sd > 0) & ok[:, -1], surprises[:, -1] / sd, np.nan)

    def plant(self, idx: np.ndarray, sue: np.ndarray, rdq: np.ndarray, days: np.ndarray, *, now: int) -> None:
        """Schedule the events of one batch of reports (``rdq``: days since epoch; ``days``: sessions;
        only announcements on session ``now`` or later, which the simulation has not yet passed)."""
        ok = np.isfinite(sue) & (rdq >= days[min(now, len(days) - 1)])
        if ok.sum() < DECILES:
            return
        idx, sue, rdq = idx[ok], sue[ok], rdq[ok]
        rank = sue.argsort(kind="stable").argsort(kind="stable")
        decile = rank * DECILES // len(sue) + 1
        day0 = np.searchsorted(days, rdq)
        inside = day0 < len(days)
        for buf, arr in ((self.ev_sidx, idx), (self.ev_day0, day0), (self.ev_decile, decile),
                         (self.ev_sue, sue), (self.ev_rdq, rdq)):  # fmt: skip
            buf.append(arr[inside])
        self._cache = None

    def _events(self) -> tuple[np.ndarray, ...]:
        if self._cache is None:
            cat = [np.concatenate(b) if b else np.empty(0, dtype=np.int64) for b in
                   (self.ev_sidx, self.ev_day0, self.ev_decile)]  # fmt: skip
            self._cache = tuple(cat)
        return self._cache

    def block(self, act: np.ndarray, t0: int, t1: int, *, announcement: float, drift: float) -> np.ndarray:
        """(t1 − t0, len(act)) returns to add on sessions ``t0 … t1 − 1`` for stocks ``act`` (sorted)."""
        out = np.zeros((t1 - t0, len(act)))
        sidx, day0, decile = self._events()
        live = (day0 + DRIFT_END >= t0) & (day0 < t1) & np.isin(sidx, act)
        if not live.any():
            return out
        col = np.searchsorted(act, sidx[live])
        d0, dec = day0[live], decile[live]
        ann = decile_effect(dec, announcement) / len(ANNOUNCE_DAYS)
        per_day = decile_effect(dec, drift) / (DRIFT_END - DRIFT_START + 1)
        offsets = np.arange(0, DRIFT_END + 1)
        amount = np.where(np.isin(offsets, ANNOUNCE_DAYS)[None, :], ann[:, None],
                          np.where(offsets[None, :] >= DRIFT_START, per_day[:, None], 0.0))  # fmt: skip
        day = d0[:, None] + offsets[None, :]
        inside = (day >= t0) & (day < t1)
        rows, cols = np.nonzero(inside)
        np.add.at(out, (day[rows, cols] - t0, col[rows]), amount[rows, cols])
        return out

    def events(self) -> dict[str, np.ndarray]:
        """Every planted event: ``sidx, day0, decile, sue, rdq``."""
        sidx, day0, decile = self._events()
        sue = np.concatenate(self.ev_sue) if self.ev_sue else np.empty(0)
        rdq = np.concatenate(self.ev_rdq) if self.ev_rdq else np.empty(0, dtype=np.int64)
        return {"sidx": sidx, "day0": day0, "decile": decile, "sue": sue, "rdq": rdq}
