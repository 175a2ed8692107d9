"""An article as an `articles` row, and back: the one mapping between the archive's rows and
:class:`~newsarchive.article.Article`.

A row holds the fields of :meth:`Article.to_dict`, in its order, each as a column can keep it: lists and
objects as JSON text, times as UTC text (which sorts) with the page's own offset beside them, and the day in
Israel for grouping. Reading a row back decodes those columns and hands them to :meth:`Article.from_dict`.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..article import Article
from ..dates import ISRAEL, format_utc, parse_utc
from ..extract.version import EXTRACTOR_VERSION

#: the fields of Article.to_dict that a row keeps as JSON text
JSON_FIELDS = frozenset({"authors", "images", "tags", "provenance", "warnings"})
#: the times of Article.to_dict: a row keeps each in UTC, with its ``_offset`` column beside it
TIME_FIELDS = frozenset({"published", "updated"})
#: record fields that say how an article was extracted, not what it says
_NOT_CONTENT = frozenset({"provenance", "extractor_version"})


class DamagedArchive(sqlite3.DatabaseError):
    """A row of the archive that cannot be read back as it was written (a damaged file, or one changed by
    hand): which article, and what is wrong."""


def rows_as_dicts(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(columns, row, strict=True))


def article_record(article: Article) -> dict[str, Any]:
    """The `articles` row of an article (without its id and store metadata)."""
    record: dict[str, Any] = {}
    for name, value in article.to_dict().items():
        if name in TIME_FIELDS:
            moment = getattr(article, name)
            record[name] = format_utc(moment)
            record[f"{name}_offset"] = _offset(moment)
            if name == "published":  # the day in Israel, for grouping and facets
                record["published_day"] = moment.astimezone(ISRAEL).date().isoformat() if moment else None
        elif name in JSON_FIELDS:
            record[name] = json.dumps(value, ensure_ascii=False)
        elif name == "paywalled":
            record[name] = int(value)
        else:
            record[name] = value
    record["extractor_version"] = EXTRACTOR_VERSION
    hashed = "".join(f"{key}\x1f{value}\x1e" for key, value in record.items() if key not in _NOT_CONTENT)
    record["content_hash"] = hashlib.sha256(hashed.encode()).hexdigest()[:32]
    return record


def record_to_article(row: dict[str, Any]) -> Article:
    """The article of an `articles` row; :class:`DamagedArchive` when the row cannot be read back."""
    try:
        data = dict(row)
        for name in JSON_FIELDS:
            data[name] = json.loads(row[name]) if row.get(name) else None
        for name in TIME_FIELDS:
            data[name] = from_utc(row.get(name), row.get(f"{name}_offset"))
        return Article.from_dict(data)
    except (TypeError, ValueError, AttributeError) as error:  # JSON that is not, or not of its shape
        raise DamagedArchive(f"the article {row.get('url')!r} is damaged in the archive ({error})") from None


def from_utc(value: str | None, offset: str | None) -> datetime | None:
    """A time as a row keeps it (UTC text, and the page's own offset) at that offset again."""
    moment = parse_utc(value)
    if moment is not None and offset:
        moment = moment.astimezone(datetime.fromisoformat("2000-01-01T00:00:00" + offset).tzinfo)
    return moment


def local_iso(value: str | None, offset: str | None) -> str | None:
    """A time as a row keeps it, as ISO 8601 text at the page's own offset."""
    moment = from_utc(value, offset)
    return moment.isoformat() if moment else None


def _offset(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat()[-6:] if value.utcoffset() is not None else None


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def storable(text: str | None) -> str | None:
    """Text as SQLite can store it (UTF-8): a lone surrogate (undecodable bytes of a file name, a JSON
    escape) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text) if text else text


def without_surrogates(article: Article) -> Article:
    """The article with each lone surrogate replaced by U+FFFD, so that it can be stored (and exported) as
    UTF-8: one page with a broken escape must not stop an import or a crawl."""

    def repaired(value: Any) -> Any:
        if isinstance(value, str):
            return storable(value)
        if isinstance(value, list):
            return [repaired(item) for item in value]
        if isinstance(value, dict):
            return {repaired(key): repaired(item) for key, item in value.items()}
        return value

    data = article.to_dict() | {"body_paragraphs": list(article.paragraphs)}
    return Article.from_dict(repaired(data))


def other_scheme(url: str) -> str:
    """The address with the other web scheme (http for https): the archive counts both as one."""
    if url.startswith("https://"):
        return "http://" + url[len("https://") :]
    if url.startswith("http://"):
        return "https://" + url[len("http://") :]
    return url


def scheme_blind(url: str) -> str:
    """One key for the http:// and https:// forms of an address."""
    return "https://" + url[len("http://") :] if url.startswith("http://") else url
