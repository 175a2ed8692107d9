"""What the search index holds for an article, shared by the write path and the schema migrations."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from .batches import insert_rows, overlapped
from .hebrew import index_text, tokens

FTS_TABLE = "articles_fts"
#: The index text is already normalised and split (hebrew.tokens), its tokens joined by spaces: FTS5's
#: plain byte tokenizer reads it as it is, a fifth faster than unicode61.
FTS_TOKENIZER = "ascii"
#: FTS5 merges index segments 8 at a time instead of 4: bulk ingest runs about a tenth faster
AUTOMERGE = 8
#: FTS5 keeps up to 16 MB of new entries in memory before writing them out as a segment, instead of 1 MB:
#: a batch of 2,000 articles is one segment rather than several to merge (at a million articles the index
#: insert takes a fifth less time; benchmarks.md)
HASHSIZE = 16 * 1024 * 1024
#: articles read, prepared and inserted at a time when the index is built again
REBUILD_BATCH = 2000


def index_columns(
    headline: str | None, subtitle: str | None, body: str | None, captions: list[str]
) -> tuple[str, str]:
    """The `headline` and `text` columns of the index: the headline's words, and the other words
    (subtitle, body, captions), each as its index form."""
    rest = " ".join(filter(None, [subtitle, body, *captions]))
    return index_text(tokens(headline or "")), index_text(tokens(rest))


def create_index(conn: sqlite3.Connection) -> None:
    conn.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(headline, text, tokenize = '{FTS_TOKENIZER}')")
    conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('automerge', {AUTOMERGE})")
    conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('hashsize', {HASHSIZE})")


#: what the index is made from: an article's id, headline, subtitle, body and captions
_Stored = tuple[int, str | None, str | None, str | None, list[str]]


def rebuild_index(conn: sqlite3.Connection) -> int:
    """Drop the index and fill it again from the stored articles; returns how many were indexed."""
    conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    create_index(conn)
    count = 0

    def prepare(batch: list[_Stored]) -> list[list[Any]]:
        return [[i, *index_columns(h, s, b, captions)] for i, h, s, b, captions in batch]

    def write(rows: list[list[Any]]) -> None:
        nonlocal count
        insert_rows(conn, FTS_TABLE, ["rowid", "headline", "text"], rows)
        count += len(rows)

    overlapped(_stored_articles(conn), prepare, write)
    return count


def _stored_articles(conn: sqlite3.Connection) -> Iterator[list[_Stored]]:
    """The stored articles in batches of REBUILD_BATCH, each with its captions (read batch by batch, so a
    rebuild holds two batches in memory, not every caption of the archive)."""
    articles = conn.execute("SELECT id, headline, subtitle, body FROM articles ORDER BY id")
    while batch := articles.fetchmany(REBUILD_BATCH):
        captions: dict[int, list[str]] = defaultdict(list)
        for article_id, caption in conn.execute(
            "SELECT article_id, caption FROM images WHERE article_id BETWEEN ? AND ?"
            " AND caption IS NOT NULL AND caption != '' ORDER BY article_id, position",
            (batch[0][0], batch[-1][0]),
        ):
            captions[article_id].append(caption)
        yield [(i, h, s, b, captions.get(i, [])) for i, h, s, b in batch]


def index_texts(conn: sqlite3.Connection, ids: list[int], batch: int = REBUILD_BATCH) -> Iterator[list[str]]:
    """What the index holds of each article (its headline's index tokens, then the rest's), in the order
    of ``ids``, ``batch`` articles at a time ("" for an article the index lacks): the words of an article
    as `words` and `similar` count them, already normalised and without their prefixes' ambiguity."""
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        texts = dict(
            conn.execute(
                f"SELECT f.rowid, f.headline || ' ' || f.text FROM json_each(?) j"
                f" JOIN {FTS_TABLE} f ON f.rowid = j.value",
                (json.dumps(chunk),),
            )
        )
        yield [texts.get(i, "") for i in chunk]
