"""Which datasets a user may query or export: the per-role allow-list of the SQL explorer.

``warehouse.query_sql`` opens the explorer on the open datasets (Fama-French, published by Ken
French for anyone); ``warehouse.query_licensed`` adds the licensed families (CRSP, Compustat, the
CCM link and TAQ), whose terms restrict them to the research team.
"""

from __future__ import annotations

from typing import Any

from warehouse.datasets import ALL_DATASETS

QUERY_PERMISSION = "warehouse.query_sql"
LICENSED_PERMISSION = "warehouse.query_licensed"
OPEN_DATASETS = ("ff_factors", "ff_industries")
LICENSED_DATASETS = tuple(name for name in ALL_DATASETS if name not in OPEN_DATASETS)


def allowed_datasets(user: Any) -> tuple[str, ...]:
    """The datasets ``user`` may query, in contract order (empty without ``warehouse.query_sql``)."""
    if not user.is_authenticated or not user.has_perm(QUERY_PERMISSION):
        return ()
    if user.has_perm(LICENSED_PERMISSION):
        return tuple(ALL_DATASETS)
    return OPEN_DATASETS
