from django.urls import path

from alerts.views import alerts, reports, rules

app_name = "alerts"

urlpatterns = [
    path("", alerts.history, name="history"),
    path("<int:pk>/", alerts.detail, name="alert"),
    path("<int:pk>/acknowledge/", alerts.acknowledge, name="acknowledge"),
    path("rules/", rules.rule_list, name="rules"),
    path("rules/new/", rules.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/toggle/", rules.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/test/", rules.rule_test, name="rule_test"),
    path("channels/new/", rules.channel_edit, name="channel_new"),
    path("channels/<int:pk>/", rules.channel_edit, name="channel_edit"),
    path("reports/", reports.archive, name="reports"),
    path("reports/run/", reports.run_now, name="report_run"),
    path("reports/<int:pk>/", reports.report, name="report"),
    path("reports/<int:pk>/report.html", reports.report_html, name="report_html"),
    path("reports/<int:pk>/report.pdf", reports.report_pdf, name="report_pdf"),
    path("reports/schedules/new/", reports.schedule_edit, name="schedule_new"),
    path("reports/schedules/<int:pk>/", reports.schedule_edit, name="schedule_edit"),
]
