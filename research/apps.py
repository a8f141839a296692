from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.urls import reverse

if TYPE_CHECKING:
    from quant.models import Job


class ResearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from quant import schedules
        from quant.jobs.kinds import JobKind, register_kind
        from quant.quickstart import register_steps
        from quant.saved.pages import register_page
        from quant.web.nav import NavItem, register
        from research.quickstart import STEPS
        from research.schedules import SCHEDULES
        from research.services.pead import KIND as PEAD
        from research.services.pead import pead_requeue
        from research.services.reports import KIND, signal_report_requeue
        from research.services.taq_sync_job import KIND as TAQ_SYNC
        from research.services.taq_sync_job import taq_sync_requeue

        register(NavItem(area="Research", label="Alpha explorer", url_name="research:explorer", order=10))
        register(NavItem(area="Research", label="Model registry", url_name="research:models", order=20))
        register(NavItem(area="Research", label="Microstructure", url_name="research:microstructure", order=30))
        register(NavItem(area="Research", label="TAQ data", url_name="research:taq", order=40))
        register_steps("research", STEPS)
        register_page("attribution", "research:saved_attribution")
        register_page("alpha_report", "research:saved_alpha_report")
        register_kind(
            JobKind(name=KIND, label="Signal report", queue="analytics", requeue=signal_report_requeue,
                    result_url=_signal_page)
        )  # fmt: skip
        register_kind(
            JobKind(name=TAQ_SYNC, label="TAQ sync", queue="sync", requeue=taq_sync_requeue, result_url=_taq_page)
        )
        register_kind(
            JobKind(name=PEAD, label="PEAD", queue="analytics", requeue=pead_requeue,
                    result_url=lambda job: reverse("research:pead"))
        )  # fmt: skip
        register(NavItem(area="Research", label="Event studies", url_name="research:event_study", order=50))
        register(NavItem(area="Research", label="PEAD", url_name="research:pead", order=55))
        schedules.register(*SCHEDULES)


def _signal_page(job: Job) -> str | None:
    signal = job.params.get("signal")
    return reverse("research:signal", kwargs={"name": signal}) if signal else None


def _taq_page(job: Job) -> str | None:
    return reverse("research:taq")
