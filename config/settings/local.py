"""The embedded default: SQLite and the Parquet warehouse under data/, optional Redis."""

from __future__ import annotations

from config.env import env_bool

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = env_bool("DEBUG", True)
DATA_DIR.mkdir(parents=True, exist_ok=True)
