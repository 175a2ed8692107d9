"""The archive: SQLite storage with Hebrew-aware full-text search."""

from .archive import DB_ENV, DEFAULT_DB, Archive, FetchedPage, Hit, StorageError, default_db_path
from .query import QueryError, parse_query

__all__ = [
    "DB_ENV",
    "DEFAULT_DB",
    "Archive",
    "FetchedPage",
    "Hit",
    "QueryError",
    "StorageError",
    "default_db_path",
    "parse_query",
]
