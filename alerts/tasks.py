"""Alert and report Celery tasks: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="alerts.evaluate_rules", acks_late=True, soft_time_limit=50, time_limit=60)
def evaluate_rules() -> dict[str, int]:
    from alerts.services import alerts_evaluate

    report = alerts_evaluate()
    return {"raised": len(report.raised), "resolved": len(report.resolved), "errors": len(report.errors)}


@shared_task(name="alerts.retry_deliveries", acks_late=True, soft_time_limit=50, time_limit=60)
def retry_deliveries() -> int:
    from alerts.delivery import deliveries_retry

    return len(deliveries_retry())


@shared_task(bind=True, name="alerts.tasks.deliver", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=110, time_limit=120)  # fmt: skip
def deliver(self, delivery_id: int) -> str:  # noqa: ANN001 - Celery's bound task
    from alerts.delivery import delivery_send

    outcome = delivery_send(delivery_id=delivery_id, task_id=self.request.id or "")
    return outcome.status if outcome else "nothing to do"


@shared_task(bind=True, name="alerts.tasks.render_report", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=570, time_limit=600)  # fmt: skip
def render_report(self, run_id: int) -> str:  # noqa: ANN001
    from alerts.reports.services import report_run_execute

    outcome = report_run_execute(run_id=run_id, task_id=self.request.id or "")
    return outcome.status if outcome else "nothing to do"


@shared_task(name="alerts.run_report_schedule", acks_late=True, soft_time_limit=50, time_limit=60)
def run_report_schedule(schedule_id: int) -> int | None:
    """Fired by beat on the schedule's own crontab (its PeriodicTask): queue one report run."""
    from alerts.reports.services import report_schedule_fire

    run = report_schedule_fire(schedule_id=schedule_id)
    return run.pk if run else None
