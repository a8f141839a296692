"""Research's beat schedules (registered by ``ResearchConfig.ready``; `quant.schedules`).

``taq-nightly`` continues every earlier successful ``taq_sync`` (same symbols and exchanges) to the
last completed NYSE session; with no earlier sync it does nothing. Like the WRDS warehouse syncs it
starts disabled in embedded mode without WRDS credentials (`warehouse.schedules.default_enabled`).
"""

from __future__ import annotations

from quant.schedules import Crontab, Schedule
from warehouse.schedules import TIMEZONE, default_enabled

SCHEDULES = (
    # after the WRDS nightly (02:30 New York): TAQ for the previous session is posted overnight.
    Schedule("taq-nightly", "research.tasks.taq_sync_incremental", Crontab("30", "5", "2-6", timezone=TIMEZONE),
             "sync", "Continue every TAQ sync (taq_sync) to the last completed session.", enabled=default_enabled),
)  # fmt: skip
