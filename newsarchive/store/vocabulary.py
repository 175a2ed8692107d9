"""Prefix terms and the index's vocabulary: the forms under which the words a prefix term (מספ*) names lie
in the index although their stems do not begin with its letters (מספר, indexed as "ספרxמ").

Shared by `Archive.search` and Datasette's `hebrew_match`, over any connection to an archive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

from .hebrew import prefix_query_form, prefix_query_splits
from .query import ParsedQuery, QueryError
from .search_index import FTS_TABLE

#: a prefix term (מס*) may reach at most this many index forms beyond the stems that begin with its
#: letters (each is one more FTS5 prefix query: about 1-2 ms each at 100,000 articles)
MAX_PREFIX_FORMS = 300
#: and all the prefix terms of one query together (32 terms of 300 forms each took a minute to rank)
MAX_QUERY_PREFIX_FORMS = 2 * MAX_PREFIX_FORMS
#: the index's vocabulary, as FTS5 lists it (a temporary table of each connection)
VOCABULARY = "temp.articles_fts_vocabulary"


def expand_prefixes(parsed: ParsedQuery, db: Any) -> None:
    """Fill ``parsed.prefix_forms`` from the index of ``db`` (an sqlite3 or sqlite-utils connection).

    Each range of the vocabulary is read once for the whole query, and each (tail, rest) split judged once
    per index term, whatever the number of terms sharing it: a query of many terms whose letters are all
    prefix letters (של* OR וה* OR ...) read the whole vocabulary once per term, a second each at 60,000
    articles. Past MAX_PREFIX_FORMS for a term, or MAX_QUERY_PREFIX_FORMS for the query (each form is one
    more prefix query to rank), it is refused with a QueryError."""
    letters_of_query = parsed.prefix_letters()
    splits: dict[str, dict[str, list[str]]] = {}  # rest -> tail -> the letters split so
    for letters in letters_of_query:
        for tail, rest in prefix_query_splits(letters):
            splits.setdefault(rest, {}).setdefault(tail, []).append(letters)
    forms: dict[str, set[str]] = {letters: set() for letters in letters_of_query}
    total = 0
    for rest, tails in splits.items():
        for term in vocabulary(db, rest):
            for tail, owners in tails.items():
                form = prefix_query_form(term, tail, rest)
                for letters in owners if form is not None else ():
                    if form in forms[letters]:
                        continue
                    forms[letters].add(form)
                    total += 1
                    _check_prefix_forms(letters, len(forms[letters]), total)
    for letters in letters_of_query:
        parsed.prefix_forms[letters] = tuple(sorted(forms[letters]))


def vocabulary(db: Any, beginning: str) -> Iterator[str]:
    """The index terms that begin with ``beginning`` (every term when it is empty), from FTS5's own sorted
    list of them (a range of it: 846 terms in 5 ms at 100,000 articles; all 300,000 in 0.8 s)."""
    open_vocabulary(db)
    if not beginning:
        cursor = db.execute(f"SELECT term FROM {VOCABULARY}")
    else:
        after = beginning[:-1] + chr(ord(beginning[-1]) + 1)
        cursor = db.execute(f"SELECT term FROM {VOCABULARY} WHERE term >= ? AND term < ?", (beginning, after))
    for (term,) in cursor:
        yield term


def open_vocabulary(db: Any) -> None:
    """Make the connection's view of the vocabulary (a temporary table: a read-only archive can have it)."""
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCABULARY} USING fts5vocab(main, {FTS_TABLE}, 'row')")


def has_index(db: sqlite3.Connection) -> bool:
    """Whether ``db`` holds an archive's search index (Datasette serves other databases too)."""
    try:
        return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (FTS_TABLE,)).fetchone() is not None
    except sqlite3.Error:
        return False


def _check_prefix_forms(letters: str, forms: int, total: int) -> None:
    if forms > MAX_PREFIX_FORMS:
        raise QueryError(
            f"{letters}* matches too many words (more than {MAX_PREFIX_FORMS} forms): type more letters"
        )
    if total > MAX_QUERY_PREFIX_FORMS:
        raise QueryError(
            f"the query's prefix terms together match too many words (more than {MAX_QUERY_PREFIX_FORMS}"
            " forms): type more letters, or fewer terms with *"
        )
