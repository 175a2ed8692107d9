"""The one schema of the project: an extracted news article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class NotAnArticle(Exception):
    """The page is not a news article (section front, tag page, video page, error page, empty body...)."""

    def __init__(self, reason: str, url: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.url = url


@dataclass(slots=True)
class Image:
    src: str | None
    caption: str | None = None
    credit: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"src": self.src, "caption": self.caption, "credit": self.credit}


@dataclass(slots=True)
class Article:
    url: str
    site: str
    headline: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    paywalled: bool = False
    #: which layer produced each field: "site:<key>", "jsonld", "meta" or "generic"
    provenance: dict[str, str] = field(default_factory=dict)
    #: problems met on the way that did not stop extraction (a partial article says why here)
    warnings: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        """Paragraphs in order, joined by blank lines."""
        return "\n\n".join(self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ISO 8601 times with offset, body as one string, images as objects."""
        return {
            "url": self.url,
            "site": self.site,
            "headline": self.headline,
            "subtitle": self.subtitle,
            "authors": list(self.authors),
            "published": _iso(self.published),
            "updated": _iso(self.updated),
            "body": self.body,
            "images": [image.to_dict() for image in self.images],
            "section": self.section,
            "tags": list(self.tags),
            "language": self.language,
            "paywalled": self.paywalled,
            "provenance": dict(self.provenance),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_dict` (accepts ``body`` as a string or ``body_paragraphs`` as a list, and
        times as ISO 8601 text or as datetimes)."""
        paragraphs = data.get("body_paragraphs")
        if paragraphs is None:
            body = data.get("body") or ""
            paragraphs = [p for p in body.split("\n\n") if p]
        return cls(
            url=data["url"],
            site=data.get("site") or "",
            headline=data.get("headline"),
            subtitle=data.get("subtitle"),
            authors=list(data.get("authors") or []),
            published=_parse_iso(data.get("published")),
            updated=_parse_iso(data.get("updated")),
            paragraphs=list(paragraphs),
            images=[Image(**image) for image in data.get("images") or []],
            section=data.get("section"),
            tags=list(data.get("tags") or []),
            language=data.get("language"),
            paywalled=bool(data.get("paywalled")),
            provenance=dict(data.get("provenance") or {}),
            warnings=list(data.get("warnings") or []),
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_iso(value: str | datetime | None) -> datetime | None:
    """ISO 8601 text as a time; a time (the archive's rows are read into one) as it is."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value) if value else None
