"""Warehouse write-side services: sync a source into the warehouse, verify every stored file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import polars as pl
from django.conf import settings

from quant.io import atomic_write, atomic_write_text
from quant.locks import LockBusy, LockHandle, domain_lock
from warehouse import storage
from warehouse.catalog import rebuild_catalog
from warehouse.datasets import ALL_DATASETS, DATASETS, get_spec
from warehouse.publish import LOCK_DOMAIN, Progress, PublishResult, publish_dataset
from warehouse.sources.demo import DemoConfig, MarketHistory, load_market_history
from warehouse.sources.demo import generate as generate_demo
from warehouse.validation import validate_frame

DEMO_SOURCE = "demo"
logger = logging.getLogger("quantdesk.warehouse")


class GeneratedData(Protocol):
    """What a generator returns (read-only, so frozen dataclasses such as the demo's DemoOutput match)."""

    @property
    def datasets(self) -> dict[str, pl.DataFrame]: ...

    @property
    def planted(self) -> dict[str, pl.DataFrame]: ...

    @property
    def config_hash(self) -> str: ...


@dataclass
class SyncResult:
    source: str
    config_hash: str
    skipped: bool
    published: list[PublishResult] = field(default_factory=list)
    planted_dir: Path | None = None
    message: str = ""


def planted_dir() -> Path:
    """Where `_write_planted` puts the demo truth; read it with `warehouse.selectors.planted_truth`."""
    return storage.warehouse_dir() / "_planted"


def _sync_record_path(source: str) -> Path:
    return storage.warehouse_dir() / "_sync" / f"{source}.json"


def config_key(config: Any) -> str:
    """A stable hash of a source config dataclass (decides 'already built' without generating)."""
    payload = json.dumps(dataclasses.asdict(config), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def already_synced(source: str, config: Any) -> bool:
    """True when every dataset's live version came from ``source`` with this exact config."""
    try:
        record = json.loads(_sync_record_path(source).read_text())
    except FileNotFoundError:
        return False
    if record.get("config_key") != config_key(config):
        return False
    for dataset in DATASETS:
        version = storage.current_version(dataset)
        if version is None:
            return False
        manifest = storage.load_manifest(dataset, version)
        if manifest.source != source or manifest.source_query_hash != record["config_hash"]:
            return False
    return True


def _write_planted(out: GeneratedData) -> Path:
    target = planted_dir() / out.config_hash
    for name, frame in out.planted.items():
        atomic_write(target / f"{name}.parquet", functools.partial(frame.write_parquet, compression="zstd"))
    atomic_write_text(planted_dir() / "current.json", json.dumps({"config_hash": out.config_hash}))
    return target


def _prevalidate(out: GeneratedData, *, source: str, writer: str, lock: LockHandle) -> None:
    """Validate every dataset before publishing any, so one bad dataset cannot leave a half-synced warehouse.

    The first failing dataset goes through `publish_dataset` anyway: that quarantines it and raises
    `ValidationFailed` with the report, exactly as a single publish would.
    """
    for name, frame in out.datasets.items():
        current = storage.current_version(name)
        previous = storage.load_manifest(name, current) if current is not None else None
        if not validate_frame(get_spec(name), frame, previous=previous).passed:
            publish_dataset(name, frame, source=source, query_hash=out.config_hash, writer=writer, lock=lock)


def publish_generated(
    out: GeneratedData, *, source: str, config: Any, writer: str, progress: Progress | None = None
) -> SyncResult:
    """Publish every dataset of ``out`` through the one publish path, under one lock hold, as one
    release: each dataset's version is written first, then one switch of ``release.json`` makes
    them all live together (a sync that dies midway leaves the previous set live, unmixed).

    ``out.datasets`` is consumed (each frame is dropped once published) to bound peak memory.
    """
    unknown = sorted(set(out.datasets) - set(DATASETS))
    if unknown:
        raise storage.WarehouseError(f"The {source} source produced unknown datasets: {unknown}.")
    result = SyncResult(source=source, config_hash=out.config_hash, skipped=False)
    with domain_lock(LOCK_DOMAIN, writer=writer) as lock:
        _prevalidate(out, source=source, writer=writer, lock=lock)
        names = list(out.datasets)
        for i, name in enumerate(names):
            if progress:
                progress(f"publish {name}", i / len(names))
            frame = out.datasets.pop(name)  # released once published: bounds peak memory on large builds
            result.published.append(
                publish_dataset(
                    name,
                    frame,
                    source=source,
                    query_hash=out.config_hash,
                    writer=writer,
                    lock=lock,
                    catalog=False,
                    release=False,
                )  # fmt: skip
            )
            del frame
        lock.refresh()
        storage.switch_release({p.dataset: p.version for p in result.published})
        rebuild_catalog()
        if out.planted:
            result.planted_dir = _write_planted(out)
        record = {
            "config_key": config_key(config),
            "config_hash": out.config_hash,
            "config": dataclasses.asdict(config),
        }
        atomic_write_text(_sync_record_path(source), json.dumps(record, indent=2, default=str))
    if progress:
        progress("done", 1.0)
    result.message = f"Published {len(result.published)} datasets from {source} (config {out.config_hash[:12]})."
    return result


def demo_market_history() -> MarketHistory | None:
    """The Ken French daily factors under ``settings.DEMO_HISTORY_DIR`` (None when absent)."""
    return _load_history(str(settings.DEMO_HISTORY_DIR))


@functools.lru_cache(maxsize=2)
def _load_history(directory: str) -> MarketHistory | None:
    return load_market_history(directory)


def _recorded_hash(source: str) -> str | None:
    try:
        return json.loads(_sync_record_path(source).read_text()).get("config_hash")
    except FileNotFoundError:
        return None


def warehouse_sync_demo(
    *, stocks: int, years: int, seed: int, force: bool = False, writer: str = "warehouse_sync",
    progress: Progress | None = None,
) -> SyncResult:  # fmt: skip
    """Generate the demo warehouse and publish it; skips when the live data came from the same config."""
    config = DemoConfig(stocks=stocks, years=years, seed=seed)
    history = demo_market_history()
    expected = config.hash(None if history is None else history.digest)
    if not force and already_synced(DEMO_SOURCE, config) and _recorded_hash(DEMO_SOURCE) == expected:
        record = json.loads(_sync_record_path(DEMO_SOURCE).read_text())
        message = (
            f"The warehouse already holds the demo built with stocks={stocks} years={years} seed={seed} "
            f"(config {record['config_hash'][:12]}); nothing to do (use --force to rebuild)."
        )
        return SyncResult(DEMO_SOURCE, record["config_hash"], skipped=True, message=message)
    out = generate_demo(config, progress=progress, history=history)
    return publish_generated(out, source=DEMO_SOURCE, config=config, writer=writer, progress=progress)


@dataclass
class VerifyReport:
    files_checked: int = 0
    versions_checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def warehouse_verify(progress: Callable[[str], None] | None = None) -> VerifyReport:
    """Re-hash every file of every version of every dataset (no cache); list orphans."""
    report = VerifyReport()
    for dataset in ALL_DATASETS:
        base = storage.dataset_dir(dataset)
        for version in storage.list_versions(dataset):
            report.versions_checked += 1
            for entry in storage.load_manifest(dataset, version).files:
                try:
                    storage.verify_file(base / entry.path, entry.sha256, use_cache=False)
                except storage.ChecksumMismatch as exc:
                    report.mismatches.append(str(exc))
                report.files_checked += 1
                if progress:
                    progress(f"{dataset} v{version} {entry.path}")
        report.orphans.extend(str(p) for p in storage.orphans(dataset))
    return report


def warehouse_verify_live(*, writer: str = "warehouse_verify") -> VerifyReport:
    """Re-hash every file of the live release (no cache) and record the result for health, the
    /warehouse/ page and the readers (`storage.failed_files`); rebuild the catalog when the set of
    failing files changed, so its views refuse a tampered dataset. Beat runs it (`warehouse.schedules`).
    """
    report = VerifyReport()
    failed: list[str] = []
    for dataset in storage.published_datasets():
        version = storage.current_version(dataset)
        if version is None:
            continue
        report.versions_checked += 1
        base = storage.dataset_dir(dataset)
        for entry in storage.load_manifest(dataset, version).files:
            try:
                storage.verify_file(base / entry.path, entry.sha256, use_cache=False)
            except storage.ChecksumMismatch as exc:
                report.mismatches.append(str(exc))
                failed.append(str(base / entry.path))
            report.files_checked += 1
    before = storage.failed_files()
    record = {
        "checked_at": dt.datetime.now(dt.UTC).isoformat(),
        "files_checked": report.files_checked,
        "failed": sorted(failed),
        "mismatches": report.mismatches,
    }
    atomic_write_text(storage.verify_record_path(), json.dumps(record, indent=2))
    if frozenset(failed) != before:
        try:
            with domain_lock(LOCK_DOMAIN, writer=writer, wait=30):
                rebuild_catalog()
        except LockBusy:
            logger.warning("warehouse_verify_live: catalog not rebuilt (a writer holds the lock); its publish will")
    return report
