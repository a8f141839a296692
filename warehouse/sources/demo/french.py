"""Ken French industry classification by SIC code (the 10-industry scheme) and the frames of
``ff_factors`` / ``ff_industries`` built from the simulated cross-section."""

from __future__ import annotations

import numpy as np

# Ken French's Siccodes10 (https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html):
# industry -> inclusive SIC ranges; anything unmatched is "Other".
FF10_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "NoDur": ((100, 999), (2000, 2399), (2700, 2749), (2770, 2799), (3100, 3199), (3940, 3989)),
    "Durbl": (
        (2500, 2519),
        (2590, 2599),
        (3630, 3659),
        (3710, 3711),
        (3714, 3714),
        (3716, 3716),
        (3750, 3751),
        (3792, 3792),
        (3900, 3939),
        (3990, 3999),
    ),
    "Manuf": (
        (2520, 2589),
        (2600, 2699),
        (2750, 2769),
        (2800, 2829),
        (2840, 2899),
        (3000, 3099),
        (3200, 3569),
        (3580, 3621),
        (3623, 3629),
        (3700, 3709),
        (3712, 3713),
        (3715, 3715),
        (3717, 3749),
        (3752, 3791),
        (3793, 3799),
        (3860, 3899),
    ),
    "Enrgy": ((1200, 1399), (2900, 2999)),
    "HiTec": (
        (3570, 3579),
        (3622, 3622),
        (3660, 3692),
        (3694, 3699),
        (3810, 3839),
        (7370, 7379),
        (7391, 7391),
        (8730, 8734),
    ),
    "Telcm": ((4800, 4899),),
    "Shops": ((5000, 5999), (7200, 7299), (7600, 7699)),
    "Hlth": ((2830, 2839), (3693, 3693), (3840, 3859), (8000, 8099)),
    "Utils": ((4900, 4949),),
}
FF10 = (*FF10_RANGES, "Other")


def ff10_index(siccd: np.ndarray) -> np.ndarray:
    """Position in ``FF10`` of each SIC code."""
    out = np.full(len(siccd), len(FF10) - 1, dtype=np.int64)
    for k, ranges in enumerate(FF10_RANGES.values()):
        for lo, hi in ranges:
            out[(siccd >= lo) & (siccd <= hi)] = k
    return out


FACTOR_LEGS = ("smb", "hml", "umd", "rmw", "cma")
