"""The extraction layers, one module each: the site's own rules (``site``), structured data — JSON-LD,
microdata, framework state (``structured``) —, meta tags (``meta``) and generic heuristics (``generic``).

Each answers, field by field, what it knows; which answer wins is declared in ``extract/precedence.py``.
"""

from __future__ import annotations

from .base import Body, Layer
from .generic import GenericLayer
from .meta import MetaLayer
from .site import SiteLayer
from .structured import JsonLdLayer, MicrodataLayer, StateLayer

__all__ = [
    "Body",
    "GenericLayer",
    "JsonLdLayer",
    "Layer",
    "MetaLayer",
    "MicrodataLayer",
    "SiteLayer",
    "StateLayer",
]
