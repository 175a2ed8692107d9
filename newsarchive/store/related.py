"""`similar`: how other sites covered one article's story, from copies of it to accounts written apart.

Every article of another site published within ±days of the article is compared with it by the cosine of
their tf-idf word vectors (the vector-space "more like this" of Salton, and of Lucene's MoreLikeThis). A word
counts under the form the search index reads it as, its prefixes left (לממשלה and ממשלה are one word), from
the headline, subtitle, body and captions; stop words, numbers and one-letter words are left out. A word
weighs 1 + log of its count, times its inverse document frequency over the articles compared: a word that
all that week's news uses tells little of which story an article is.

The window is read whole and compared exactly. An OR query of an article's telling words through the
search index, ranked by bm25, was tried first: at a million articles it took 1.3 to 14 s, where reading the
window's 7,400 index texts takes well under a second, and it finds what the query's cut-off would lose.

Each article found carries ``copy`` when it is a near-duplicate of the article: their bodies' similarity
as `dedup` measures it (:func:`.dedup.body_similarity`), from :data:`.dedup.PAIR_FLOOR` up: how much of the
text is the same, where ``similarity`` says how near the subject is. It is measured on the bodies of the
articles found, not read from the stored pairs, so `similar` needs no catch-up and writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..dates import format_utc, parse_utc
from .analysis import is_content_word, word_of
from .dedup import PAIR_FLOOR, body_similarity
from .records import other_scheme
from .search_index import FTS_TABLE

if TYPE_CHECKING:
    import numpy as np

#: index texts read at a time
READ_BATCH = 2000
#: the most articles a window may hold: past this, ask for fewer days (each article's distinct words are
#: held with their counts: 100,000 articles of 300 distinct words take some 360 MB)
MAX_WINDOW = 100_000


@dataclass(frozen=True)
class SimilarArticle:
    url: str
    site: str
    headline: str | None
    published: str | None
    #: the cosine of the two articles' tf-idf word vectors, 0 to 1
    similarity: float
    #: the near-duplicate pair's similarity (store/dedup.py) when the two are copies, else None
    copy: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "similarity": round(self.similarity, 4),
            "copy": None if self.copy is None else round(self.copy, 4),
        }


def similar(conn: sqlite3.Connection, url: str, *, days: float = 3, top: int = 10) -> list[SimilarArticle]:
    """The ``top`` articles of other sites published within ``days`` of the article at ``url``, the closest
    first (see the module; those that share no word left out). Raises LookupError for an address the
    archive does not hold (either scheme), ValueError for an article that cannot be compared."""
    row = conn.execute(
        "SELECT id, site, published FROM articles WHERE url IN (?, ?) ORDER BY url = ? DESC",
        (url, other_scheme(url), url),
    ).fetchone()
    if row is None:
        raise LookupError(f"no article at {url} in the archive")
    article_id, site, published = row
    if published is None:
        raise ValueError(f"{url} has no publication time: no window of days around it")
    moment = parse_utc(published)
    window = (format_utc(moment - timedelta(days=days)), format_utc(moment + timedelta(days=days)))
    ids = [
        i
        for (i,) in conn.execute(
            "SELECT id FROM articles WHERE published BETWEEN ? AND ? AND site <> ?", (*window, site)
        )
    ]
    if len(ids) > MAX_WINDOW:
        raise ValueError(
            f"±{days:g} days around {url} hold {len(ids):,} articles of other sites, more than similar"
            f" compares ({MAX_WINDOW:,}): ask for fewer days"
        )
    scores = _cosines(_index_texts(conn, [article_id, *ids]), 1 + len(ids))
    if scores[0] == 0:
        raise ValueError(f"{url} has no words to compare (its text is empty or stop words only)")
    best = sorted((-float(score), i) for i, score in zip(ids, scores[1:], strict=True) if score > 0)
    return _described(conn, article_id, best[:top])


def _index_texts(conn: sqlite3.Connection, ids: list[int]) -> Iterator[list[str]]:
    """The search index's own text of each article (headline, subtitle, body, captions as index tokens),
    in the order of ``ids``, :data:`READ_BATCH` at a time ("" for an article the index lacks)."""
    for start in range(0, len(ids), READ_BATCH):
        chunk = ids[start : start + READ_BATCH]
        texts = dict(
            conn.execute(
                f"SELECT f.rowid, f.headline || ' ' || f.text FROM json_each(?) j"
                f" JOIN {FTS_TABLE} f ON f.rowid = j.value",
                (json.dumps(chunk),),
            )
        )
        yield [texts.get(i, "") for i in chunk]


def _cosines(chunks: Iterable[list[str]], count: int) -> np.ndarray:
    """The cosine of each of ``count`` texts' tf-idf vector with the first text's (1 for the first itself,
    0 for a text of no content word): a word weighs 1 + log of its count, times log((1 + n) / (1 + its
    document frequency)) + 1 over these n texts. Counted in arrays, chunk by chunk: a window holds a million
    words and more, and only each text's distinct words and their counts are kept."""
    import numpy as np

    vocabulary = _Vocabulary()
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    first = 0
    for texts in chunks:
        columns = [vocabulary.numbers(text) for text in texts]
        doc = np.repeat(np.arange(first, first + len(texts), dtype=np.int64), [len(c) for c in columns])
        word = np.fromiter(chain.from_iterable(columns), dtype=np.int64, count=len(doc))
        # one key per (text, word) of a content word; its count is how often the text has the word
        keys, counts = np.unique((doc << 32)[word >= 0] + word[word >= 0], return_counts=True)
        kept.append(tuple(part.astype(np.int32) for part in (keys >> 32, keys & 0xFFFFFFFF, counts)))
        first += len(texts)
    doc, word, counts = (np.concatenate(part) for part in zip(*kept, strict=True))
    frequency = np.bincount(word, minlength=vocabulary.size)
    weight = (1 + np.log(counts)) * (np.log((1 + count) / (1 + frequency)) + 1)[word]
    norms = np.sqrt(np.bincount(doc, weight * weight, minlength=count))
    if norms[0] == 0:
        return np.zeros(count)
    mine = np.zeros(vocabulary.size)
    mine[word[doc == 0]] = weight[doc == 0]
    dots = np.bincount(doc, weight * mine[word], minlength=count)
    return np.divide(dots, norms * norms[0], out=np.zeros(count), where=norms > 0)


