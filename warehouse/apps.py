from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.urls import reverse

if TYPE_CHECKING:
    from quant.models import Job


class WarehouseConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "warehouse"
    verbose_name = "Warehouse"

    def ready(self) -> None:
        from quant import schedules
        from quant.jobs.kinds import JobKind, register_kind
        from quant.quickstart import register_steps
        from quant.web.health import register_check
        from quant.web.nav import NavItem, register
        from warehouse.health import providers_check, taq_check, warehouse_check
        from warehouse.quickstart import STEPS
        from warehouse.schedules import SCHEDULES
        from warehouse.syncs.records import KIND
        from warehouse.syncs.service import sync_job_requeue

        register(NavItem(area="Data", label="Warehouse", url_name="warehouse:status", order=10))
        register(NavItem(area="Data", label="Syncs", url_name="warehouse:syncs", order=11))
        register(NavItem(area="Data", label="Sync dashboard", url_name="warehouse:sync_dashboard", order=13))
        register(
            NavItem(
                area="Data", label="SQL explorer", url_name="warehouse:sql", order=12, permission="warehouse.query_sql"
            )
        )
        register_check("Warehouse", warehouse_check, order=60, inline=True)
        register_check("Data providers", providers_check, order=61, inline=True)
        register_check("TAQ Tier 1", taq_check, order=62)
        schedules.register(*SCHEDULES)
        from warehouse.tiles import register_tiles

        register_tiles()
        register_steps("warehouse", STEPS)
        from warehouse.explorer.services import EXPORT_KIND, export_requeue

        register_kind(JobKind(name=EXPORT_KIND, label="Data export", queue="default", requeue=export_requeue))
        register_kind(
            JobKind(name=KIND, label="Data sync", queue="sync", requeue=sync_job_requeue, result_url=_syncs_page)
        )


def _syncs_page(job: Job) -> str | None:
    return reverse("warehouse:syncs")
