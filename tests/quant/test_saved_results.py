"""The one saved-result model: its write service, who may open a row, and the My saved results list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quant.io import sha256_file
from quant.models import AccessLog, SavedResult
from quant.provenance import code_version
from quant.saved.selectors import saved_results_visible_to
from quant.saved.services import MAX_RESULT_BYTES, chart_indices, file_fingerprint, json_safe, saved_result_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _save(owner, kind: str = "perf_report", title: str = "Performance of r.csv") -> SavedResult:  # noqa: ANN001
    return saved_result_create(kind=kind, title=title, owner=owner, params={"x": 1}, result={"sharpe": 1.25})


def test_chart_indices_keep_ends_and_requested_points_within_the_limit() -> None:
    assert chart_indices(5, limit=10) == [0, 1, 2, 3, 4]
    picked = chart_indices(10_001, limit=101, keep=[4_321])
    assert picked[0] == 0 and picked[-1] == 10_000 and 4_321 in picked
    assert len(picked) == 102 and picked[1] == 100  # 101 evenly spaced points plus the kept one


def test_json_safe_turns_dates_and_non_finite_floats_into_json() -> None:
    value = {"d": dt.date(2024, 1, 31), "x": float("nan"), "y": [float("inf"), 1.5], "t": (1, 2)}
    assert json_safe(value) == {"d": "2024-01-31", "x": None, "y": [None, 1.5], "t": [1, 2]}


def test_file_fingerprint_of_a_file_and_of_a_directory(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("date,return\n")
    assert file_fingerprint(f) == {"name": "a.csv", "sha256": sha256_file(f)}
    folder = file_fingerprint(tmp_path)
    assert folder["name"] == tmp_path.name and folder["files"] == 1 and len(folder["sha256"]) == 64
    f.write_text("date,return\n2024-01-02,0.01\n")
    assert file_fingerprint(tmp_path)["sha256"] != folder["sha256"]


def test_create_records_the_code_version_and_refuses_bad_input() -> None:
    owner = UserFactory()
    saved = _save(owner)
    assert saved.code_version == code_version()[:100] and saved.result == {"sharpe": 1.25}
    with pytest.raises(ValueError, match="unknown saved-result kind 'backtest'"):
        _save(owner, kind="backtest")
    with pytest.raises(ValueError, match="a saved result holds at most"):
        saved_result_create(kind="perf_report", title="big", owner=owner, params={},
                            result={"series": [0.123456789] * (MAX_RESULT_BYTES // 10)})  # fmt: skip
    assert SavedResult.objects.count() == 1


def test_the_database_refuses_an_empty_title_or_an_unknown_kind() -> None:
    owner = UserFactory()
    for fields in ({"kind": "perf_report", "title": ""}, {"kind": "nope", "title": "t"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            SavedResult.objects.create(owner=owner, code_version="x", **fields)


def test_only_the_owner_or_a_view_all_holder_sees_a_result() -> None:
    ada, bob, root = UserFactory(role="researcher"), UserFactory(role="operator"), UserFactory(role="admin")
    saved = _save(ada)
    assert list(saved_results_visible_to(ada)) == [saved]
    assert list(saved_results_visible_to(bob)) == []
    assert list(saved_results_visible_to(root)) == [saved]


def test_list_shows_my_results_by_kind_and_logs_the_view(client, django_assert_num_queries) -> None:
    ada = UserFactory(username="ada", role="researcher")
    mine = [_save(ada, title=f"Performance {i}") for i in range(3)]
    attribution = _save(ada, kind="attribution", title="FF3 daily attribution of r.csv")
    _save(UserFactory(username="bob"), title="Report of bob")
    client.force_login(ada)
    url = reverse("quant:saved_results")
    html = client.get(url).content.decode()
    assert "<html" in html.lower() and "Report of bob" not in html and ">My saved results</a>" in html
    assert all(f'href="/backtests/saved/{s.pk}/"' in html for s in mine)
    assert f'href="/research/saved/attribution/{attribution.pk}/"' in html
    fragment = client.get(url, {"kind": "attribution"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="quant-saved"') and "<html" not in fragment.lower()
    assert "FF3 daily attribution" in fragment and "Performance 1" not in fragment
    assert AccessLog.objects.filter(name="saved_result.list", username="ada").count() == 2
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        _save(ada, title=f"more {i}")
    with django_assert_num_queries(len(few)):  # the same queries for 4 rows and for 9: none per row
        client.get(url)


def test_admin_lists_every_users_results_on_request(client) -> None:
    _save(UserFactory(username="bob"), title="Report of bob")
    client.force_login(UserFactory(username="root", role="admin"))
    url = reverse("quant:saved_results")
    assert "Report of bob" not in client.get(url).content.decode()
    everyone = client.get(url, {"everyone": "on"}).content.decode()
    assert "Report of bob" in everyone and "<td>bob</td>" in everyone


def test_opening_a_saved_result_is_logged_with_its_id(client) -> None:
    ada = UserFactory(username="ada", role="researcher")
    empty = {"notes": [], "conventions": {}, "benchmark": None, "chart": {"dates": [], "equity": [], "drawdown": []}}
    saved = saved_result_create(kind="perf_report", title="p", owner=ada, params={}, result=empty)
    client.force_login(ada)
    assert client.get(saved.get_absolute_url()).status_code == 200
    log = AccessLog.objects.get(name="backtests.saved_perf_report")
    assert log.object_id == str(saved.pk) and log.username == "ada"
