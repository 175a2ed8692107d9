"""Extraction quality, field by field, of newsarchive and trafilatura on the same gold pages.

    python benchmarks/compare_quality.py [GOLD_DIR]     # default ../shared/corpus

trafilatura's `bare_extraction(..., with_metadata=True)` output is mapped onto our fields (title -> headline,
author split on ';' -> authors, date -> published at midnight Israel time since it gives no time of day,
text -> body, description -> subtitle) and scored with the same scorer as `newsarchive eval`.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

from newsarchive import Article, NotAnArticle, extract_article
from newsarchive.dates import ISRAEL
from newsarchive.evaluate import FIELDS, Report, load_cases, score_article

ROOT = Path(__file__).resolve().parent.parent


def trafilatura_article(html: bytes, url: str) -> Article | None:
    from trafilatura import bare_extraction

    doc = bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return None
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    published = None
    if data.get("date"):
        try:
            published = datetime.fromisoformat(data["date"]).replace(tzinfo=ISRAEL)
        except ValueError:
            published = None
    text = data.get("text") or ""
    return Article(
        url=data.get("url") or url,
        site=data.get("sitename") or "",
        headline=data.get("title"),
        subtitle=data.get("description"),
        authors=[a.strip() for a in (data.get("author") or "").split(";") if a.strip()],
        published=published,
        paragraphs=[line for line in text.split("\n") if line.strip()],
        section=(data.get("categories") or [None])[0] if isinstance(data.get("categories"), list) else None,
        tags=list(data.get("tags") or []) if isinstance(data.get("tags"), list) else [],
    )


def ours(html: bytes, url: str) -> Article | None:
    try:
        return extract_article(html, url)
    except NotAnArticle:
        return None


def main() -> None:
    logging.disable(logging.WARNING)
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus"
    cases = load_cases(folder)
    reports = {}
    for name, extractor in (("newsarchive", ours), ("trafilatura", trafilatura_article)):
        reports[name] = Report([score_article(extractor(c.html_path.read_bytes(), c.url), c) for c in cases])
    fields = [f for f in FIELDS if f not in ("images", "captions", "credits", "paywalled", "updated")]
    print(f"{len(cases)} pages from {folder}")
    print(f"{'field':12s}" + "".join(f"{name:>14s}" for name in reports))
    averages = {name: report.averages() for name, report in reports.items()}
    for field in fields:
        print(f"{field:12s}" + "".join(f"{averages[name].get(field, 0):14.3f}" for name in reports))
    for name, report in reports.items():
        print(f"boilerplate strings in bodies, {name}: {report.boilerplate_hits}")


if __name__ == "__main__":
    main()
