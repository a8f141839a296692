from django.apps import AppConfig


class AlertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "alerts"

    def ready(self) -> None:
        from alerts import receivers
        from alerts.delivery import KIND, delivery_requeue
        from alerts.reports.services import REPORT_KIND, report_requeue, report_result_url
        from alerts.schedules import SCHEDULES
        from alerts.tiles import register_tiles
        from quant import schedules
        from quant.jobs.kinds import JobKind, register_kind
        from quant.web.nav import NavItem, register

        receivers.connect()
        register_tiles()
        schedules.register(*SCHEDULES)
        register_kind(JobKind(name=KIND, label="Alert delivery", queue="alerts", requeue=delivery_requeue,
                              view_permission="alerts.view_alert"))  # fmt: skip
        register_kind(JobKind(name=REPORT_KIND, label="Report", queue="reports", requeue=report_requeue,
                              result_url=report_result_url, view_permission="alerts.view_reportrun"))  # fmt: skip
        register(NavItem(area="Operations", label="Alerts", url_name="alerts:history", permission="alerts.view_alert",
                         order=30))  # fmt: skip
        register(NavItem(area="Operations", label="Alert rules", url_name="alerts:rules",
                         permission="alerts.view_alert", order=31))  # fmt: skip
        register(NavItem(area="Operations", label="Reports", url_name="alerts:reports",
                         permission="alerts.view_reportrun", order=32))  # fmt: skip
