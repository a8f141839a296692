from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.urls import reverse

if TYPE_CHECKING:
    from quant.models import Job


class RiskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "risk"

    def ready(self) -> None:
        from quant import schedules
        from quant.jobs.kinds import JobKind, register_kind
        from quant.quickstart import register_steps
        from quant.web.nav import NavItem, register
        from risk.quickstart import STEPS
        from risk.schedules import SCHEDULES
        from risk.services.jobs import risk_build_requeue
        from risk.services.model_build import JOB_KIND

        register(NavItem(area="Risk", label="Risk dashboard", url_name="risk:dashboard", order=10))
        register(NavItem(area="Risk", label="Exposure heatmap", url_name="risk:exposures", order=20))
        schedules.register(*SCHEDULES)
        from risk.tiles import register_tiles

        register_tiles()
        register_steps("risk", STEPS)
        register_kind(
            JobKind(name=JOB_KIND, label="Risk model build", queue="analytics", requeue=risk_build_requeue,
                    result_url=_dashboard)
        )  # fmt: skip


def _dashboard(job: Job) -> str | None:
    return reverse("risk:dashboard")
