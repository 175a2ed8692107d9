"""Pure extraction: (html bytes, url) -> Article. No Scrapy, no network.

Its names load on first use, so that a module needing only the extractor's version (the archive) does not load
lxml, dateparser and the site profiles.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import EXTRACTOR_VERSION

if TYPE_CHECKING:
    from .blocked import bot_protection_reason
    from .core import extract_article

#: name -> the module of this package that defines it
_HOMES = {"bot_protection_reason": "blocked", "extract_article": "core"}

__all__ = ["EXTRACTOR_VERSION", "bot_protection_reason", "extract_article"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
