"""References from downstream results to the dataset versions they read (protects them from gc)."""

from __future__ import annotations

from warehouse.datasets import get_spec
from warehouse.models import DatasetReference


def add_reference(dataset: str, version: int, holder: str) -> DatasetReference:
    """Record that ``holder`` depends on ``dataset`` at ``version`` (idempotent)."""
    get_spec(dataset)
    ref, _ = DatasetReference.objects.get_or_create(dataset=dataset, version=version, holder=holder)
    return ref


def remove_reference(dataset: str, version: int, holder: str) -> int:
    """Drop ``holder``'s reference; returns how many rows were deleted (0 or 1)."""
    deleted, _ = DatasetReference.objects.filter(dataset=dataset, version=version, holder=holder).delete()
    return deleted


def holders(dataset: str, version: int) -> list[str]:
    return list(
        DatasetReference.objects.filter(dataset=dataset, version=version)
        .order_by("holder")
        .values_list("holder", flat=True)
    )


def referenced_versions(dataset: str) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for version, holder in DatasetReference.objects.filter(dataset=dataset).values_list("version", "holder"):
        found.setdefault(version, []).append(holder)
    return found
