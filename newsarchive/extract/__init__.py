"""Pure extraction: (html bytes, url) -> Article. No Scrapy, no network."""

from .blocked import bot_protection_reason
from .core import extract_article

__all__ = ["bot_protection_reason", "extract_article"]
