"""The one artifact format and publish for result folders (everything outside the warehouse's own
dataset versions, which keep `warehouse.manifest`): backtest results, walk-forward stitches, risk
builds, signal reports, registered models.

A published artifact is a directory of files plus ``manifest.json`` (:class:`Manifest`): the format
version, the kind, every file's sha256 and size, the dataset versions it read, the code version,
the config hash, when it was created and a small summary/extra dict. Writing::

    with artifact_stage(target, kind="backtest") as stage:
        stage.write_parquet("daily", frame)
        stage.publish(dataset_versions=versions, config_hash=cfg_hash, summary=summary)

Files go into a hidden sibling ``.<name>.tmp-<uuid>/`` (each with `quant.io.atomic_write`, so
fsynced), the manifest is written last, then the directory is renamed onto ``target``. An exception
inside the block deletes the sibling, so ``target`` is never half written; a killed process leaves
only the hidden sibling, which the next publish of that target and `artifact_delete` remove. One
writer per target at a time: callers hold a domain lock or own the job row.

Reading (`artifact_open`) parses the manifest and verifies a file's checksum before handing it out;
any mismatch, missing file or unreadable manifest raises :class:`ArtifactCorrupt` naming the path.
Folders in the formats that came before this one are converted by ``manage.py artifacts_upgrade``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from quant.io import (
    TMP_MARKER,
    ChecksumMismatch,
    atomic_write,
    atomic_write_text,
    fsync_dir,
    sha256_file,
    temp_path_for,
    verify_sha256,
)
from quant.provenance import code_version

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPGRADE_HINT = "run `python manage.py artifacts_upgrade` to convert folders written before the artifact format"


class ArtifactCorrupt(OSError):
    """A file of an artifact is missing or changed, or its manifest cannot be read; names the path.
    An `OSError`, like any other unreadable file, so pages that show a read error show this one too."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(f"Corrupt artifact file {path}: {detail}")


class ArtifactNotFound(FileNotFoundError):
    """Nothing is published at this path (no folder or no manifest)."""


