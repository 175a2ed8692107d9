"""newsarchive and trafilatura on real saved pages, scored against a light gold read off each page.

    python benchmarks/real_pages.py FOLDER [--no-site-rules] [--verbose]

FOLDER holds NAME.html with NAME.json beside it (in any subfolders): ``url`` (the page's real address),
``article`` (false for front pages, listings, bot-protection pages...) and for articles what a reader sees:
``headline``, ``subtitle``, ``authors``, ``published`` (ISO 8601 with offset), ``first_paragraph``,
``section``, ``captions`` (a list). Pages stay outside the repository (they are the publishers' text).

Reported, for both extractors:
- complete: the share of article pages with a headline, a time, a body (40+ characters) and an author;
- refused: the share of non-article pages refused (trafilatura cannot refuse: counted when it gives no text);
- field accuracy against the gold: headline, subtitle, authors, section exact (whitespace collapsed);
  published the same instant (trafilatura gives only a day, so ``published_day`` compares days for both);
  first paragraph found in the body (folded); captions: the share of gold captions found among the extracted.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from compare_quality import trafilatura_article

from newsarchive import Article, NotAnArticle, extract_article
from newsarchive.text import clean, fold_for_compare

MIN_BODY = 40
FIELDS = (
    "headline",
    "subtitle",
    "authors",
    "published",
    "published_day",
    "first_paragraph",
    "section",
    "captions",
)


def load(folder: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    pages = []
    for gold_path in sorted(folder.rglob("*.json")):
        html_path = gold_path.with_suffix(".html")
        if html_path.exists():
            pages.append(
                (
                    str(gold_path.relative_to(folder).with_suffix("")),
                    html_path,
                    json.loads(gold_path.read_text("utf-8")),
                )
            )
    return pages


def ours(html: bytes, url: str, site_rules: bool) -> Article | None:
    try:
        return extract_article(html, url, site_rules=site_rules)
    except NotAnArticle:
        return None


def complete(article: Article | None) -> bool:
    return bool(
        article
        and article.headline
        and article.published
        and len(article.body) >= MIN_BODY
        and article.authors
    )


def field_scores(article: Article | None, gold: dict[str, Any]) -> dict[str, float]:
    scores: dict[str, float] = {}
    if article is None:
        return {name: 0.0 for name in FIELDS if name in gold or name in ("published_day", "first_paragraph")}
    for name in ("headline", "subtitle", "section"):
        if name in gold:
            scores[name] = float((clean(getattr(article, name)) or None) == (clean(gold[name]) or None))
    if "authors" in gold:
        scores["authors"] = float(article.authors == [clean(a) for a in gold["authors"]])
    if gold.get("published"):
        expected = datetime.fromisoformat(gold["published"])
        scores["published"] = float(article.published == expected)
        scores["published_day"] = float(
            article.published is not None and article.published.date() == expected.date()
        )
    if gold.get("first_paragraph"):
        scores["first_paragraph"] = float(
            fold_for_compare(gold["first_paragraph"]) in fold_for_compare(article.body)
        )
    if "captions" in gold:
        wanted = [fold_for_compare(c) for c in gold["captions"]]
        found = {fold_for_compare(image.caption or "") for image in article.images}
        scores["captions"] = sum(c in found for c in wanted) / len(wanted) if wanted else 1.0
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--no-site-rules", action="store_true", help="newsarchive's generic layers only")
    parser.add_argument("--verbose", action="store_true", help="every mismatch, page by page")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    pages = load(args.folder)
    if not pages:
        sys.exit(f"no NAME.html + NAME.json pairs in {args.folder}")
    extractors = {
        "newsarchive": lambda html, url: ours(html, url, not args.no_site_rules),
        "trafilatura": trafilatura_article,
    }
    totals: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in extractors}
    for name, path, gold in pages:
        html = path.read_bytes()
        for tool, extract in extractors.items():
            article = extract(html, gold["url"])
            if gold.get("article", True):
                totals[tool]["complete"].append(float(complete(article)))
                scores = field_scores(article, gold)
                for field, value in scores.items():
                    totals[tool][field].append(value)
                if args.verbose:
                    misses = [f for f, v in scores.items() if v < 1]
                    state = "complete" if complete(article) else "INCOMPLETE"
                    print(f"{tool:12s} {name}: {state} misses={misses}")
            else:
                refused = article is None or len(article.body) < MIN_BODY
                totals[tool]["refused"].append(float(refused))
                if args.verbose:
                    print(f"{tool:12s} {name}: {'refused' if refused else 'EXTRACTED'}")
    articles = sum(1 for *_, gold in pages if gold.get("article", True))
    print(f"{len(pages)} pages ({articles} articles, {len(pages) - articles} other) from {args.folder}")
    print(f"{'':16s}" + "".join(f"{tool:>14s}" for tool in extractors))
    for field in ("complete", "refused", *FIELDS):
        cells = []
        for tool in extractors:
            values = totals[tool].get(field) or []
            cells.append(f"{sum(values) / len(values):10.2f} ({len(values):2d})" if values else f"{'-':>14s}")
        print(f"{field:16s}" + "".join(f"{cell:>14s}" for cell in cells))


if __name__ == "__main__":
    main()
