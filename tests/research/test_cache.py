from __future__ import annotations

import polars as pl
import pytest

from research.cache import FeatureCache, cache_key


@pytest.fixture
def cache(settings, tmp_path) -> FeatureCache:
    settings.LOCKS_DIR = tmp_path / "locks"
    return FeatureCache(tmp_path / "cache")


def test_miss_then_hit_then_invalidation_on_dataset_or_definition_change(cache: FeatureCache) -> None:
    calls: list[int] = []

    def compute() -> pl.DataFrame:
        calls.append(1)
        return pl.DataFrame({"x": [len(calls)]})

    first = cache.get_or_compute("f", definition_hash="d1", dataset_versions={"crsp_daily": 1}, compute=compute)
    again = cache.get_or_compute("f", definition_hash="d1", dataset_versions={"crsp_daily": 1}, compute=compute)
    assert first["x"].to_list() == again["x"].to_list() == [1]
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    new_data = cache.get_or_compute("f", definition_hash="d1", dataset_versions={"crsp_daily": 2}, compute=compute)
    assert new_data["x"].to_list() == [2] and cache.stats.misses == 2
    new_def = cache.get_or_compute("f", definition_hash="d2", dataset_versions={"crsp_daily": 2}, compute=compute)
    assert new_def["x"].to_list() == [3] and cache.stats.misses == 3
    # one live entry per name: the stale files were evicted
    assert len(list((cache.root / "f").glob("*.parquet"))) == 1
    assert cache.get("f", definition_hash="d1", dataset_versions={"crsp_daily": 1}) is None


def test_key_ignores_mapping_order_but_not_values() -> None:
    assert cache_key("d", {"a": 1, "b": 2}) == cache_key("d", {"b": 2, "a": 1})
    assert cache_key("d", {"a": 1}) != cache_key("d", {"a": 2})
    assert cache_key("d", {"a": 1}) != cache_key("e", {"a": 1})