class ArtifactExists(FileExistsError):
    """The target holds a different artifact and the publish did not ask to replace it."""


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """What a published folder holds and where it came from (``manifest.json``)."""

    kind: str
    files: dict[str, FileRecord]
    dataset_versions: dict[str, Any]
    code_version: str
    config_hash: str
    created: str  # ISO-8601 UTC
    summary: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str, *, path: Path) -> Manifest:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ArtifactCorrupt(path, f"not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
            found = data.get("format_version") if isinstance(data, dict) else None
            raise ArtifactCorrupt(path, f"manifest format {found!r} is not {FORMAT_VERSION}; {UPGRADE_HINT}")
        try:
            files = {name: FileRecord(**entry) for name, entry in data.pop("files").items()}
            return cls(files=files, **data)
        except (TypeError, AttributeError, KeyError) as exc:
            raise ArtifactCorrupt(path, f"malformed manifest ({exc})") from None

    def same_content(self, other: Manifest) -> bool:
        """Same kind, files and inputs: publishing ``other`` over ``self`` would change nothing."""
        return (self.kind, self.files, self.config_hash, self.dataset_versions) == (
            other.kind, other.files, other.config_hash, other.dataset_versions
        )  # fmt: skip


@dataclass(frozen=True)
class Artifact:
    """A published folder; every file handed out has been checked against the manifest."""

    path: Path
    manifest: Manifest

    def file(self, name: str) -> Path:
        record = self.manifest.files.get(name)
        path = self.path / name
        if record is None:
            raise ArtifactCorrupt(path, f"not listed in {self.path / MANIFEST}")
        _verify(path, record.sha256, use_cache=True)
        return path

    def read_parquet(self, name: str) -> pl.DataFrame:
        """The frame ``name`` (``"daily"`` or ``"daily.parquet"``), checksum-verified."""
        return pl.read_parquet(self.file(name if name.endswith(".parquet") else f"{name}.parquet"))

    def verify(self) -> dict[str, Path]:
        """Every file, verified (uncached); returns name → path."""
        for name, record in self.manifest.files.items():
            _verify(self.path / name, record.sha256, use_cache=False)
        return {name: self.path / name for name in self.manifest.files}


def _verify(path: Path, expected: str, *, use_cache: bool) -> None:
    try:
        verify_sha256(path, expected, use_cache=use_cache)
    except ChecksumMismatch as exc:
        found = "the file is missing" if exc.actual is None else f"its sha256 is {exc.actual}"
        raise ArtifactCorrupt(path, f"{found}, the manifest says {expected}") from None


def is_published(path: Path | str) -> bool:
    return (Path(path) / MANIFEST).is_file()


def artifact_open(path: Path | str) -> Artifact:
    """The artifact published at ``path`` (`ArtifactNotFound` when nothing is, `ArtifactCorrupt` when broken)."""
    folder = Path(path)
    manifest_path = folder / MANIFEST
    try:
        text = manifest_path.read_text()
    except FileNotFoundError:
        legacy = [n for n in ("result.json", "metadata.json") if (folder / n).is_file()]
        if legacy:
            raise ArtifactCorrupt(folder / legacy[0], f"an old manifest format; {UPGRADE_HINT}") from None
        raise ArtifactNotFound(f"No published artifact at {folder} ({MANIFEST} is missing).") from None
    return Artifact(folder, Manifest.from_json(text, path=manifest_path))


FileWriter = Callable[[Path], object]


class ArtifactStage:
    """The hidden sibling a publish writes into; see `artifact_stage`."""

    def __init__(self, target: Path, kind: str) -> None:
        self.target, self.kind = target, kind
        self.folder = temp_path_for(target)
        self.files: dict[str, FileRecord] = {}

    def write(self, name: str, write: FileWriter, *, validate: Callable[[Path], None] | None = None) -> Path:
        """Write file ``name`` with ``write(path)`` (atomically; ``validate(tmp)`` may raise to abort)."""
        if name == MANIFEST or not name or "/" in name or name.startswith("."):
            raise ValueError(f"artifact file name {name!r} is reserved or not a plain file name")
        path = atomic_write(self.folder / name, write, validate=validate)
        self.files[name] = FileRecord(sha256=sha256_file(path), bytes=path.stat().st_size)
        return path

    def write_parquet(self, name: str, frame: pl.DataFrame) -> Path:
        """``frame`` as ``<name>.parquet`` (zstd), re-read as validation."""

        def validate(tmp: Path) -> None:
            if pl.read_parquet_schema(tmp) != frame.schema:
                raise ValueError(f"{tmp}: the written schema differs from the frame's")

        return self.write(
            f"{name}.parquet", lambda tmp: frame.write_parquet(tmp, compression="zstd"), validate=validate
        )

    def publish(
        self, *, dataset_versions: Mapping[str, Any], config_hash: str, summary: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None, replace: bool = False,
    ) -> Manifest:  # fmt: skip
        """Write the manifest last and rename the folder onto the target.

        An existing target with the same content (kind, files, config hash, dataset versions) is kept
        and its manifest returned (re-publishing is idempotent); a different one raises
        `ArtifactExists` unless ``replace``, which swaps it out (readers may see no folder for the
        instant between the two renames, never a mixed one).
        """
        manifest = Manifest(
            kind=self.kind, files=dict(self.files), dataset_versions=dict(dataset_versions),
            code_version=code_version(), config_hash=config_hash,
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            summary=dict(summary or {}), extra=dict(extra or {}),
        )  # fmt: skip
        atomic_write_text(self.folder / MANIFEST, manifest.to_json())
        fsync_dir(self.folder)
        old: Path | None = None
        if self.target.exists():
            current = _manifest_or_none(self.target)
            if current is not None and current.same_content(manifest):
                return current
            if not replace:
                raise ArtifactExists(f"{self.target} already holds another artifact (publish with replace=True)")
            old = temp_path_for(self.target)
            os.replace(self.target, old)
        os.replace(self.folder, self.target)
        fsync_dir(self.target.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        _remove_debris(self.target)
        return manifest


def _manifest_or_none(folder: Path) -> Manifest | None:
    try:
        return artifact_open(folder).manifest
    except (ArtifactCorrupt, ArtifactNotFound):
        return None


def _remove_debris(target: Path) -> None:
    """Hidden siblings of ``target`` left by killed writers."""
    for leftover in target.parent.glob(f".{target.name}{TMP_MARKER}*"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def artifact_stage(target: Path | str, *, kind: str) -> Iterator[ArtifactStage]:
    """Stage files for ``target``; the block calls ``stage.publish(...)``. On any exception (or no
    publish) the staged files are deleted and ``target`` is left as it was."""
    stage = ArtifactStage(Path(target), kind)
    stage.folder.parent.mkdir(parents=True, exist_ok=True)
    stage.folder.mkdir()
    try:
        yield stage
    finally:
        shutil.rmtree(stage.folder, ignore_errors=True)


def artifact_publish(
    target: Path | str, *, kind: str, frames: Mapping[str, pl.DataFrame] | None = None,
    files: Mapping[str, FileWriter] | None = None, dataset_versions: Mapping[str, Any], config_hash: str,
    summary: Mapping[str, Any] | None = None, extra: Mapping[str, Any] | None = None, replace: bool = False,
) -> Artifact:  # fmt: skip
    """Stage ``frames`` (as ``<name>.parquet``) and ``files`` ({file name: write(path)}) and publish them."""
    with artifact_stage(target, kind=kind) as stage:
        for name, frame in (frames or {}).items():
            stage.write_parquet(name, frame)
        for name, writer in (files or {}).items():
            stage.write(name, writer)
        manifest = stage.publish(dataset_versions=dataset_versions, config_hash=config_hash, summary=summary,
                                 extra=extra, replace=replace)  # fmt: skip
    return Artifact(Path(target), manifest)


def artifact_delete(target: Path | str) -> None:
    """Remove a published folder and any staging debris beside it."""
    path = Path(target)
    shutil.rmtree(path, ignore_errors=True)
    _remove_debris(path)
