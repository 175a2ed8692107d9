"""The lexicon never splits a common whole word into a prefix and a much rarer stem, and an archive indexed
by older rules is built again and then finds such words."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newsarchive import Article
from newsarchive.store import Archive
from newsarchive.store.hebrew import INDEX_MARK, index_form, index_token_source, variants
from newsarchive.store.lexicon import frequencies
from newsarchive.store.prefixes import PREFIXES

#: How much rarer than a common word its stem may be when the index splits the word. Of the prefixed
#: written forms in the Hebrew Treebank's gold segmentation (train part) that wordfreq lists, 97.4% have a
#: stem at least a fifth as frequent as the form and 98.1% at least a twentieth (1.7% have a stem wordfreq
#: does not list): a twentieth keeps the definite article's nouns (הנוכחי, האחרונים) and leaves out what
#: real text almost never has. Under the rules before, 288 of the 3,000 most frequent words that begin with
#: a prefix letter broke it: הוא as ה+וא, היה as ה+יה, הגיע as ה+גיע, שלום as של+ום.
MARGIN = 20
COMMON = 3000


def _stem(word: str) -> str:
    return index_form(word).split(INDEX_MARK)[0]


def _common_words_beginning_with_a_prefix_letter() -> list[str]:
    table = frequencies()
    letters = {prefix[0] for prefix in PREFIXES}
    ranked = sorted(table, key=table.get, reverse=True)
    return [w for w in ranked if w[0] in letters and len(w) >= 3][:COMMON]


def test_a_common_word_is_never_split_into_a_prefix_and_a_much_rarer_stem() -> None:
    table = frequencies()
    words = _common_words_beginning_with_a_prefix_letter()
    assert len(words) == COMMON
    split = [(w, _stem(w)) for w in words if _stem(w) != w]
    rare = [(w, s, table.get(s, 0.0) / table[w]) for w, s in split if table.get(s, 0.0) * MARGIN < table[w]]
    assert not rare, rare[:20]
    assert len(split) > COMMON / 3  # the prefixed forms among them are still read as such (הממשלה)


@pytest.mark.parametrize(
    ("word", "why"),
    [
        ("ממשלה", "משלה is mostly מ+שלה, and וממשלה is ו+ממשלה, not ומ+משלה"),
        ("משרד", "ורד, ברד, מרד and שרד are words of their own, not forms of רד"),
        ("שלום", "ום is never written alone (שום and משום are words)"),
        ("הגיע", "גיע is never written alone (מגיע and שהגיע are words)"),
        ("הייתה", "ייתה is never written alone"),
        ("היה", "יה is a rare word"),
        ("שנה", "נה is a rare word (הנה is a word)"),
        ("משטרה", "מש before a word is rare, and טרה far rarer than משטרה"),
        ("מורה", "a prefix before a single ו: the ו is the word's vowel letter"),
        ("הולך", "ולך is ו+לך"),
        ("מכונית", "never split"),
        ("משפחה", "never split"),
        ("מדינה", "never split"),
        ("ביטחון", "never split"),
    ],
)
def test_common_whole_words_stay_whole(word: str, why: str) -> None:
    assert index_form(word) == word + INDEX_MARK, why
    assert variants(word) == [], why


@pytest.mark.parametrize(
    ("token", "stem"),
    [
        ("הממשלה", "ממשלה"),
        ("לממשלה", "ממשלה"),
        ("וממשלה", "ממשלה"),
        ("והממשלה", "ממשלה"),
        ("במשרד", "משרד"),
        ("בשלום", "שלום"),
        ("שהגיע", "הגיע"),
        ("ושנה", "שנה"),
        ("שהוא", "הוא"),
        ("במספר", "מספר"),
        ("האחרונים", "אחרונים"),
        ("במסגרת", "מסגרת"),
        ("כשהעם", "עם"),
    ],
)
def test_prefixed_forms_of_common_words_are_still_read_as_prefix_and_word(token: str, stem: str) -> None:
    assert _stem(token) == stem


#: what index_token_source() said before this version (newsarchive at commit 6643ffb)
V1_SOURCE = "index tokens v1, rules 408820f93bef, wordfreq 3.1.1"
OLD_INDEX = {  # how index tokens v1 indexed these words: ממשלה as מ+משלה, משרד as מש+רד
    "ממשלה": "משלהxמ",
    "הממשלה": "משלהxמה",
    "ממשלת": "משלתxמ",
    "משרד": "רדxשמ",
    "במשרד": "רדxשמב",
}


def _archive_indexed_by_v1(path: Path) -> None:
    """An archive whose search index index tokens v1 made (as archive_meta says), with ממשלה as מ+משלה."""
    texts = ["ממשלה חדשה", "הממשלה החליטה", "ממשלת ישראל", "משרד החוץ", "במשרד הביטחון"]
    with Archive(path) as archive:
        archive.store_many(
            [
                Article(url=f"https://x.co.il/{n}", site="x", headline="כותרת", paragraphs=[t])
                for n, t in enumerate(texts)
            ]
        )
        for rowid, text in enumerate(texts, start=1):
            old = " ".join(OLD_INDEX.get(w, index_form(w)) for w in text.split())
            archive.db.execute("UPDATE articles_fts SET text = ? WHERE rowid = ?", (old, rowid))
        archive.db.execute("UPDATE archive_meta SET value = ? WHERE key = 'index_tokens'", (V1_SOURCE,))
        archive.db.conn.commit()
        assert len(archive.search("משלה")) == 2  # the old tokens: a non-word finds ממשלה and הממשלה
        assert archive.search("ממשל*") == []


def test_an_archive_indexed_by_the_old_rules_is_built_again_and_finds_the_words(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    _archive_indexed_by_v1(path)
    with pytest.warns(UserWarning, match="index tokens v1"):
        archive = Archive(path, readonly=True)  # a reader that may write builds the index again
    with archive:
        urls = lambda q: sorted(h.url.rsplit("/", 1)[1] for h in archive.search(q))  # noqa: E731
        assert urls("ממשל*") == ["0", "1", "2"]
        assert urls("ממשלה") == ["0", "1"]
        assert urls("משלה") == []
        assert urls("רד") == []
        assert urls("משרד") == ["3", "4"]
    with sqlite3.connect(path) as conn:
        made_by = conn.execute("SELECT value FROM archive_meta WHERE key = 'index_tokens'").fetchone()[0]
    assert made_by == index_token_source()
    assert made_by.startswith("index tokens v2")
