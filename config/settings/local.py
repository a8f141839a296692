"""The embedded default: SQLite and the Parquet warehouse under data/, optional Redis.

Errors show the console's own 404/403/500 pages; Django's debug page (tracebacks, settings) only
with an explicit ``DEBUG=1``.
"""

from __future__ import annotations

from config.env import env_bool

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = env_bool("DEBUG", False)
# runserver serves static files only under DEBUG; WhiteNoise serves them straight from the app
# folders (no collectstatic needed) and picks up edits.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
DATA_DIR.mkdir(parents=True, exist_ok=True)
