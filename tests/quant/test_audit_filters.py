"""The audit log's object and name filters (next to user, action and dates), on the page and in
the CSV export; the object cell links to its own filter."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from quant.models import AccessLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _row(username: str, name: str, object_type: str = "", object_id: str = "", action: str = "control") -> None:
    AccessLog.objects.create(username=username, action=action, name=name, path="/x/", object_type=object_type,
                             object_id=object_id, reason="r")  # fmt: skip


@pytest.fixture
def logged_in(client):
    client.force_login(UserFactory(role="admin"))
    for _ in range(3):
        _row("alice", "auth.change_access", "auth.user", "12")
    _row("alice", "auth.user_disable", "auth.user", "13")
    _row("bob", "strategy.halt", "quant.strategy", "12")
    _row("bob", "api.request", "console.apikey", "Ab12cD34", action="refused")
    return client


def count(client, **query) -> int:
    response = client.get(reverse("quant:audit_log"), query)
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"object": "auth.user #12"}, 3),
        ({"object": "AUTH.USER"}, 4),  # every user row, any id
        ({"object": "#12"}, 4),  # user 12 and strategy 12
        ({"object": "quant.strategy#12"}, 1),
        ({"object": "console.apikey #Ab12cD34"}, 1),
        ({"name": "auth."}, 4),
        ({"name": "halt", "user": "bob"}, 1),
        ({"name": "halt", "user": "alice"}, 0),
        ({"object": "#12", "action": "control", "user": "alice"}, 3),
    ],
)
def test_object_and_name_filters(logged_in, query, expected):
    assert count(logged_in, **query) == expected


def test_a_malformed_object_is_a_one_line_error_and_no_filter(logged_in):
    response = logged_in.get(reverse("quant:audit_log"), {"object": "auth user 12"})
    assert "Write the object as the table shows it" in response.content.decode()
    assert response.context["page"].paginator.count == 6


def test_export_takes_the_object_filter(logged_in):
    fragment = logged_in.get(reverse("quant:audit_log"), {"object": "auth.user #12"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    # the object cell is a link narrowing to that object
    assert 'href="?object=auth.user+%2312"' in body
    href = reverse("quant:audit_export") + "?object=auth.user+%2312"
    assert href in body.replace("&amp;", "&")  # the export link carries the filter
    rows = list(csv.reader(io.StringIO(b"".join(logged_in.get(href).streaming_content).decode())))
    assert len(rows) - 1 == 3 and {(r[6], r[7]) for r in rows[1:]} == {("auth.user", "12")}
