"""Pure extraction: (html bytes, url) -> Article. No Scrapy, no network."""

from .core import extract_article

__all__ = ["extract_article"]
