"""A multi-dataset sync publishes one release: a sync that dies between two dataset publishes
leaves the previous consistent set live, and health shows the dead sync as failed."""

from __future__ import annotations

import json
import socket
import subprocess
from dataclasses import dataclass, field

import duckdb
import polars as pl
import pytest

from quant.locks import LockInfo, locks_dir
from warehouse import services, storage
from warehouse.health import warehouse_check
from warehouse.services import publish_generated
from warehouse.versions import dataset_versions


@dataclass(frozen=True)
class Config:
    run: int


@dataclass
class Generated:
    datasets: dict[str, pl.DataFrame]
    config_hash: str
    planted: dict[str, pl.DataFrame] = field(default_factory=dict)


def _sync(frames: dict[str, pl.DataFrame], run: int) -> None:
    publish_generated(Generated(dict(frames), f"run{run}"), source="t", config=Config(run), writer="t")


def _catalog_versions() -> dict[str, int]:
    con = duckdb.connect(str(storage.catalog_path()), read_only=True)
    try:
        return dict(con.execute("SELECT dataset, version FROM _versions").fetchall())
    finally:
        con.close()


def test_a_sync_killed_between_dataset_publishes_leaves_the_old_set_live(wh, frames, monkeypatch) -> None:
    _sync(frames, 1)
    old = dataset_versions()
    assert set(old.values()) == {1} and len(old) == len(frames)
    real = services.publish_dataset
    published: list[str] = []

    def dies_on_the_third(name: str, *args: object, **kwargs: object):  # noqa: ANN202
        if len(published) == 2:
            raise RuntimeError("killed between two dataset publishes")
        published.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(services, "publish_dataset", dies_on_the_third)
    with pytest.raises(RuntimeError, match="killed"):
        _sync(frames, 2)
    assert len(published) == 2  # two datasets of the new run had been written
    assert dataset_versions() == old  # ... and none of them is live: the old set, unmixed
    assert _catalog_versions() == old
    for name in published:
        assert storage.read_release()[name] == 1
        assert json.loads(storage.current_path(name).read_text())["version"] == 1

    monkeypatch.setattr(services, "publish_dataset", real)
    _sync(frames, 3)
    new = dataset_versions()
    assert all(new[name] > old[name] for name in old)  # every dataset moved together
    assert _catalog_versions() == new == storage.read_release()


def test_a_single_dataset_publish_updates_the_release_too(wh, frames) -> None:
    _sync(frames, 1)
    from warehouse.publish import publish_dataset

    publish_dataset("crsp_daily", frames["crsp_daily"], source="t", query_hash="h", writer="t")
    assert storage.current_version("crsp_daily") == 2 == storage.read_release()["crsp_daily"]
    assert storage.current_version("crsp_monthly") == 1


def test_health_shows_a_sync_whose_writer_died_as_failed_not_running(wh, frames, settings) -> None:
    _sync(frames, 1)
    dead = subprocess.Popen(["true"])
    dead.wait()
    info = LockInfo(domain="warehouse", writer="warehouse_sync", pid=dead.pid, hostname=socket.gethostname(),
                    token="t", acquired="2026-01-01T00:00:00+00:00", expires="2999-01-01T00:00:00+00:00")  # fmt: skip
    locks_dir().mkdir(parents=True, exist_ok=True)
    (locks_dir() / "warehouse.lock").write_text(json.dumps(info.__dict__))
    result = warehouse_check()
    assert result.status == "bad" and "Sync failed" in result.summary and "died" in result.summary
    assert "a sync is running" not in result.summary
