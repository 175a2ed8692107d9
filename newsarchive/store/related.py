"""`similar`: how other sites covered one article's story, from copies of it to accounts written apart.

Every article of another site published within ±days of the article is compared with it by the cosine of
their tf-idf word vectors (Salton's vector-space model, compared with every article of the window). A word
counts under the form the search index reads it as, its prefixes left (לממשלה and ממשלה are one word), from
the headline, subtitle, body and captions; stop words, numbers and one-letter words are left out. A word
weighs 1 + log of its count, times its inverse document frequency over the articles compared: a word that
all that week's news uses tells little of which story an article is.

The window is read whole and compared exactly. An OR query of an article's telling words through the
search index, ranked by bm25 (the way of Lucene's MoreLikeThis), was tried first: at a million articles it
took 1.3 to 14 s, where reading and comparing the window's 7,400 index texts takes 0.7 s, and it finds what
the query's cut-off would lose.

Each article found carries ``copy`` when it is a near-duplicate of the article: their bodies' similarity
as `dedup` measures it (:func:`.dedup.pair_similarity`), from :data:`.dedup.PAIR_FLOOR` up: how much of the
text is the same, where ``similarity`` says how near the subject is. It is measured on the bodies of the
articles found, not read from the stored pairs, so `similar` needs no catch-up and writes nothing.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any

from ..dates import format_utc, parse_utc
from .analysis import is_content_word, word_of
from .dedup import PAIR_FLOOR, Text, comparable, pair_similarity
from .records import other_scheme
from .search_index import index_texts

if TYPE_CHECKING:
    import numpy as np

#: index texts read at a time
READ_BATCH = 2000
#: the most articles a window may hold: past this, ask for fewer days (each article's distinct words are
#: held with their counts while the window is compared: 49,000 articles of 150 words took 321 MB at peak)
MAX_WINDOW = 50_000


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
    first, then the earliest, then by URL (see the module; those that share no word left out). Raises
    LookupError for an address the archive does not hold (either scheme), ValueError for an article that
    cannot be compared or a window too large, and for ``days`` or ``top`` out of range."""
    if not days > 0:  # NaN too
        raise ValueError(f"days must be more than 0, not {days}")
    if not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a whole number of 1 or more, not {top!r}")
    row = conn.execute(
        "SELECT id, site, published, body FROM articles WHERE url IN (?, ?) ORDER BY url = ? DESC",
        (url, other_scheme(url), url),
    ).fetchone()
    if row is None:
        raise LookupError(f"no article at {url} in the archive")
    article_id, site, published, body = row
    moment = parse_utc(published) if published else None
    if moment is None:
        raise ValueError(f"{url} has no publication time that can be read: no window of days around it")
    window = {
        i: (when or "", address)
        for i, when, address in conn.execute(
            "SELECT id, published, url FROM articles WHERE published BETWEEN ? AND ? AND site <> ?",
            (*_bounds(moment, days), site),
        )
    }
    if len(window) > MAX_WINDOW:
        raise ValueError(
            f"±{days:g} days around {url} hold {len(window):,} articles of other sites, more than similar"
            f" compares ({MAX_WINDOW:,}): ask for fewer days"
        )
    ids = list(window)
    scores = _cosines(index_texts(conn, [article_id, *ids], READ_BATCH), 1 + len(ids))
    if scores[0] == 0:
        raise ValueError(f"{url} has no words to compare (its text is empty or stop words only)")
    best = heapq.nsmallest(
        top,
        (
            (-min(float(score), 1.0), *window[i], i)
            for i, score in zip(ids, scores[1:], strict=True)
            if score > 0
        ),
    )
    return _described(conn, comparable(body), [(-negated, i) for negated, _, _, i in best])


def _bounds(moment: datetime, days: float) -> tuple[str, str]:
    """The first and last publication time within ``days`` of ``moment``, as the archive writes times (a
    window past the calendar's ends reaches to them)."""
    try:
        low = format_utc(moment - timedelta(days=days))
    except OverflowError:
        low = "0000-01-01T00:00:00Z"
    try:
        high = format_utc(moment + timedelta(days=days))
    except OverflowError:
        high = "9999-12-31T23:59:59Z"
    return low or "", high or ""


def _cosines(chunks: Iterable[list[str]], count: int) -> np.ndarray:
    """The cosine of each of ``count`` texts' tf-idf vector with the first text's (1 for the first itself,
    0 for a text of no content word): a word weighs 1 + log of its count, times log((1 + n) / (1 + its
    document frequency)) + 1 over these n texts. Counted in arrays, chunk by chunk: a window holds millions
    of words, and only each text's distinct words and their counts are kept (12 bytes each, 4 more while
    the weights are worked out)."""
    import numpy as np

    vocabulary = _Vocabulary()
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    first = 0
    for texts in chunks:
        columns = [vocabulary.numbers(text) for text in texts]
        doc = np.repeat(np.arange(first, first + len(texts), dtype=np.int64), [len(c) for c in columns])
        word = np.fromiter(chain.from_iterable(columns), dtype=np.int64, count=len(doc))
        # one key per (text, word) of a content word; its count is how often the text has the word
        keys, counts = np.unique((doc << 32)[word >= 0] + word[word >= 0], return_counts=True)
        for kept, part in zip(parts, (keys >> 32, keys & 0xFFFFFFFF, counts), strict=True):
            kept.append(part.astype(np.int32))
        first += len(texts)
    doc, word, weight = (_joined(kept) for kept in parts)
    idf = np.log((1 + count) / (1 + np.bincount(word, minlength=vocabulary.size))).astype(np.float32) + 1
    weight = np.log(weight, dtype=np.float32)
    weight += 1
    weight *= idf[word]
    mine = np.zeros(vocabulary.size, dtype=np.float32)
    mine[word[doc == 0]] = weight[doc == 0]
    shared = mine[word] > 0  # the entries of the first text's words: the rest add nothing to a dot product
    dots = np.bincount(doc[shared], weight[shared] * mine[word[shared]], minlength=count)
    del shared
    np.square(weight, out=weight)
    norms = np.sqrt(np.bincount(doc, weight, minlength=count))
    if norms[0] == 0:
        return np.zeros(count)
    return np.divide(dots, norms * norms[0], out=np.zeros(count), where=norms > 0)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The parts as one array, each part let go as soon as it is copied."""
    import numpy as np

    joined = np.empty(sum(len(part) for part in parts), dtype=np.int32)
    start = 0
    while parts:
        part = parts.pop(0)
        joined[start : start + len(part)] = part
        start += len(part)
    return joined


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
    conn: sqlite3.Connection, source: tuple[Text, Text] | None, scored: list[tuple[float, int]]
) -> list[SimilarArticle]:
    """The scored articles (score, id), in their order, as SimilarArticles, each with its ``copy``
    similarity to the source body (its :func:`.dedup.comparable` texts) from :data:`.dedup.PAIR_FLOOR` up."""
    rows = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT a.id, a.url, a.site, a.headline, a.published, a.body FROM json_each(?) j"
            " JOIN articles a ON a.id = j.value",
            (json.dumps([i for _, i in scored]),),
        )
    }
    found = []
    for score, i in scored:
        if i in rows:  # deleted since the window was read: left out
            *described, body = rows[i]
            theirs = comparable(body)
            copy = None if source is None or theirs is None else pair_similarity(source, theirs)
            found.append(SimilarArticle(*described, score, copy if copy and copy >= PAIR_FLOOR else None))
    return found
