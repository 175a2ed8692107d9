"""The archive: SQLite storage with Hebrew-aware full-text search.

Its names load on first use, so that a command importing only where the archive is (``location``) does not
wait for the database library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .archive import Archive, StorageError
    from .archive_file import NotAnArchive
    from .location import DB_ENV, DEFAULT_DB, default_db_path
    from .query import QueryError, parse_query
    from .search import Hit

#: name -> the module of this package that defines it
_HOMES = {
    "Archive": "archive",
    "Hit": "search",
    "NotAnArchive": "archive_file",
    "StorageError": "archive",
    "DB_ENV": "location",
    "DEFAULT_DB": "location",
    "default_db_path": "location",
    "QueryError": "query",
    "parse_query": "query",
}

__all__ = [
    "DB_ENV",
    "DEFAULT_DB",
    "Archive",
    "Hit",
    "NotAnArchive",
    "QueryError",
    "StorageError",
    "default_db_path",
    "parse_query",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
