"""Scoring extraction against hand-checked gold, field by field.

Gold is either a ``cases.json`` list (the format of the shared corpus: ``file``, ``url``, ``article`` and the
gold fields with ``body_paragraphs``) or a folder of ``NAME.html`` + ``NAME.json`` pairs (our fixtures).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .article import Article, NotAnArticle
from .extract import extract_article
from .text import clean

#: Scored fields, in table order.
FIELDS = (
    "detection",
    "headline",
    "subtitle",
    "authors",
    "published",
    "updated",
    "body_f1",
    "images",
    "captions",
    "credits",
    "section",
    "tags",
    "paywalled",
)
#: Strings that never belong in an article body (navigation, sharing, captions, tracking leftovers).
BOILERPLATE_PROBES = (
    "מצאתם טעות",
    "Read this article in English",
    "צילום:",
    "polopoly_fs",
    "PicServer",
    "לתגובות",
    "הוסף תגובה",
    "שתף ב",
    "קראו עוד",
    "עוד כתבות בנושא",
    "הרשמה לניוזלטר",
    "רוצים להמשיך לקרוא",
    "לחצו כאן",
    "עוד באותו נושא",
    "הדפס",
    "שלח לחבר",
    "javascript:",
    "תגיות",
)
_WORD = re.compile(r"\w+", re.U)


@dataclass
class GoldCase:
    name: str
    html_path: Path
    url: str
    is_article: bool
    gold: dict[str, Any]


@dataclass
class CaseResult:
    name: str
    scores: dict[str, float] = field(default_factory=dict)
    boilerplate: list[str] = field(default_factory=list)
    error: str | None = None
    mismatches: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class Report:
    results: list[CaseResult]

    def averages(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in FIELDS:
            values = [r.scores[name] for r in self.results if name in r.scores]
            if values:
                out[name] = sum(values) / len(values)
        return out

    @property
    def boilerplate_hits(self) -> int:
        return sum(len(r.boilerplate) for r in self.results)


class GoldError(ValueError):
    """Gold that cannot be scored against (not JSON, an entry without its file or address, a page file
    missing, a date that is no date): the message says which file and what is wrong."""


def load_cases(folder: Path) -> list[GoldCase]:
    """The gold cases of a folder; raises :class:`GoldError` for gold that cannot be used."""
    folder = Path(folder)
    index = folder / "cases.json"
    cases: list[GoldCase] = []
    if index.exists():
        entries = _json_of(index)
        if not isinstance(entries, list):
            raise GoldError(f"{index}: not a list of cases")
        for number, entry in enumerate(entries, start=1):
            where = f"{index}, case {number}"
            if not (isinstance(entry, dict) and _texts(entry, "file", "url")):
                raise GoldError(f'{where}: each case needs a "file" and a "url" (text)')
            cases.append(_case(where, entry["file"], folder / entry["file"], entry["url"], entry))
        return cases
    for gold_path in sorted(folder.rglob("*.json")):
        html_path = gold_path.with_suffix(".html")
        if not html_path.exists():
            continue
        entry = _json_of(gold_path)
        if not (isinstance(entry, dict) and _texts(entry, "url")):
            raise GoldError(f'{gold_path}: the gold needs a "url" (text)')
        name = str(gold_path.relative_to(folder).with_suffix(""))
        # "fetched_as": the address the page is read under when it is not its own (a saved file, a mirror)
        address = entry.get("fetched_as", entry["url"])
        cases.append(_case(str(gold_path), name, html_path, address, entry))
    return cases


def _json_of(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GoldError(f"{path}: cannot be read as JSON ({error})") from None


def _texts(entry: dict[str, Any], *keys: str) -> bool:
    return all(isinstance(entry.get(key), str) and entry[key] for key in keys)


def _case(where: str, name: str, html_path: Path, url: str, entry: dict[str, Any]) -> GoldCase:
    if not html_path.is_file():
        raise GoldError(f"{where}: the page {html_path} is not there")
    for key in ("published", "updated"):
        value = entry.get(key)
        try:
            if value is not None:
                datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise GoldError(f"{where}: {key} {value!r} is not an ISO 8601 time") from None
    return GoldCase(name, html_path, url, bool(entry.get("article", True)), entry)


def evaluate(folder: Path, *, site_rules: bool = True) -> Report:
    return Report([score_case(case, site_rules=site_rules) for case in load_cases(folder)])


def score_case(case: GoldCase, *, site_rules: bool = True) -> CaseResult:
    try:
        article = extract_article(
            case.html_path.read_bytes(), case.url, now=_gold_now(case.gold), site_rules=site_rules
        )
    except NotAnArticle as error:
        result = score_article(None, case)
        if case.is_article:
            result.error = error.reason
        return result
    return score_article(article, case)


def score_article(article: Article | None, case: GoldCase) -> CaseResult:
    """Score any extractor's output (``None`` = it said "not an article") against one gold case."""
    result = CaseResult(case.name)
    if article is None:
        result.scores["detection"] = 0.0 if case.is_article else 1.0
        return result
    result.scores["detection"] = 1.0 if case.is_article else 0.0
    if not case.is_article:
        result.error = "extracted an article from a page that is not one"
        return result
    _score_fields(article, case.gold, result)
    return result


