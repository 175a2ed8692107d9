"""Near-duplicate stories: republished agency copy, a story two sites of one CMS share, a flash reposted.

A body is read as its words after the search normalisation (:func:`.hebrew.tokens`). Two bodies are as similar
as the larger of two measures (:func:`pair_similarity`): the share of their words they have in common in order
(2·LCS / (m + n), rapidfuzz's Indel similarity), which a few edited words lower by a few words' worth whatever
the length of the body, times the agreement of their numbers (a template filled with other figures, such as
a daily forecast, shares its wording and is another report); and the Jaccard similarity of their 3-word
shingles, which keeps a copy with its paragraphs reordered near. Each is taken of the whole bodies and of the
bodies after their first paragraph (:func:`comparable`): a copy is often republished under a lead of its
own, which alone would put a three-paragraph flash at 0.5. (The shingles' Jaccard alone made a 40-word flash
with three words edited a 0.6: one edit breaks three shingles.)

Each article's latest body after its lead is summed up as a MinHash signature of 128 permutations
(`datasketch`); candidates come from locality-sensitive hashing kept in SQLite: 32 bands of 4 rows, each
band's hash one row of `dedup_bands` keyed by (hash, article), so a new article's candidates are one indexed
join, not a pass over the archive. A candidate pair is kept in `dedup_pairs` when its similarity (measured
on the two bodies: candidates are few) is at least :data:`PAIR_FLOOR`. Groups are
the connected components of the pairs at or above a threshold, each labelled by its first-published member
(then the smallest URL): a pair's similarity depends on the two bodies alone, so the groups are the same
whatever order the articles arrived in, and adding articles one at a time gives the groups a full recount
gives. `dedup_groups` holds the groups at :data:`GROUP_THRESHOLD` (each article that has a near-duplicate,
with its group's first-published member), which `export --dedup` and `--collapse` read.

The work is a catch-up (:func:`catch_up`) of the articles marked in `dedup_pending` by the archive's triggers
(an article inserted, its body changed, an article deleted): they are signed and paired, the others are not
read again, and the groups are rewritten only when a pair changed.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .batches import select_in, write_transaction
from .hebrew import tokens

if TYPE_CHECKING:  # numpy is loaded by datasketch when signatures are made: a search's --help needs none
    import numpy as np

NUM_PERM = 128
#: 32 bands of 4 rows: a pair of Jaccard 0.8 shares a band with probability 0.99999, 0.5: 0.87, 0.2: 0.05
BANDS, ROWS = 32, 4
SHINGLE_WORDS = 3
#: what separates paragraphs in a stored body (Article.body)
PARAGRAPH_BREAK = "\n\n"
#: a body of fewer words is left out: too little text to tell a copy from a coincidence
MIN_WORDS = 12
#: a token with a digit: a number, a time, a score. Two texts whose wording is the same but whose numbers
#: are not are two reports (a forecast of another day, a lottery's next draw), not a copy
NUMBER = re.compile(r"\d")
#: pairs at least this similar are kept; a threshold may not go lower
PAIR_FLOOR = 0.5
#: the threshold of the stored groups (export --dedup, search and stats --collapse)
GROUP_THRESHOLD = 0.8
#: what the signatures and the pairs' similarities are made by: an archive whose dedup tables were made
#: otherwise has them made again, whole, at its next catch-up
SIGNATURE_MAKER = (
    f"minhash affine32 seed1 {NUM_PERM}x{SHINGLE_WORDS}-word-shingles after-lead {BANDS}x{ROWS}"
    " pairs:max(indel*numbers,jaccard)"
)
SIGNATURE_MAKER_KEY = "dedup_signatures"
#: set in archive_meta when pairs changed and the stored groups are not yet rewritten
GROUPS_STALE_KEY = "dedup_groups_stale"
CATCH_UP_BATCH = 2000
#: an article is kept by export --dedup and --collapse unless another member was published first (``a``
#: is the articles table)
KEPT_SQL = "NOT EXISTS (SELECT 1 FROM dedup_groups g WHERE g.article_id = a.id AND g.group_id <> a.id)"


@cache
def _minhash_maker() -> Any:
    """datasketch's MinHash with this module's permutations made once (imported when first needed: it
    takes a fifth of a second, which a search without --collapse need not wait for)."""
    from datasketch import MinHash

    permutations = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations
    return lambda: MinHash(num_perm=NUM_PERM, permutations=permutations, scheme="affine32")


@dataclass(frozen=True)
class Group:
    """Articles with near-identical bodies: ``group`` is the id of the first-published one, ``urls`` are in
    publication order (the first published first), ``similarity`` is the lowest of the pairs that join them
    (at the threshold asked for)."""

    group: int
    urls: list[str]
    similarity: float
    #: the members' ids, in the order of ``urls``
    ids: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "urls": self.urls, "similarity": round(self.similarity, 4)}


@dataclass(frozen=True)
class Text:
    """A body's words after the search normalisation, their 3-word shingles and its numbers: what pairs
    compare."""

    words: list[str]
    shingles: set[str]
    numbers: Counter[str]


def _text(words: list[str]) -> Text:
    starts = range(len(words) - SHINGLE_WORDS + 1)
    shingled = {" ".join(words[i : i + SHINGLE_WORDS]) for i in starts}
    return Text(words, shingled, Counter(word for word in words if NUMBER.search(word)))


def comparable(body: str | None) -> tuple[Text, Text] | None:
    """A body as :func:`pair_similarity` takes it: whole, and after its first paragraph when what is left
    still has :data:`MIN_WORDS` words (else whole again): a republished story often opens its own way (a
    flash reposted with its first line changed, agency copy under a site's own lead), and the rest is what
    shows it a copy. None for a body of fewer than :data:`MIN_WORDS` words."""
    words = tokens(body or "")
    if len(words) < MIN_WORDS:
        return None
    whole = _text(words)
    rest = tokens((body or "").partition(PARAGRAPH_BREAK)[2])
    return whole, _text(rest) if len(rest) >= MIN_WORDS else whole


def signed(body: str | None) -> tuple[np.ndarray | None, int | None]:
    """What the catch-up keeps of a body, from one reading of it (None, None for a body of fewer than
    :data:`MIN_WORDS` words): the MinHash signature of its shingles after its lead, which the LSH bands are
    made of, and the digest of its words, which bodies that read the same word for word share."""
    texts = comparable(body)
    if texts is None:
        return None, None
    whole, rest = texts
    minhash = _minhash_maker()()
    minhash.update_batch([s.encode() for s in rest.shingles])
    hashed = hashlib.blake2b(" ".join(whole.words).encode(), digest_size=8).digest()
    return minhash.hashvalues.astype("uint32"), int.from_bytes(hashed, "little", signed=True)


def jaccard(first: set[str], second: set[str]) -> float:
    """The exact Jaccard similarity of two shingle sets."""
    return len(first & second) / len(first | second)


def pair_similarity(first: tuple[Text, Text], second: tuple[Text, Text]) -> float:
    """How near two bodies are, each given as its (whole, after the lead) texts: the larger of the share of
    words in common in order, believed as far as the two texts' numbers agree, and the shingles' Jaccard
    similarity; of the whole bodies and of the bodies after their leads (see the module)."""
    from rapidfuzz.distance import Indel

    return max(
        max(
            Indel.normalized_similarity(mine.words, theirs.words) * _agreement(mine.numbers, theirs.numbers),
            jaccard(mine.shingles, theirs.shingles),
        )
        for mine, theirs in zip(first, second, strict=True)
    )


def _agreement(first: Counter[str], second: Counter[str]) -> float:
    """The Jaccard similarity of two texts' numbers, each number as often as it stands (1 when neither
    has one)."""
    union = (first | second).total()
    return (first & second).total() / union if union else 1.0


def band_keys(sig: np.ndarray) -> list[int]:
    """One key per band: the band's number and rows hashed to a signed 64-bit integer (an SQLite integer)."""
    return [
        int.from_bytes(
            hashlib.blake2b(
                bytes([band]) + sig[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8
            ).digest(),
            "little",
            signed=True,
        )
        for band in range(BANDS)
    ]


def _from_blob(blob: bytes) -> np.ndarray:
    import numpy

    return numpy.frombuffer(blob, dtype=numpy.uint32)


def pending(conn: sqlite3.Connection) -> int:
    """How many articles are not yet compared (new, or with a new body since)."""
    return conn.execute("SELECT count(*) FROM dedup_pending").fetchone()[0]


def catch_up(conn: sqlite3.Connection, batch: int = CATCH_UP_BATCH) -> int:
    """Sign and pair the articles that need it (see the module), then bring the stored groups up to date;
    returns how many articles were signed. One transaction per batch: an interrupted catch-up keeps what
    its finished batches did, and the next one goes on from there."""
    if _meta(conn, SIGNATURE_MAKER_KEY) != SIGNATURE_MAKER:
        with write_transaction(conn):
            for table in ("dedup_signatures", "dedup_bands", "dedup_pairs", "dedup_groups"):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("INSERT OR IGNORE INTO dedup_pending (article_id) SELECT id FROM articles")
            _set_meta(conn, SIGNATURE_MAKER_KEY, SIGNATURE_MAKER)
    signed_count = 0
    for _ in range(3):  # a second pass signs the copies that took over from a first one rewritten or gone
        ids = [row[0] for row in conn.execute("SELECT article_id FROM dedup_pending ORDER BY article_id")]
        if not ids:
            break
        _catch_up_pass(conn, ids, batch)
        signed_count += len(ids)
    if _meta(conn, GROUPS_STALE_KEY):  # pairs changed (in this catch-up or an interrupted one)
        with write_transaction(conn):
            _regroup(conn)
            conn.execute("DELETE FROM archive_meta WHERE key = ?", (GROUPS_STALE_KEY,))
    return signed_count


def _catch_up_pass(conn: sqlite3.Connection, ids: list[int], batch: int) -> None:
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        rows = conn.execute(
            f"SELECT id, body FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        ).fetchall()
        gone = set(chunk) - {article_id for article_id, _ in rows}  # deleted since they were marked
        made = [(article_id, *signed(body)) for article_id, body in rows]
        with write_transaction(conn):
            if _write_signed(conn, made + [(article_id, None, None) for article_id in gone]):
                _set_meta(conn, GROUPS_STALE_KEY, "1")
            conn.executemany("DELETE FROM dedup_signatures WHERE article_id = ?", [(i,) for i in gone])
            # one rewritten since its body was read stays marked: the next catch-up reads it again
            conn.executemany(
                "DELETE FROM dedup_pending WHERE article_id = ?"
                " AND coalesce((SELECT body FROM articles WHERE id = ?), '') IS ?",
                [(article_id, article_id, body or "") for article_id, body in rows]
                + [(i, i, "") for i in gone],
            )


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM archive_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO archive_meta (key, value) VALUES (?, ?)", (key, value))


def _write_signed(conn: sqlite3.Connection, signed: list[tuple[int, np.ndarray | None, int | None]]) -> bool:
    """Replace the signatures, bands and pairs of these articles, and pair them with their candidates;
    returns whether the groups may have changed (a pair removed or added, a body shared or no longer)."""
    ids = [article_id for article_id, _, _ in signed]
    old = _signatures(conn, ids)
    before = _in(
        conn, "SELECT digest FROM dedup_signatures WHERE article_id IN ({}) AND digest NOT NULL", ids
    )
    holders_before = _holders(conn, {d for (d,) in before})
    digests = {d for (d,) in before} | {d for _, _, d in signed if d is not None}
    conn.executemany(
        "DELETE FROM dedup_bands WHERE key = ? AND article_id = ?",
        [(key, article_id) for article_id, sig in old.items() for key in band_keys(sig)],
    )
    removed = conn.executemany(
        "DELETE FROM dedup_pairs WHERE first = ? OR second = ?", [(i, i) for i in ids]
    ).rowcount
    conn.executemany(
        "INSERT OR REPLACE INTO dedup_signatures (article_id, signature, digest) VALUES (?, ?, ?)",
        [(i, None if sig is None else sig.tobytes(), d) for i, sig, d in signed],
    )
    # Of the articles whose bodies read word for word the same, the first (lowest id) alone has bands and
    # pairs: the others are joined to it by their digest (groups()), so n copies of one text (a boilerplate
    # body on hundreds of pages) cost n rows, not n²/2 candidates (2,000 copies took 93 s, 128 million
    # band matches).
    holders = _holders(conn, digests)
    bands = [
        (key, i)
        for i, sig, d in signed
        if sig is not None and (d is None or holders.get(d) == i)
        for key in band_keys(sig)
    ]
    batch = set(ids)
    promoted = [
        (holders[d],) for d, i in holders_before.items() if i in batch and holders.get(d, i) not in batch
    ]
    conn.executemany("INSERT OR IGNORE INTO dedup_pending (article_id) VALUES (?)", promoted)
    conn.executemany("INSERT OR IGNORE INTO dedup_bands (key, article_id) VALUES (?, ?)", bands)
    kept = _pair(conn, bands)
    shared = _in(
        conn,
        "SELECT 1 FROM dedup_signatures WHERE digest IN ({}) GROUP BY digest HAVING count(*) > 1",
        [d for d in digests if d is not None],
    )
    return removed > 0 or bool(kept) or bool(shared)


def _pair(conn: sqlite3.Connection, bands: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """Pair the articles of these bands with their candidates (those sharing a band) at or above
    :data:`PAIR_FLOOR`; returns the pairs written."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS dedup_new (key INTEGER, article_id INTEGER)")
    conn.execute("DELETE FROM dedup_new")
    conn.executemany("INSERT INTO dedup_new (key, article_id) VALUES (?, ?)", bands)
    candidates = conn.execute(
        "SELECT DISTINCT min(n.article_id, b.article_id), max(n.article_id, b.article_id)"
        " FROM dedup_new n JOIN dedup_bands b ON b.key = n.key AND b.article_id <> n.article_id"
    ).fetchall()
    conn.execute("DELETE FROM dedup_new")
    # two firsts of one digest (an older article rewritten to read as a newer one): joined by it, not paired
    paired = list({i for pair in candidates for i in pair})
    digest_of = dict(
        _in(conn, "SELECT article_id, digest FROM dedup_signatures WHERE article_id IN ({})", paired)
    )
    candidates = [
        (a, b) for a, b in candidates if digest_of.get(a) is None or digest_of[a] != digest_of.get(b)
    ]
    # Measured on the bodies themselves, not estimated from the signatures: an estimate from 128 values is off
    # by 0.035 (one standard deviation) near 0.8, which made copies of 0.84 fall under the threshold.
    texts = _texts(conn, sorted({i for pair in candidates for i in pair}))
    pairs = [(a, b, pair_similarity(texts[a], texts[b])) for a, b in candidates if a in texts and b in texts]
    kept = [pair for pair in pairs if pair[2] >= PAIR_FLOOR]
    conn.executemany("INSERT OR REPLACE INTO dedup_pairs (first, second, similarity) VALUES (?, ?, ?)", kept)
    return kept


def _holders(conn: sqlite3.Connection, digests: set[int]) -> dict[int, int]:
    """The first (lowest id) article of each digest: the one of its copies that has bands and pairs."""
    sql = "SELECT digest, min(article_id) FROM dedup_signatures WHERE digest IN ({}) GROUP BY digest"
    return dict(_in(conn, sql, list(digests)))  # type: ignore[arg-type]


def _in(conn: sqlite3.Connection, sql: str, values: list[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` whose ``IN ({})`` takes the values (:func:`.batches.select_in`)."""
    return [row for cursor in select_in(conn, sql, values) for row in cursor]


def _texts(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[Text, Text]]:
    """Each article's (whole body, body after its lead) texts, for :func:`pair_similarity`."""
    rows = _in(conn, "SELECT id, body FROM articles WHERE id IN ({})", ids)
    return {i: texts for i, body in rows if (texts := comparable(body)) is not None}


def _signatures(conn: sqlite3.Connection, ids: list[int]) -> dict[int, np.ndarray]:
    sql = "SELECT article_id, signature FROM dedup_signatures WHERE signature NOT NULL AND article_id IN ({})"
    return {i: _from_blob(blob) for i, blob in _in(conn, sql, ids)}


def groups(conn: sqlite3.Connection, threshold: float = GROUP_THRESHOLD) -> list[Group]:
    """The groups at ``threshold`` (from :data:`PAIR_FLOOR` to 1), in order of their first publication."""
    if not PAIR_FLOOR <= threshold <= 1:
        raise ValueError(f"the threshold must be between {PAIR_FLOOR} and 1, not {threshold}")
    pairs = conn.execute(
        "SELECT first, second, similarity FROM dedup_pairs WHERE similarity >= ?", (threshold,)
    ).fetchall()
    parent: dict[int, int] = {}

    def root(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _ in pairs:
        parent[root(a)] = root(b)
    for (same,) in conn.execute(
        "SELECT group_concat(article_id) FROM dedup_signatures WHERE digest IS NOT NULL"
        " GROUP BY digest HAVING count(*) > 1"
    ):
        first, *others = (int(i) for i in same.split(","))
        for other in others:
            parent[root(other)] = root(first)
    members: dict[int, list[int]] = {}
    for i in parent:
        members.setdefault(root(i), []).append(i)
    weakest: dict[int, float] = {}
    for a, _, sim in pairs:
        weakest[root(a)] = min(weakest.get(root(a), 1.0), sim)
    order = _publication_order(conn, list(parent))
    found = []
    for top, ids in members.items():
        ids.sort(key=order.__getitem__)
        found.append((order[ids[0]], Group(ids[0], [order[i][2] for i in ids], weakest.get(top, 1.0), ids)))
    return [group for _, group in sorted(found, key=lambda item: item[0])]


def _publication_order(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[bool, str, str]]:
    """Each article's place in publication order: published ones first, the earliest first, then by URL."""
    rows = _in(conn, "SELECT id, published, url FROM articles WHERE id IN ({})", ids)
    return {i: (published is None, published or "", url) for i, published, url in rows}


def _regroup(conn: sqlite3.Connection) -> None:
    """Bring `dedup_groups` to the groups at :data:`GROUP_THRESHOLD`, writing only the rows that change."""
    wanted = {i: g.group for g in groups(conn, GROUP_THRESHOLD) for i in g.ids}
    stored = dict(conn.execute("SELECT article_id, group_id FROM dedup_groups").fetchall())
    conn.executemany(
        "DELETE FROM dedup_groups WHERE article_id = ?", [(i,) for i in stored if i not in wanted]
    )
    conn.executemany(
        "INSERT OR REPLACE INTO dedup_groups (article_id, group_id) VALUES (?, ?)",
        [(i, g) for i, g in wanted.items() if stored.get(i) != g],
    )
