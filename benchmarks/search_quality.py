"""Search quality on a Hebrew corpus with known ground truth: plain FTS5, trigram and newsarchive.

    python benchmarks/search_quality.py --corpus treebank        # real news text, gold segmentation
    python benchmarks/search_quality.py --corpus treebank-train  # the part the lexicon rules were made on
    python benchmarks/search_quality.py [--docs 20000] [--tokens 150] [--seed 7]   # synthetic

The treebank corpus is real: the Hebrew Treebank (Haaretz news) in its SPMRL edition, as the source package of
hebpipe on PyPI carries it (downloaded once into ~/.cache/newsarchive/treebank; not part of this repository).
Linguists split every token into prefixes, host and suffixes, which gives the ground truth (below,
treebank_corpus). Its dev and test parts are held out: the lexicon's rules were written from errors on train.

The synthetic corpus (made fresh each run, from a seed) exaggerates homographs, since any word may get any
prefix at random (מ+שרד as often as the lexicon's prefixes make it):
- vocabulary: the 30,000 most frequent Hebrew words of wordfreq's 'small' list; with hspell installed
  (Debian package `hspell`), only words hspell accepts standalone are base words, and the words it does not
  know at all serve as out-of-vocabulary names (like אלטמן);
- each document draws its words by frequency; 40% of the words get one of 28 prefix combinations
  (ה ו ב ל מ ש כ and their usual pairs and triples), weighted as in news text;
- 40 two-word phrases are planted 20 times each, the first word prefixed, the second with ה 30% of the time.
Ground truth: a document is relevant to a word when it holds that base word with any prefix (or none); to a
phrase when the two base words stand in a row. Homographs are what make any method lose precision: "משרד"
written as a word is not relevant to "שרד", though it could be מ+שרד.

Needs the bench extra (`pip install -e '.[bench]'`, for wordfreq). Prints a table and JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from newsarchive import Article
from newsarchive.store import Archive

PREFIX_WEIGHTS = {
    "ה": 25, "ו": 18, "ב": 12, "ל": 12, "מ": 6, "ש": 6, "כ": 2, "וה": 4, "וב": 2, "ול": 2, "ומ": 1, "וש": 1,
    "וכ": 0.5, "שה": 2, "שב": 1, "של": 1, "שמ": 0.5, "מה": 2, "כש": 1, "וכש": 0.3, "ומה": 0.3, "כשה": 0.3,
    "ושה": 0.3, "שכ": 0.2, "לכש": 0.1, "מש": 0.5, "ושב": 0.2, "ושל": 0.2,
}  # fmt: skip
PREFIX_RATE = 0.4
PHRASES, PHRASE_COPIES = 40, 20


def vocabulary(size: int) -> tuple[list[str], list[float], list[str], str]:
    import wordfreq

    words = [
        w for w in wordfreq.top_n_list("he", size, wordlist="small") if re.fullmatch("[\u05d0-\u05ea]{2,}", w)
    ]
    frequency = {w: wordfreq.word_frequency(w, "he", wordlist="small") for w in words}
    if shutil.which("hspell"):
        output = subprocess.run(
            ["hspell", "-l"],
            input="\n".join(words).encode("iso-8859-8", "ignore"),
            capture_output=True,
            check=False,
        ).stdout.decode("iso-8859-8")
        standalone = set(re.findall(r"^מילה חוקית: (\S+)", output, re.M))
        known = standalone | set(re.findall(r"^צירוף חוקי: \S+?\+(\S+)", output, re.M))
        combos = set(re.findall(r"^צירוף חוקי: (\S+)", output, re.M))
        names = [w for w in words if w not in standalone and not any(c.replace("+", "") == w for c in combos)]
        names = [w for w in names if w not in known][:2000]
        base = [w for w in words if w in standalone]
        how = "hspell: standalone words as base words, unknown words as names"
    else:
        base, names, how = words, [], "no hspell: every word a base word (prefixed forms included)"
    return base, [frequency[w] for w in base], names, how


def build_corpus(docs: int, length: int, seed: int):
    rng = random.Random(seed)
    base, weights, names, how = vocabulary(30_000)
    names_weight = sorted(weights)[len(weights) // 2]
    vocab = base + names
    vocab_weights = weights + [names_weight] * len(names)
    prefixes, prefix_weights = list(PREFIX_WEIGHTS), list(PREFIX_WEIGHTS.values())
    texts: list[str] = []
    contains: dict[str, set[int]] = defaultdict(set)  # base word -> docs
    bigrams: dict[tuple[str, str], set[int]] = defaultdict(set)
    phrase_pairs = [(rng.choice(base[200:5000]), rng.choice(base[200:5000])) for _ in range(PHRASES)]
    plant_docs = {pair: set(rng.sample(range(docs), PHRASE_COPIES)) for pair in phrase_pairs}
    planted_by_doc: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for pair, where in plant_docs.items():
        for d in where:
            planted_by_doc[d].append(pair)
    for d in range(docs):
        words = rng.choices(vocab, weights=vocab_weights, k=length)
        for pair in planted_by_doc[d]:
            at = rng.randrange(0, length - 1)
            words[at], words[at + 1] = pair
        surface = []
        for i, word in enumerate(words):
            prefix = ""
            planted_second = (
                i > 0 and (words[i - 1], word) in plant_docs and d in plant_docs[(words[i - 1], word)]
            )
            if planted_second:
                prefix = "ה" if rng.random() < 0.3 else ""
            elif rng.random() < PREFIX_RATE:
                prefix = rng.choices(prefixes, weights=prefix_weights)[0]
            surface.append(prefix + word)
            contains[word].add(d)
            if i:
                bigrams[(words[i - 1], word)].add(d)
        texts.append(" ".join(surface))
    rank = {w: i for i, w in enumerate(base)}
    one_word = [w for w in base if 100 <= rank[w] < 20_000 and contains.get(w)]
    queries = rng.sample(one_word, 130) + rng.sample([n for n in names if contains.get(n)], 20)
    truth = {w: contains[w] for w in queries}
    phrase_truth = {f"{a} {b}": bigrams[(a, b)] for a, b in phrase_pairs}
    return texts, truth, phrase_truth, how


class Plain:
    name = "plain FTS5 (unicode61)"

    def __init__(self, folder: Path, texts: list[str], tokenizer: str = "unicode61") -> None:
        self.db = sqlite3.connect(folder / f"{tokenizer}.db")
        self.db.execute(f"CREATE VIRTUAL TABLE fts USING fts5(body, tokenize='{tokenizer}')")
        with self.db:
            self.db.executemany("INSERT INTO fts(rowid, body) VALUES (?, ?)", enumerate(texts))

    def query(self, text: str) -> list[int]:
        return [
            r[0]
            for r in self.db.execute("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank", (f'"{text}"',))
        ]


class Trigram(Plain):
    name = "FTS5 trigram (substring)"

    def __init__(self, folder: Path, texts: list[str]) -> None:
        super().__init__(folder, texts, "trigram")


class Newsarchive:
    name = "newsarchive"

    def __init__(self, folder: Path, texts: list[str]) -> None:
        self.archive = Archive(folder / "newsarchive.db")
        started = time.perf_counter()
        self.archive.store_many(
            Article(url=f"doc:{i}", site="bench", headline="", paragraphs=[t]) for i, t in enumerate(texts)
        )
        self.build_s = time.perf_counter() - started

    def query(self, text: str) -> list[int]:
        query = f'"{text}"' if " " in text else text
        return [int(url.split(":")[1]) for url in self.archive.matching_urls(query)]


def score(method, truth: dict[str, set[int]]) -> dict[str, float]:
    tp = fp = fn = 0
    recalls, precisions, p20s = [], [], []
    for query, relevant in truth.items():
        got = method.query(query)
        hits = len(set(got) & relevant)
        tp, fp, fn = tp + hits, fp + len(set(got) - relevant), fn + len(relevant - set(got))
        recalls.append(hits / len(relevant))
        precisions.append(hits / len(got) if got else 1.0)
        top = got[:20]
        p20s.append(sum(d in relevant for d in top) / len(top) if top else 1.0)
    return {
        "recall_micro": round(tp / (tp + fn), 4),
        "recall_macro": round(statistics.mean(recalls), 4),
        "precision_micro": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "precision_macro": round(statistics.mean(precisions), 4),
        "precision_at_20": round(statistics.mean(p20s), 4),
    }


def exact_form_first(archive: Archive, texts: list[str], queries: list[str]) -> float:
    """Share of queries whose first hit holds the exact form, among queries where some hit does."""
    good = total = 0
    for query in queries:
        hits = archive.search(query, limit=1)
        docs_with_exact = archive.search(query, limit=1000)
        if not any(h.exact for h in docs_with_exact):
            continue
        total += 1
        good += bool(hits and hits[0].exact)
    return round(good / total, 4) if total else 1.0


def oracle_precision(texts: list[str], truth: dict[str, set[int]], recall_floor: float = 0.99) -> float:
    """The best one-word precision any method reaches at ``recall_floor`` when, like every index, it decides
    per written form: for each query and each prefixed form of it in the corpus, the form is matched or not
    for every document alike. This oracle knows the ground truth and takes the forms best first."""
    docs_of: dict[str, set[int]] = defaultdict(set)
    for d, text in enumerate(texts):
        for token in text.split():
            docs_of[token].add(d)
    found = {w: docs_of.get(w, set()) for w in truth}  # the exact form is always matched
    candidates = []
    for word, relevant in truth.items():
        for prefix in PREFIX_WEIGHTS:
            extra = docs_of.get(prefix + word, set()) - found[word]
            if extra:
                candidates.append((len(extra & relevant) / len(extra), word, extra))
    candidates.sort(key=lambda c: -c[0])
    total = sum(len(r) for r in truth.values())

    def tally() -> tuple[float, float]:
        tp = sum(len(found[w] & truth[w]) for w in truth)
        matched = sum(len(found[w]) for w in truth)
        return tp / total, tp / matched if matched else 1.0

    for _, word, extra in candidates:
        if tally()[0] >= recall_floor:
            break
        found[word] = found[word] | extra
    return round(tally()[1], 4)


def learned_lexicon(
    texts: list[str], truth: dict[str, set[int]], train: list[tuple[str, str]]
) -> tuple[float, float]:
    """One-word (recall, precision) µ of per-form decisions learned from gold segmentation (the treebank's
    train part): a written form is read as prefix + stem when that is its gold reading in at least half of
    its occurrences there; forms never seen there are read as newsarchive reads them. As good as any
    lexicon of written forms can be made from this much annotated news text."""
    from newsarchive.store.hebrew import matches, tokens

    right: dict[tuple[str, str], int] = defaultdict(int)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for token, segments in train:
        base = without_gold_prefixes(segments)
        for prefix in PREFIX_WEIGHTS:
            if token.startswith(prefix) and len(token) - len(prefix) >= 2:
                seen[(token, token[len(prefix) :])] += 1
                right[(token, token[len(prefix) :])] += base == token[len(prefix) :]

    def accept(token: str, word: str) -> bool:
        if (token, word) in seen:
            return right[(token, word)] * 2 >= seen[(token, word)]
        return matches(token, word)

    tp = fp = fn = 0
    words_of = [set(tokens(text)) for text in texts]
    for word, relevant in truth.items():
        got = {
            d
            for d, words in enumerate(words_of)
            if word in words or any(t.endswith(word) and t != word and accept(t, word) for t in words)
        }
        tp, fp, fn = tp + len(got & relevant), fp + len(got - relevant), fn + len(relevant - got)
    return round(tp / (tp + fn), 4), round(tp / (tp + fp), 4)


#: hebpipe's source package carries the gold segmentation of the Hebrew Treebank (SPMRL edition)
HEBPIPE = "hebpipe==4.0.2.0"
#: the rules of newsarchive.store.lexicon were written looking at errors on the train part only
TREEBANK_PARTS = {
    "treebank": ("SPMRL_dev_gold.tab", "SPMRL_test_gold.tab"),
    "treebank-train": ("SPMRL_train_gold.tab",),
}
#: prefix segments as the treebank writes them (כש and לכש as one segment)
GOLD_PREFIXES = set(PREFIX_WEIGHTS) | {"כש", "לכש", "מש", "וכש"}
HEBREW_WORD = re.compile("[\u05d0-\u05ea]{2,}")


def treebank_tokens(cache: Path, files: tuple[str, ...]) -> list[tuple[str, str]]:
    """(written token, gold segmentation "ו|ה|בית") of the Hebrew Treebank: Haaretz news text whose every
    token linguists split into prefixes, host and suffixes. Fetched once from PyPI into ``cache``."""
    data = cache / HEBPIPE.replace("==", "-") / "hebpipe" / "data"
    if not data.exists():
        cache.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", HEBPIPE, "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, "-d", str(cache)], check=True, capture_output=True)
        with tarfile.open(next(cache.glob("hebpipe-*.tar.gz"))) as archive:
            archive.extractall(cache, filter="data")
    rows = []
    for name in files:
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            if "\t" in line:
                token, segments = line.split("\t", 1)
                rows.append((token, segments))
    return rows


def without_gold_prefixes(segments: str) -> str:
    """The written word without the prefixes the treebank marks: ו|ה|בית -> בית, ל|דברי|ו -> דבריו."""
    parts = segments.split("|")
    start = 0
    while start < len(parts) - 1 and parts[start] in GOLD_PREFIXES:
        start += 1
    return "".join(parts[start:])


def treebank_corpus(cache: Path, part: str, length: int, seed: int, phrases: int = 300):
    """Documents of about ``length`` tokens (whole sentences) of real news text. A document is relevant to
    a word when some token of it is that word once the treebank's gold prefixes are taken off (בעת is
    ב|עת, so it is relevant to עת and not to בעת); to a phrase when two such words stand in a row. The
    queries: every word in at least two documents, and ``phrases`` pairs of words that stand in a row in
    at least two."""
    rng = random.Random(seed)
    texts: list[str] = []
    contains: dict[str, set[int]] = defaultdict(set)
    bigrams: dict[tuple[str, str], set[int]] = defaultdict(set)
    words: list[str] = []
    previous = None
    for token, segments in treebank_tokens(cache, TREEBANK_PARTS[part]):
        base = without_gold_prefixes(segments)
        doc = len(texts)
        words.append(token)
        if HEBREW_WORD.fullmatch(base):
            contains[base].add(doc)
            if previous:
                bigrams[(previous, base)].add(doc)
            previous = base
        else:
            previous = None
        if len(words) >= length and token in (".", "?", "!"):
            texts.append(" ".join(words))
            words, previous = [], None
    if words:
        texts.append(" ".join(words))
    vocabulary = sorted(w for w, docs in contains.items() if len(docs) >= 2)
    pairs = sorted(pair for pair, docs in bigrams.items() if len(docs) >= 2)
    truth = {w: contains[w] for w in vocabulary}
    phrase_truth = {f"{a} {b}": bigrams[(a, b)] for a, b in rng.sample(pairs, min(phrases, len(pairs)))}
    how = f"Hebrew Treebank gold segmentation ({', '.join(TREEBANK_PARTS[part])} of {HEBPIPE})"
    return texts, truth, phrase_truth, how


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("synthetic", *TREEBANK_PARTS), default="synthetic")
    parser.add_argument("--docs", type=int, default=20_000, help="synthetic documents")
    parser.add_argument("--tokens", type=int, default=150, help="words per document")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "newsarchive" / "treebank")
    args = parser.parse_args()
    if args.corpus in TREEBANK_PARTS:
        texts, truth, phrase_truth, how = treebank_corpus(args.cache, args.corpus, args.tokens, args.seed)
        args.docs = len(texts)
    else:
        texts, truth, phrase_truth, how = build_corpus(args.docs, args.tokens, args.seed)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        methods = [Plain(Path(folder), texts), Trigram(Path(folder), texts), Newsarchive(Path(folder), texts)]
        for method in methods:
            results[method.name] = {"one word": score(method, truth), "phrase": score(method, phrase_truth)}
        news = methods[-1]
        results["newsarchive"]["exact_form_first"] = exact_form_first(news.archive, texts, list(truth)[:60])
    oracle = oracle_precision(texts, truth)
    learned = None
    if args.corpus == "treebank":  # learned on train, measured on the held-out dev and test parts
        learned = learned_lexicon(texts, truth, treebank_tokens(args.cache, TREEBANK_PARTS["treebank-train"]))
    print(
        f"{args.docs} documents x {args.tokens} words, {len(truth)} one-word queries, "
        f"{len(phrase_truth)} phrases"
    )
    print(f"vocabulary: {how}")
    header = (
        f"{'method':28s} {'kind':9s} {'recall µ':>9s} {'recall M':>9s} {'prec µ':>8s} {'prec M':>8s}"
        f" {'P@20':>7s}"
    )
    print(header)
    for name, kinds in results.items():
        for kind in ("one word", "phrase"):
            r = kinds[kind]
            print(
                f"{name:28s} {kind:9s} {r['recall_micro']:9.3f} {r['recall_macro']:9.3f} "
                f"{r['precision_micro']:8.3f} {r['precision_macro']:8.3f} {r['precision_at_20']:7.3f}"
            )
    print(
        f"newsarchive: exact form ranked first in {results['newsarchive']['exact_form_first']:.0%} of queries"
    )
    print(
        "ceiling: a method that decides per written form, knowing the ground truth, reaches at most"
        f" precision {oracle:.3f} (µ) at recall 0.99"
    )
    if learned:
        print(
            "reference: per-form readings learned from the train part's gold segmentation reach recall"
            f" {learned[0]:.3f}, precision {learned[1]:.3f} (µ)"
        )
    print(
        json.dumps(
            {
                "docs": args.docs,
                "tokens": args.tokens,
                "seed": args.seed,
                "vocabulary": how,
                "results": results,
                "oracle_precision_at_recall_0_99": oracle,
                "learned_lexicon_recall_precision": learned,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
