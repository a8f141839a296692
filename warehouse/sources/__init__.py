"""Data sources the warehouse can publish from.

Each source is a pure generator or fetcher that returns WRDS-shaped polars frames following the
dataset contract (``SCHEMAS.md``); storage, validation and publishing live in the warehouse
services. ``warehouse.sources.demo`` is the deterministic synthetic source with a planted factor
model (see ``docs/demo-data.md``).
"""
