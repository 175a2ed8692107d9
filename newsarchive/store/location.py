"""Where the archive is by default: light enough for every command to import."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = Path("data") / "archive.db"
DB_ENV = "NEWSARCHIVE_DB"


def default_db_path() -> Path:
    """``$NEWSARCHIVE_DB``, else data/archive.db."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)