class _Vocabulary:
    """A number for each content word, each distinct token worked out once (-1: no content word)."""

    def __init__(self) -> None:
        self.of_token: dict[str, int] = {}
        self.words: dict[str, int] = {}

    @property
    def size(self) -> int:
        return max(len(self.words), 1)

    def numbers(self, text: str) -> list[int]:
        """The word number of each of an index text's tokens, in order."""
        tokens = text.split()
        self.of_token.update((token, self._number(token)) for token in set(tokens).difference(self.of_token))
        return list(map(self.of_token.__getitem__, tokens))

    def _number(self, token: str) -> int:
        word = word_of(token)
        return self.words.setdefault(word, len(self.words)) if is_content_word(word) else -1


def _described(
    conn: sqlite3.Connection, article_id: int, scored: list[tuple[float, int]]
) -> list[SimilarArticle]:
    """The scored articles (negated score, id) as SimilarArticles, each with its ``copy`` similarity to the
    article, the closest first, then by time and URL."""
    (body,) = conn.execute("SELECT body FROM articles WHERE id = ?", (article_id,)).fetchone()
    rows = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT a.id, a.url, a.site, a.headline, a.published, a.body FROM json_each(?) j"
            " JOIN articles a ON a.id = j.value",
            (json.dumps([i for _, i in scored]),),
        )
    }
    found = []
    for negated, i in scored:
        if i in rows:
            *described, other_body = rows[i]
            copy = body_similarity(body, other_body)
            found.append(SimilarArticle(*described, -negated, copy if copy and copy >= PAIR_FLOOR else None))
    found.sort(key=lambda s: (-s.similarity, s.published or "", s.url))
    return found
