"""The one atomic-write and checksum implementation everything else uses.

`atomic_write` writes beside the target, fsyncs, validates, renames over the target and fsyncs the
directory, so a reader sees either the old file or the new one — never half a file — and a crash at
any point leaves the old file intact (at worst a `.tmp-*` sibling is left for cleanup).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import polars as pl

CHUNK = 1 << 20
TMP_MARKER = ".tmp-"


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ChecksumMismatch(RuntimeError):
    """A file's bytes no longer match the sha256 recorded for it (``actual`` is None: the file is missing)."""

    def __init__(self, path: Path, expected: str, actual: str | None) -> None:
        self.path = path
        self.expected = expected
        self.actual = actual
        found = "the file is missing" if actual is None else f"found {actual}"
        super().__init__(f"Checksum mismatch for {path}: manifest says {expected}, {found}.")


# Verified once per process per file; the key includes mtime and size so a rewritten file (same
# path, new bytes) is hashed again.
_VERIFIED: set[tuple[str, int, int, str]] = set()


def verify_sha256(
    path: Path, expected: str, *, use_cache: bool = True, error: type[ChecksumMismatch] = ChecksumMismatch
) -> None:
    """Raise ``error`` (a `ChecksumMismatch`) naming ``path`` when its bytes do not hash to ``expected``."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise error(path, expected, None) from None
    key = (str(path), stat.st_mtime_ns, stat.st_size, expected)
    if use_cache and key in _VERIFIED:
        return
    actual = sha256_file(path)
    if actual != expected:
        raise error(path, expected, actual)
    _VERIFIED.add(key)


def mark_verified(path: Path, sha256: str) -> None:
    """Record that ``path`` holds the bytes of ``sha256`` (its writer just hashed them): the next
    `verify_sha256` in this process skips re-hashing it."""
    stat = path.stat()
    _VERIFIED.add((str(path), stat.st_mtime_ns, stat.st_size, sha256))


def fsync_dir(path: Path | str) -> None:
    """fsync a directory so a rename inside it survives a power loss."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARKER}{uuid.uuid4().hex}")


def atomic_write(
    path: Path | str,
    write: Callable[[Path], object],  # its return value (bytes written, ...) is ignored
    *,
    validate: Callable[[Path], None] | None = None,
) -> Path:
    """Create or replace ``path`` atomically.

    ``write(tmp)`` must create the temporary file ``tmp`` (same directory, so the rename is atomic).
    ``validate(tmp)`` may raise to abort: the temporary file is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(target)
    try:
        write(tmp)
        if not tmp.exists():
            raise FileNotFoundError(f"atomic_write: the writer did not create {tmp}")
        _fsync_file(tmp)
        if validate is not None:
            validate(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


def atomic_write_bytes(path: Path | str, data: bytes, *, validate: Callable[[Path], None] | None = None) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data), validate=validate)


def atomic_write_text(path: Path | str, text: str, *, validate: Callable[[Path], None] | None = None) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), validate=validate)


# --- CSV exports -------------------------------------------------------------------------------
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"); tab
# and CR are there because some spreadsheets strip them and then see the next character.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_safe(value: object) -> object:
    """``value`` as it may go into a CSV cell: a string that a spreadsheet would run as a formula
    gets a leading ``'`` (shown as text, never evaluated). Numbers, and strings that are a plain
    number such as ``-1.5``, are left alone, so negative values stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with :func:`csv_safe` applied to every string column (before ``write_csv``)."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(r"^[=+\-@\t\r]") & ~pl.col(name).str.contains(rf"^{_PLAIN_NUMBER.pattern}$"))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as one CSV line with every cell through :func:`csv_safe` (for a streaming
    response: ``StreamingHttpResponse(csv_lines(rows), content_type="text/csv")``)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])
