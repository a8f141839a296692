from __future__ import annotations

import polars as pl
import pytest
from django.urls import reverse

from quant.models import AccessLog
from research.models import ModelVersion
from research.services.registry import model_version_register
from tests.factories import UserFactory
from tests.support.otp import login_verified, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dirs(settings, tmp_path) -> None:
    settings.MODELS_DIR = tmp_path / "models"
    settings.LOCKS_DIR = tmp_path / "locks"


def _version(metrics: dict) -> ModelVersion:
    return model_version_register(
        name="combo", kind="alpha_combination", config={"m": str(metrics)},
        files={"w.parquet": pl.DataFrame({"w": [1.0]}).write_parquet}, dataset_versions={}, metrics=metrics,
    ).version  # fmt: skip


def test_empty_explorer_names_the_commands(client) -> None:
    from research.models import SignalReport

    SignalReport.objects.all().delete()  # rolled back with the test (the session fixture may have rows)
    client.force_login(UserFactory(role="viewer"))
    page = client.get(reverse("research:explorer"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "python manage.py alpha_build" in text and "warehouse_sync --source demo" in text
    assert "<html" in text.lower()
    signal = client.get(reverse("research:signal", args=["momentum"]))
    assert "python manage.py alpha_build" in signal.content.decode()
    assert client.get(reverse("research:signal", args=["nope"])).status_code == 404


def test_htmx_request_returns_only_the_fragment(client) -> None:
    client.force_login(UserFactory(role="viewer"))
    fragment = client.get(reverse("research:explorer"), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="research-signals"') and "<html" not in fragment.lower()
    models = client.get(reverse("research:models"), HTTP_HX_REQUEST="true").content.decode()
    assert models.lstrip().startswith('<section id="research-versions"')


def test_viewer_sees_the_registry_but_cannot_promote(client) -> None:
    v = _version({"oos_ic_mean": 0.05, "oos_ic_t_stat": 3.0})
    client.force_login(UserFactory(role="viewer"))
    page = client.get(reverse("research:models")).content.decode()
    assert "combo" in page and "Promote</button>" not in page
    assert client.post(reverse("research:promote", args=[v.pk])).status_code == 403
    v.refresh_from_db()
    assert v.stage == "staging"


def test_promotion_needs_step_up_and_enforces_gates(client) -> None:
    good = _version({"oos_ic_mean": 0.05, "oos_ic_t_stat": 3.0})
    weak = _version({"oos_ic_mean": 0.001, "oos_ic_t_stat": 3.0})
    operator = UserFactory.with_role("operator", enrolled=True)
    device = operator.totpdevice_set.get()
    login_verified(client, device)
    url = reverse("research:promote", args=[good.pk])
    asked = client.post(url)
    assert asked.status_code == 200 and "step_up_token" in asked.content.decode()
    good.refresh_from_db()
    assert good.stage == "staging"
    done = client.post(url, {"step_up_token": totp_code(device), "step_up_reason": "OOS IC passes"})
    assert done.status_code == 302
    good.refresh_from_db()
    assert good.stage == "production"
    # a failing gate is said first: the button is disabled and a POST is refused without a code
    page = client.get(reverse("research:models")).content.decode()
    assert "Gate fails: not promotable" in page and "fails the gate" in page
    assert f'hx-post="{reverse("research:promote", args=[weak.pk])}"' not in page  # no override for operators
    htmx = client.post(reverse("research:promote", args=[weak.pk]), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == reverse("research:models")
    assert "step_up_token" not in htmx.content.decode()
    assert "refused: the gate fails" in client.get(reverse("research:models")).content.decode()
    weak.refresh_from_db()
    assert weak.stage == "staging"
    refused = AccessLog.objects.get(name="model.promote", object_id=str(weak.pk))
    assert refused.action == "refused" and "oos_ic_mean = 0.001 fails the gate" in refused.reason
    assert AccessLog.objects.get(name="model.promote", object_id=str(good.pk)).action == "control"


def test_an_admin_may_override_a_failing_gate_with_a_reason(client) -> None:
    weak = _version({"oos_ic_mean": 0.001, "oos_ic_t_stat": 3.0})
    admin = UserFactory.with_role("admin", enrolled=True)
    device = admin.totpdevice_set.get()
    login_verified(client, device)
    url = reverse("research:promote", args=[weak.pk])
    assert "Override gate…</button>" in client.get(reverse("research:models")).content.decode()
    asked = client.post(url, {"override_gates": "1"}).content.decode()
    assert "step_up_token" in asked and 'name="override_gates" value="1"' in asked  # carried to the confirmation
    done = client.post(
        url, {"override_gates": "1", "step_up_token": totp_code(device), "step_up_reason": "PM sign-off"}
    )
    assert done.status_code == 302
    weak.refresh_from_db()
    assert weak.stage == "production"
    log = AccessLog.objects.get(name="model.promote")
    assert (log.action, log.reason) == ("control", "PM sign-off")


def test_a_refusal_after_the_code_is_audited_as_refused(client) -> None:
    """A version already in production passes its gates but the stage rule refuses it after the
    step-up: the row says refused, with the service's reason."""
    v = _version({"oos_ic_mean": 0.05, "oos_ic_t_stat": 3.0})
    ModelVersion.objects.filter(pk=v.pk).update(stage="archived")
    operator = UserFactory.with_role("operator", enrolled=True)
    device = operator.totpdevice_set.get()
    login_verified(client, device)
    client.post(
        reverse("research:promote", args=[v.pk]), {"step_up_token": totp_code(device), "step_up_reason": "again"}
    )
    log = AccessLog.objects.get(name="model.promote")
    assert (
        log.action == "refused" and log.reason.startswith("again | refused:") and "only a staging version" in log.reason
    )


def test_explorer_lists_reports_with_adjusted_pvalues(client, demo_reports, django_assert_max_num_queries) -> None:
    client.force_login(UserFactory(role="viewer"))
    # 13 on a cold cache: the once-per-window access-log row and the per-user password-change flag
    # are each read or written once, then come from the cache.
    with django_assert_max_num_queries(13):
        page = client.get(reverse("research:explorer")).content.decode()
    for name in ("momentum", "value", "quality", "lowvol", "sue", "noise"):
        assert f">{name}</a>" in page
    assert "Bonferroni" in page and "badge-bad" in page
    corr = client.get(reverse("research:correlation"), HTTP_HX_REQUEST="true").content.decode()
    assert corr.lstrip().startswith('<div id="research-correlation"') and "1.00" in corr
    signal = client.get(reverse("research:signal", args=["momentum"])).content.decode()
    assert 'id="research-chart-data"' in signal and 'data-research-chart="decay"' in signal
    assert "45 Information Technology" in signal  # IC by sector names the GICS sectors


@pytest.mark.slow
def test_recompute_queues_a_job_and_the_pages_show_its_progress(
    client, demo_reports, django_capture_on_commit_callbacks
):
    from research.models import SignalReport

    client.force_login(UserFactory(role="viewer"))
    assert client.post(reverse("research:signal_recompute", args=["noise"])).status_code == 403
    client.force_login(UserFactory(role="researcher"))
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("research:signal_recompute", args=["noise"]), follow=True)
    assert not queued and "Queued: nothing; 1 up to date." in response.content.decode()
    report = SignalReport.objects.select_related("job").get(signal="noise")
    type(report.job).objects.filter(pk=report.job_id).update(status="failed")  # rolled back with the test
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("research:signal_recompute", args=["all"]), follow=True)
    report.refresh_from_db()
    assert len(queued) == 1 and report.job.status == "queued" and report.job.params == {"signal": "noise"}
    page = response.content.decode()
    assert "Queued: noise;" in page and f'id="job-{report.job_id}"' in page and "Report of noise" in page
    signal_page = client.get(reverse("research:signal", args=["noise"])).content.decode()
    assert f'id="job-{report.job_id}"' in signal_page and "?refresh=1" in signal_page
    assert 'id="job-' not in client.get(reverse("research:signal", args=["momentum"])).content.decode()


def test_signal_page_shows_quantile_returns_and_ic_decay_from_the_report(client, demo_reports) -> None:
    from research.selectors import latest_reports, report_frame

    client.force_login(UserFactory(role="viewer"))
    report = next(r for r in latest_reports() if r.signal == "momentum")
    page = client.get(reverse("research:signal", args=["momentum"])).content.decode()
    assert "<html" in page and 'data-research-chart="long_short"' in page and "% per 21 sessions" in page
    top = report_frame(report, "quantiles").sort("quantile").row(-1, named=True)
    assert f'<td>Q5 (highest)</td><td class="num">{100 * top["mean_ret"]:.3f}</td>' in page
    decay = report_frame(report, "decay").sort("h").row(0, named=True)
    assert f'<td class="num">{decay["h"]}</td><td class="num">{decay["ic_mean"]:.4f}</td>' in page
    fragment = client.get(reverse("research:signal", args=["momentum"]), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="research-signal"') and "<html" not in fragment
