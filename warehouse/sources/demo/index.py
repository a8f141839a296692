"""A planted cap-weighted index: its membership table and the announcement effect of its changes.

The "DEMO index" holds the largest ``Calibration.index_share`` of the primary common stocks of the
estimation universe (``shrcd`` 10/11 on ``exchcd`` 1/2/3) by market cap, ranked at the last session
of June and December and first formed when the simulation starts. A name that enters is an
**addition**, one that leaves (alive) a **deletion**; a member that delists simply ends its spell.
Changes are announced on the first session after the ranking day (day 0) and take effect
``EFFECTIVE_LAG`` sessions later. An addition earns ``+index_announcement`` and a deletion
``−index_announcement``, split evenly over sessions 0 and +1 (a specific return), so an event
study of the announcements has a known answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

EFFECTIVE_LAG = 5  # sessions from announcement to the effective date
ANNOUNCE_DAYS = (0, 1)
REBALANCE_MONTHS = (6, 12)  # calendar months whose last session ranks the index


@dataclass
class IndexBook:
    """Membership per security, the membership spells and the planted events."""

    member: np.ndarray  # (n,) bool
    formed: bool
    since: np.ndarray  # (n,) session index the current spell started (-1 when not a member)
    spells: list[tuple[int, int, int]] = field(default_factory=list)  # (sidx, start day, end day), closed
    ev_sidx: list[int] = field(default_factory=list)
    ev_day0: list[int] = field(default_factory=list)
    ev_sign: list[int] = field(default_factory=list)  # +1 addition, -1 deletion

    @classmethod
    def empty(cls, n: int) -> IndexBook:
        return cls(member=np.zeros(n, dtype=bool), formed=False, since=np.full(n, -1, dtype=np.int64))

    def extend(self, k: int) -> None:
        self.member = np.concatenate([self.member, np.zeros(k, dtype=bool)])
        self.since = np.concatenate([self.since, np.full(k, -1, dtype=np.int64)])

    def close_delisted(self, end_day: np.ndarray, through: int) -> None:
        """End the spells of members whose last trading day is before session ``through``."""
        gone = np.flatnonzero(self.member & (end_day < through))
        for i in gone:
            self.spells.append((int(i), int(self.since[i]), int(end_day[i])))
        self.member[gone] = False
        self.since[gone] = -1

    def rank(self, eligible: np.ndarray, cap: np.ndarray, share: float, *, day0: int, n_days: int) -> None:
        """Reconstitute over ``eligible`` (stock indices) ranked by ``cap`` (aligned); changes are
        announced on session ``day0`` (no events on the first formation, or past the last session)."""
        size = max(int(round(share * len(eligible))), 1)
        top = eligible[np.argsort(-cap, kind="stable")[:size]]
        new = np.zeros_like(self.member)
        new[top] = True
        first = not self.formed
        self.formed = True
        effective = day0 + EFFECTIVE_LAG
        added = np.flatnonzero(new & ~self.member)
        removed = np.flatnonzero(self.member & ~new)
        if first:
            self.since[added] = max(day0, 0)
            self.member[added] = True
            return
        if effective >= n_days:
            return
        for i in removed:
            self.spells.append((int(i), int(self.since[i]), effective - 1))
            self._event(int(i), day0, -1)
        for i in added:
            self.since[i] = effective
            self._event(int(i), day0, +1)
        self.member[removed] = False
        self.since[removed] = -1
        self.member[added] = True

    def _event(self, sidx: int, day0: int, sign: int) -> None:
        self.ev_sidx.append(sidx)
        self.ev_day0.append(day0)
        self.ev_sign.append(sign)

    def block(self, act: np.ndarray, t0: int, t1: int, *, effect: float) -> np.ndarray:
        """(t1 − t0, len(act)) returns to add on sessions ``t0 … t1 − 1`` for stocks ``act`` (sorted)."""
        out = np.zeros((t1 - t0, len(act)))
        if not self.ev_sidx:
            return out
        sidx, day0, sign = (np.asarray(x, dtype=np.int64) for x in (self.ev_sidx, self.ev_day0, self.ev_sign))
        for off in ANNOUNCE_DAYS:
            day = day0 + off
            hit = (day >= t0) & (day < t1) & np.isin(sidx, act)
            if hit.any():
                np.add.at(out, (day[hit] - t0, np.searchsorted(act, sidx[hit])),
                          sign[hit] * effect / len(ANNOUNCE_DAYS))  # fmt: skip
        return out

    def events(self) -> dict[str, np.ndarray]:
        """``sidx, day0, sign`` of every change, and the spells (open ones end at -1)."""
        open_ = np.flatnonzero(self.member)
        spells = self.spells + [(int(i), int(self.since[i]), -1) for i in open_]
        arr = np.asarray(spells, dtype=np.int64).reshape(-1, 3)
        return {
            "sidx": np.asarray(self.ev_sidx, dtype=np.int64), "day0": np.asarray(self.ev_day0, dtype=np.int64),
            "sign": np.asarray(self.ev_sign, dtype=np.int64), "spell_sidx": arr[:, 0], "spell_start": arr[:, 1],
            "spell_end": arr[:, 2],
        }  # fmt: skip
