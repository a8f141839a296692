"""The risk optimizer in the backtest loop, on a small demo warehouse with two real risk builds
(``risk_model_build`` as of 2024-06-28 and 2024-09-30): config validation, the model picked per
rebalance date, the constraints of every rebalance and a lower ex-ante and realised risk than the
equal-weighted book over the same names."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from django.test import override_settings

from backtests.configs import BacktestConfig, ConfigError, OptimizerSpec
from backtests.data import current_dataset_versions, load_inputs
from backtests.services import optimizer as opt
from backtests.services.execute import simulate
from backtests.services.results import summarize
from risk.services import loaded
from tests.backtests.conftest import RISK_MODEL_DATES
from tests.factories import UserFactory

FIRST, SECOND = RISK_MODEL_DATES
SPEC = OptimizerSpec(objective="min_variance", max_weight=0.04, turnover=0.6)
CONFIG = BacktestConfig(
    signal="momentum", start=dt.date(2024, 7, 1), end=dt.date(2024, 12, 31), rebalance="monthly",
    construction="long_only_top_n", top_n=100, commission_bps=1.0, half_spread_bps=2.0, optimizer=SPEC,
)  # fmt: skip


@pytest.mark.django_db
def test_a_config_without_a_model_as_of_its_start_names_risk_build(risk_models, settings) -> None:  # noqa: ANN001
    dirs, models = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    early = BacktestConfig(**{**_fields(CONFIG), "start": dt.date(2024, 3, 1)})
    with pytest.raises(ConfigError, match=r"python manage.py risk_build --as-of 2024-03-01") as info:
        opt.risk_models_for(early)
    assert set(info.value.errors) == {"optimizer"}
    assert [v for _, v in opt.risk_models_for(CONFIG)] == [r.version for r in models]
    assert current_dataset_versions(CONFIG)["risk_models"] == [r.version for r in models]
    assert opt.model_for(opt.risk_models_for(CONFIG), dt.date(2024, 9, 27)) == models[0].version
    assert opt.model_for(opt.risk_models_for(CONFIG), SECOND) == models[1].version


def test_optimizer_settings_are_validated_and_hashed() -> None:
    with pytest.raises(ConfigError, match="max_weight must be in"):
        BacktestConfig(**{**_fields(CONFIG), "optimizer": OptimizerSpec(max_weight=0.0)}).validate()
    with pytest.raises(ConfigError, match="built from the warehouse"):
        BacktestConfig.from_json_dict({**CONFIG.as_json_dict(), "source": "synthetic",
                                       "synthetic": {"stocks": 50, "days": 300, "seed": 1}})  # fmt: skip
    again = BacktestConfig.from_json_dict(CONFIG.as_json_dict())
    assert again == CONFIG and again.hash() == CONFIG.hash()
    plain = BacktestConfig(**{**_fields(CONFIG), "optimizer": None})
    assert "optimizer" not in plain.as_json_dict()  # configs without it keep their old hashes


@pytest.mark.django_db
def test_min_variance_in_the_loop(risk_models, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    dirs, models = risk_models
    used: list[str] = []
    original = loaded.load_model
    monkeypatch.setattr(loaded, "load_model", lambda version: used.append(version) or original(version))
    with override_settings(**dirs):
        inputs = load_inputs(CONFIG)
        result = simulate(CONFIG, inputs)
        equal = simulate(BacktestConfig(**{**_fields(CONFIG), "optimizer": None, "signal": "market"}), inputs)
    rebalances = result.trades.filter(pl.col("reason") == "rebalance")["date"].unique().sort().to_list()
    assert [d.month for d in rebalances] == [7, 8, 9, 10, 11]  # month ends; the last date never trades
    # The model as of each rebalance: June's for July-August, September's from 2024-09-30 on.
    assert used == [models[0].version] * 2 + [models[1].version] * 3
    previous = None
    for day, version in zip(rebalances, used, strict=True):
        book = result.positions.filter(pl.col("date") == day)
        w = book["weight"].to_numpy()
        assert w.min() >= 0 and w.max() <= SPEC.max_weight + 1e-6 and w.sum() == pytest.approx(1.0, abs=1e-9)
        model = original(version)
        row = {int(p): i for i, p in enumerate(model.permnos)}
        assert all(int(p) in row for p in book["permno"])
        full = np.zeros(model.permnos.size)
        full[[row[int(p)] for p in book["permno"]]] = w
        names = result.positions.filter(pl.col("date") == day)["permno"]
        eligible = inputs.universe.filter(pl.col("date") == day).join(
            pl.DataFrame({"permno": model.permnos}), on="permno", how="semi"
        )["permno"]
        ew = np.zeros(model.permnos.size)
        ew[[row[int(p)] for p in eligible]] = 1.0 / eligible.len()
        assert model.model.variance(full) < 0.7 * model.model.variance(ew)
        if previous is not None:
            trades = result.trades.filter((pl.col("date") == day) & (pl.col("reason") == "rebalance"))
            assert trades["trade"].abs().sum() <= SPEC.turnover + 1e-6
        previous = names
    ours, market = summarize(result), summarize(equal)
    print("realised vol: min-variance", ours.volatility, "equal weight", market.volatility)
    assert ours.volatility < market.volatility


def _fields(config: BacktestConfig) -> dict:
    return {name: getattr(config, name) for name in config.__slots__}


@pytest.mark.django_db
def test_the_form_offers_the_optimizer_once_a_model_exists(risk_models, settings) -> None:  # noqa: ANN001
    from backtests.forms import BacktestForm

    dirs, _ = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    field = BacktestForm().fields["use_optimizer"]
    assert not field.disabled and "latest risk model" in field.help_text
    data = {"signal": "momentum", "source": "warehouse", "universe": "all", "universe_top_n": 500,
            "rebalance": "monthly", "construction": "long_short_decile", "top_n": 50, "commission_bps": 1,
            "half_spread_bps": 5, "impact_k": 0, "priority": "normal",
            "use_optimizer": "on", "optimizer_objective": "min_variance", "optimizer_max_weight": "5"}  # fmt: skip
    early = BacktestForm({**data, "start": "2024-03-01", "end": "2024-12-31"})
    assert not early.is_valid()
    assert "risk_build --as-of 2024-03-01" in early.errors["use_optimizer"][0]
    late = BacktestForm({**data, "start": "2024-07-01", "end": "2024-12-31"})
    assert late.is_valid(), late.errors
    assert late.config.optimizer == OptimizerSpec()


@pytest.mark.django_db
def test_mean_variance_tilts_to_the_signal_and_turnover_is_capped(risk_models, settings) -> None:  # noqa: ANN001
    dirs, runs = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    model = loaded.load_model(runs[0].version)
    permnos = model.permnos[:120]
    signal = np.linspace(-1.0, 1.0, permnos.size)
    alpha = pl.DataFrame({"permno": permnos, "alpha": signal})
    cash = pl.DataFrame({"permno": permnos[:0], "weight": np.array([], dtype=float)})
    day = dt.date(2024, 7, 31)

    def solve(spec: OptimizerSpec, current: pl.DataFrame = cash) -> np.ndarray:
        config = BacktestConfig(**{**_fields(CONFIG), "optimizer": spec})
        out = opt.make_optimizer(config)(day, alpha, current)
        assert out["permno"].to_list() == sorted(permnos.tolist())
        return out["weight"].to_numpy()

    low = solve(OptimizerSpec(objective="min_variance", max_weight=0.05))
    tilt = solve(OptimizerSpec(objective="mean_variance", risk_aversion=0.5, max_weight=0.05))
    assert tilt @ signal > low @ signal + 0.2  # the signal-weighted exposure rises
    assert np.corrcoef(tilt, signal)[0, 1] > 0.5
    capped = solve(
        OptimizerSpec(objective="mean_variance", risk_aversion=0.5, max_weight=0.05, turnover=0.2),
        pl.DataFrame({"permno": permnos, "weight": low}),
    )
    assert np.abs(capped - low).sum() == pytest.approx(0.2, abs=1e-5)  # binding: it wants to move more
    assert capped.sum() == pytest.approx(1.0) and capped.min() >= 0 and capped.max() <= 0.05 + 1e-7


@pytest.mark.django_db
def test_the_run_page_shows_the_optimizer(risk_models, settings) -> None:  # noqa: ANN001
    from django.test import Client
    from django.urls import reverse

    from backtests.models import BacktestRun
    from quant.jobs.services import job_create
    from tests.factories import UserFactory

    dirs, runs = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    owner = UserFactory(role="researcher")
    run = BacktestRun.objects.create(
        config=CONFIG.as_json_dict(), config_hash=CONFIG.hash(), data_hash="d", code_version="x", owner=owner,
        dataset_versions=current_dataset_versions(CONFIG), job=job_create(kind="backtest", requested_by=owner),
    )  # fmt: skip
    client = Client()
    client.force_login(owner)
    html = client.get(reverse("backtests:detail", args=[run.pk])).content.decode()
    assert "Minimum variance, max 4 % of NAV per name, turnover ≤ 60 % of NAV per rebalance" in html
    assert runs[1].version in html


@pytest.mark.slow
@pytest.mark.django_db
def test_walk_forward_with_the_optimizer_and_a_value_candidate_runs_end_to_end(risk_models, settings) -> None:  # noqa: ANN001
    """The walk-forward form offers the optimizer: every candidate runs with it on the warehouse,
    a value candidate adds compustat to the parent's data key, and the parent stitches."""
    from backtests.services import backtest_run_execute
    from backtests.services.walkforward import WalkForwardSpec, walkforward_create, walkforward_finalize

    dirs, _ = risk_models
    for name, value in dirs.items():
        setattr(settings, name, value)
    settings.BACKTESTS_DIR = dirs["DATA_DIR"] / "backtests"
    base = BacktestConfig(signal="momentum", start=FIRST, end=dt.date(2024, 12, 31), source="warehouse",
                          rebalance="monthly", construction="long_short_decile",
                          optimizer=OptimizerSpec(max_weight=0.1))  # fmt: skip
    spec = WalkForwardSpec(base=base, candidates=[{"signal": "momentum"}, {"signal": "value"}],
                           train_months=3, test_months=1)  # fmt: skip
    parent = walkforward_create(spec=spec, owner=UserFactory(role="researcher")).run
    assert {"compustat_annual", "ccm_link", "risk_models"} <= set(parent.dataset_versions)
    for child in parent.children.order_by("id"):
        outcome = backtest_run_execute(run_id=child.pk, task_id=f"wf{child.pk}")
        child.job.refresh_from_db()
        assert child.job.status == "succeeded", (outcome, child.job.error)
        assert child.config["optimizer"]["max_weight"] == 0.1
    assert walkforward_finalize(parent_id=parent.pk) == "succeeded"
    parent.refresh_from_db()
    assert parent.summary["walk_forward"]["n_folds"] >= 1