def _gold_now(gold: dict[str, Any]) -> datetime | None:
    published = gold.get("published")
    return datetime.fromisoformat(published) if published else None


def _score_fields(article: Article, gold: dict[str, Any], result: CaseResult) -> None:
    def record(name: str, ok: bool | float, ours: Any, theirs: Any) -> None:
        value = float(ok)
        result.scores[name] = value
        if value < 1.0:
            result.mismatches[name] = (ours, theirs)

    for name in ("headline", "subtitle", "section"):
        ours, theirs = clean(getattr(article, name)) or None, clean(gold.get(name)) or None
        record(name, ours == theirs, ours, theirs)
    gold_authors = [clean(a) for a in gold.get("authors") or []]
    record("authors", article.authors == gold_authors, article.authors, gold_authors)
    for name in ("published", "updated"):
        ours_time, gold_text = getattr(article, name), gold.get(name)
        theirs_time = datetime.fromisoformat(gold_text) if gold_text else None
        record(name, ours_time == theirs_time, _iso(ours_time), gold_text)
    gold_body = " ".join(gold.get("body_paragraphs") or [])
    f1 = token_f1(article.body, gold_body)
    record("body_f1", f1, article.body[:200], gold_body[:200])
    if "tags" in gold:
        record("tags", set(article.tags) == set(gold.get("tags") or []), article.tags, gold.get("tags"))
    if "paywalled" in gold:
        record(
            "paywalled",
            article.paywalled == bool(gold.get("paywalled")),
            article.paywalled,
            gold.get("paywalled"),
        )
    if "images" in gold:
        _score_images(article, gold.get("images") or [], record)
    result.boilerplate = [probe for probe in BOILERPLATE_PROBES if probe in article.body]


def _score_images(article: Article, gold_images: list[dict[str, Any]], record: Any) -> None:
    ours = article.images
    size = max(len(ours), len(gold_images))
    if size == 0:
        for name in ("images", "captions", "credits"):
            record(name, True, [], [])
        return
    srcs = sum(_same_src(a.src, g.get("src")) for a, g in zip(ours, gold_images, strict=False))
    captions = sum(
        (clean(a.caption) or None) == (clean(g.get("caption")) or None)
        for a, g in zip(ours, gold_images, strict=False)
    )
    credits = sum(
        (clean(a.credit) or None) == (clean(g.get("credit")) or None)
        for a, g in zip(ours, gold_images, strict=False)
    )
    summary = [(i.caption, i.credit) for i in ours]
    gold_summary = [(g.get("caption"), g.get("credit")) for g in gold_images]
    record("images", srcs / size, [i.src for i in ours], [g.get("src") for g in gold_images])
    record("captions", captions / size, summary, gold_summary)
    record("credits", credits / size, summary, gold_summary)


_POLOPOLY = re.compile(r"/polopoly_fs/(1\.\d+)\.")


def _same_src(ours: str | None, theirs: str | None) -> bool:
    if ours == theirs:
        return True
    if not ours or not theirs:
        return False
    a, b = _POLOPOLY.search(ours), _POLOPOLY.search(theirs)
    if a and b:
        return a.group(1) == b.group(1)
    return ours.split("?")[0].rstrip("/") == theirs.split("?")[0].rstrip("/")


def token_f1(ours: str, theirs: str) -> float:
    """F1 of word tokens (a bag of words: order-insensitive, punctuation ignored)."""
    a, b = Counter(_WORD.findall(ours)), Counter(_WORD.findall(theirs))
    if not a and not b:
        return 1.0
    common = sum((a & b).values())
    if common == 0:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
