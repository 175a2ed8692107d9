"""newsarchive: scrape and archive Hebrew-language news with exact bylines, times, captions and credits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .article import Article, Image, NotAnArticle
from .extract.version import EXTRACTOR_VERSION

if TYPE_CHECKING:
    from .extract import extract_article

__version__ = "0.1.0"

__all__ = ["EXTRACTOR_VERSION", "Article", "Image", "NotAnArticle", "__version__", "extract_article"]


def __getattr__(name: str) -> Any:
    # The extractors (lxml, dateparser, the site profiles) load on first use, so that a command that never
    # extracts (`newsarchive --help`, `search`, `stats`) does not wait for them.
    if name == "extract_article":
        from .extract import extract_article

        return extract_article
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
