"""Near-duplicate stories at scale: recall and precision of planted copies, time, memory, incremental cost.

    python benchmarks/dedup_scale.py --size 100000 [--planted 0.1] [--related 0.05] [--folder /tmp/dd]

The corpus: the articles of benchmarks/search_scale.py (words drawn by frequency from wordfreq's Hebrew list,
40% with a prefix, ten sites), with bodies of 2 to 12 paragraphs of 15 to 45 words (flashes and stories).
A share (``--planted``) of them are planted copies of an earlier article, on another site, published 0-24
hours later, each of one kind in turn: its first paragraph replaced (a new lead), three words edited, a new
lead and two words edited, the last paragraph dropped (of an article of five paragraphs or more), and
re-extracted text identical apart from punctuation and niqqud. Another share (``--related``) are stories
on an earlier article's subject that are no copies of it, on another site: one of its paragraphs quoted in a
story of its own, or all its words in another order; each one grouped with its original lowers the
precision, and is counted by kind. Articles are stored through
`Archive.store_many` in random order; then `Archive.dedup()` signs and pairs all of them, in a fresh process
(its time and peak memory measured alone). Recall: planted pairs that end in one group at the default
threshold (and at 0.7); precision: pairs of articles in one group that are an original and its copy or two
copies of one original (any two members of a group count as a pair). The peer in the same run:
datasketch's in-memory MinHashLSH (threshold 0.8) inserting and querying the signatures the archive made.
Incremental: 1,000 new articles (with the same share of copies) stored, then `Archive.dedup_catch_up()`
timed (what `dedup`, `export --dedup` and `--collapse` do first); one article stored and the catch-up timed,
twenty times (an article with no near-duplicate, and copies: their groups are rewritten); then the listing
of `dedup()` with nothing to catch up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from search_scale import Generator

from newsarchive import Article
from newsarchive.store import Archive
from newsarchive.store.dedup import GROUP_THRESHOLD, NUM_PERM

KINDS = ("new lead", "3 words edited", "new lead + 2 words", "last paragraph dropped", "punctuation, niqqud")
#: articles on an earlier one's story that are not copies of it: what precision must keep apart
RELATED = ("one paragraph quoted", "its words in another order")


class Corpus:
    """Articles with planted copies; ``planted`` holds (original url, copy url, kind)."""

    def __init__(self, generator: Generator, share: float, related_share: float) -> None:
        self.generator = generator
        self.rng = random.Random(5)
        self.share = share
        self.related_share = related_share
        self.originals: list[Article] = []
        self.planted: list[tuple[str, str, str]] = []
        self.related: list[tuple[str, str, str]] = []
        self.made = 0

    def next(self) -> Article:
        n = self.made
        self.made += 1
        draw = self.rng.random()
        if self.originals and draw < self.share:
            return self.copy(n, self.rng.choice(self.originals))
        if self.originals and draw < self.share + self.related_share:
            return self.related_story(n, self.rng.choice(self.originals))
        base = self.generator.article(n)
        count = self.rng.randint(2, 12)
        paragraphs = [self.generator.text(self.rng.randint(15, 45)) + "." for _ in range(count)]
        original = Article(
            url=base.url,
            site=base.site,
            headline=base.headline,
            published=base.published,
            paragraphs=paragraphs,
        )
        self.originals.append(original)
        return original

    def copy(self, n: int, original: Article) -> Article:
        kind = KINDS[len(self.planted) % len(KINDS)]
        if kind == "last paragraph dropped" and len(original.paragraphs) < 5:
            kind = "new lead"
        paragraphs = list(original.paragraphs)
        if kind.startswith("new lead"):
            paragraphs[0] = self.generator.text(len(paragraphs[0].split())) + "."
        edits = 3 if kind == "3 words edited" else 2 if kind == "new lead + 2 words" else 0
        for _ in range(edits):
            index = self.rng.randrange(1, len(paragraphs))
            words = paragraphs[index].split()
            words[self.rng.randrange(len(words))] = self.generator.text(1)
            paragraphs[index] = " ".join(words)
        if kind == "last paragraph dropped":
            paragraphs.pop()
        if kind == "punctuation, niqqud":
            paragraphs = [p.replace(".", "!").replace(" ", " \u05b8", 3) for p in paragraphs]
        site = f"site{(int(original.site[4:]) + self.rng.randint(1, 9)) % 10}"
        url = f"https://copy{n % 10}.example.co.il/article/{n}"
        self.planted.append((original.url, url, kind))
        published = original.published + timedelta(hours=self.rng.uniform(0, 24))  # type: ignore[operator]
        return Article(
            url=url, site=site, headline=original.headline, published=published, paragraphs=paragraphs
        )

    def related_story(self, n: int, original: Article) -> Article:
        """An article on the original's story that is no copy: one of its paragraphs quoted in a story of
        its own (of an original of three paragraphs or more), or all its words in another order."""
        kind = RELATED[len(self.related) % len(RELATED)]
        paragraphs = list(original.paragraphs)
        if kind == "one paragraph quoted" and len(paragraphs) >= 3:
            quoted = paragraphs[self.rng.randrange(1, len(paragraphs))]
            paragraphs = [self.generator.text(self.rng.randint(15, 45)) + "." for _ in paragraphs]
            paragraphs[self.rng.randrange(len(paragraphs))] = quoted
        else:
            kind = "its words in another order"
            words = " ".join(paragraphs).split()
            self.rng.shuffle(words)
            sizes = [len(p.split()) for p in paragraphs]
            paragraphs = [" ".join(words[sum(sizes[:i]) : sum(sizes[: i + 1])]) for i in range(len(sizes))]
        url = f"https://related{n % 10}.example.co.il/article/{n}"
        self.related.append((original.url, url, kind))
        site = f"site{(int(original.site[4:]) + self.rng.randint(1, 9)) % 10}"
        published = original.published + timedelta(hours=self.rng.uniform(0, 24))  # type: ignore[operator]
        return Article(
            url=url, site=site, headline=original.headline, published=published, paragraphs=paragraphs
        )


def dedup_in_fresh_process(path: Path) -> dict:
    """`Archive.dedup()` over the whole archive in a process of its own: its time and peak memory alone.
    The peak is the process's VmHWM, not ru_maxrss: Linux keeps ru_maxrss across fork and exec, so a child
    of this process (which holds the whole corpus) reported this process's peak (707 MB, where the dedup's
    own was 276 MB)."""
    code = (
        "import json, sys, time\n"
        "from newsarchive.store import Archive\n"
        "start = time.perf_counter()\n"
        f"with Archive({str(path)!r}) as archive:\n"
        "    groups = archive.dedup()\n"
        "    seconds = time.perf_counter() - start\n"
        "    peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]\n"
        "    lower = archive.dedup(0.7)\n"
        "    lowest = archive.dedup(0.5)\n"
        "print(json.dumps({'seconds': seconds, 'peak_rss_mb': int(peak) / 1024,"
        " 'groups': [g.urls for g in groups], 'lower': [g.urls for g in lower],"
        " 'lowest': [g.urls for g in lowest]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def scores(
    groups: list[list[str]], planted: list[tuple[str, str, str]], related: list[tuple[str, str, str]]
) -> dict:
    """Recall of the planted pairs; precision of the pairs of articles grouped together, where two copies of
    one original are a true pair too; how many of the related stories that are no copies were grouped with
    their original."""
    group_of = {url: n for n, urls in enumerate(groups) for url in urls}

    def together(a: str, b: str) -> bool:
        return a in group_of and group_of.get(a) == group_of.get(b)

    found = {(a, b) for a, b, _ in planted if together(a, b)}
    family = {copy: original for original, copy, _ in planted}
    true = sum(
        family.get(first, first) == family.get(second, second)
        for urls in groups
        for n, first in enumerate(urls)
        for second in urls[n + 1 :]
    )
    predicted = sum(len(urls) * (len(urls) - 1) // 2 for urls in groups)
    per_kind = {}
    for kind in KINDS:
        pairs = [(a, b) for a, b, k in planted if k == kind]
        if pairs:
            per_kind[kind] = round(sum(p in found for p in pairs) / len(pairs), 4)
    return {
        "planted_pairs": len(planted),
        "recall": round(len(found) / max(1, len(planted)), 4),
        "missed": len(planted) - len(found),
        "precision": round(true / max(1, predicted), 4),
        "recall_by_kind": per_kind,
        "related_not_copies": len(related),
        "related_grouped": {
            kind: sum(together(a, b) for a, b, k in related if k == kind) for kind in RELATED
        },
    }


def peer_lsh(path: Path) -> dict:
    """datasketch's MinHashLSH (in memory) over the stored signatures: insert and query every article."""
    from datasketch import LeanMinHash, MinHashLSH
    from numpy import frombuffer, uint32

    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT article_id, signature FROM dedup_signatures WHERE signature IS NOT NULL"
    ).fetchall()
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=GROUP_THRESHOLD, num_perm=NUM_PERM)
    signatures = {}
    for article_id, blob in rows:
        sig = LeanMinHash(seed=1, hashvalues=frombuffer(blob, dtype=uint32), scheme="affine32")
        signatures[article_id] = sig
        lsh.insert(article_id, sig)
    for sig in signatures.values():
        lsh.query(sig)
    return {"peer_minhashlsh_insert_query_s": round(time.perf_counter() - start, 2), "signatures": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--planted", type=float, default=0.1, help="share of articles that are copies")
    parser.add_argument(
        "--related", type=float, default=0.05, help="share of articles on an earlier story that are no copies"
    )
    parser.add_argument("--folder", type=Path, default=Path("/tmp/newsarchive-dedup"))
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for stale in args.folder.glob("*.db*"):
        stale.unlink()
    path = args.folder / "archive.db"
    corpus = Corpus(Generator(args.seed), args.planted, args.related)
    articles = [corpus.next() for _ in range(args.size)]
    random.Random(3).shuffle(articles)
    result: dict = {"articles": args.size}
    with Archive(path) as archive:
        start = time.perf_counter()
        archive.store_many(articles)
        result["store_s"] = round(time.perf_counter() - start, 2)
    full = dedup_in_fresh_process(path)
    result["dedup_full_s"] = round(full["seconds"], 2)
    result["dedup_ms_per_article"] = round(full["seconds"] * 1000 / args.size, 3)
    result["dedup_over_store"] = round(full["seconds"] / result["store_s"], 2)
    result["dedup_peak_rss_mb"] = round(full["peak_rss_mb"])
    result.update(scores(full["groups"], corpus.planted, corpus.related))
    result["at_threshold_0.7"] = scores(full["lower"], corpus.planted, corpus.related)
    result["at_threshold_0.5"] = scores(full["lowest"], corpus.planted, corpus.related)
    result.update(peer_lsh(path))
    with Archive(path) as archive:
        more = [corpus.next() for _ in range(1000)]
        archive.store_many(more)
        start = time.perf_counter()
        archive.dedup_catch_up()
        result["incremental_1000_ms_per_article"] = round((time.perf_counter() - start) * 1000 / len(more), 3)
        singles, copies = [], []
        for _ in range(20):
            planted = len(corpus.planted)
            archive.store(corpus.next())
            start = time.perf_counter()
            archive.dedup_catch_up()
            (copies if len(corpus.planted) > planted else singles).append(
                (time.perf_counter() - start) * 1000
            )
        result["incremental_one_article_ms_median"] = round(sorted(singles)[len(singles) // 2], 1)
        result["incremental_one_copy_ms"] = [round(ms, 1) for ms in copies]
        start = time.perf_counter()
        groups = archive.dedup()
        result["dedup_listing_only_ms"] = round((time.perf_counter() - start) * 1000, 1)
        result.update(
            {
                f"after_{k}": v
                for k, v in scores([g.urls for g in groups], corpus.planted, corpus.related).items()
            }
        )
    result["archive_mb"] = round(sum(p.stat().st_size for p in args.folder.glob("archive.db*")) / 1e6, 1)
    result["dedup_tables_mb"] = _tables_mb(path)
    result["machine"] = (
        f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}"
    )
    result["this_process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, ensure_ascii=False, indent=1))


def _tables_mb(path: Path) -> float | None:
    try:
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%dedup%'").fetchone()
        return round(rows[0] / 1e6, 1) if rows[0] else None
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return None


if __name__ == "__main__":
    main()
