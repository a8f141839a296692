"""A minimal `warehouse.sources.sink.Sink` for tests: one Parquet file per version plus a CURRENT pointer.

Stands in for ``warehouse.publish.publish_dataset`` until the storage branch is merged.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from quant.io import atomic_write, atomic_write_text


class ParquetSink:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.published: list[dict[str, object]] = []

    def _current_path(self, dataset: str) -> Path:
        return self.root / dataset / "CURRENT.json"

    def current_version(self, dataset: str) -> str | None:
        path = self._current_path(dataset)
        return json.loads(path.read_text())["version"] if path.exists() else None

    def publish(
        self,
        dataset: str,
        frame: pl.DataFrame,
        *,
        source: str,
        query_hash: str,
        writer: str,
        expected_rows: int | None,
    ) -> str:
        if expected_rows is not None and frame.height != expected_rows:
            raise ValueError(f"{dataset}: expected {expected_rows} rows, got {frame.height}")
        previous = self.current_version(dataset)
        version = f"v{int(previous[1:]) + 1 if previous else 1:04d}"
        atomic_write(self.root / dataset / f"{version}.parquet", frame.write_parquet)
        meta = {"version": version, "source": source, "query_hash": query_hash, "writer": writer, "rows": frame.height}
        atomic_write_text(self._current_path(dataset), json.dumps(meta))
        self.published.append({"dataset": dataset, **meta})
        return version

    def read_current(self, dataset: str) -> pl.DataFrame | None:
        version = self.current_version(dataset)
        return None if version is None else pl.read_parquet(self.root / dataset / f"{version}.parquet")


def factory() -> ParquetSink:
    """For ``settings.WAREHOUSE_SINK`` in command tests: a sink under the test session's WAREHOUSE_DIR."""
    from django.conf import settings

    return ParquetSink(Path(settings.WAREHOUSE_DIR) / "_test_sink")
