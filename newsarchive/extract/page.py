"""A parsed page: the lxml tree plus the metadata every layer reads (meta tags, JSON-LD, URLs)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit

from cssselect import HTMLTranslator
from lxml import etree

from ..article import NotAnArticle
from ..encoding import decode_html
from ..sites import same_site, web_address
from ..text import clean, fold_for_compare
from .elements import text_of
from .structured import read_microdata, read_state, walk

MAX_PAGE_CHARS = 8_000_000
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
_TRANSLATOR = HTMLTranslator()
_HUGE_TAG = re.compile(r"<([a-zA-Z][\w:-]{0,30})\s[^<>]{20000,}>")
_JSON_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_JSON_CONTROL = re.compile(r"[\x00-\x1f]")
# WordPress themes wrap inline scripts in CDATA markers: //<![CDATA[ ... //]]>
_CDATA = re.compile(r"^\s*(?://|/\*)?\s*<!\[CDATA\[\s*(?:\*/)?|(?://|/\*)?\s*\]\]>\s*(?:\*/)?\s*$")
# Where archived copies keep the page's real address: a browser's "Save Page As" (<!-- saved from
# url=(0052)https://... -->) and an HTTrack mirror (<!-- Mirrored from www.site.co.il/path by HTTrack ...).
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(https?://[^\s>]+?)\s*-->", re.I)
_MIRRORED_FROM = re.compile(r"<!--\s*Mirrored from\s+(\S+)\s+by HTTrack", re.I)

ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
}


@lru_cache(maxsize=512)
def xpath(css_or_xpath: str) -> etree.XPath:
    """Compile a CSS selector (or an XPath starting with '/' or '.') once."""
    if css_or_xpath.startswith(("/", "./", "(")):
        return etree.XPath(css_or_xpath)
    return etree.XPath(_TRANSLATOR.css_to_xpath(css_or_xpath, prefix="descendant-or-self::"))


_SINGLE_CLASS = re.compile(r"\.([A-Za-z_][\w-]*)")
_NEGATION = re.compile(r":not\([^)]*\)")
_CLASS_OR_ID = re.compile(r"[.#]((?:[\w-]|\\.)+)")
_ATTRIBUTE_TEST = re.compile(r"\[[^\]]*\]")
_MARKER_ATTRIBUTES = ("class", "rel", "itemprop", "aria-label")


@lru_cache(maxsize=512)
def required_names(selector: str) -> tuple[tuple[str, ...], ...] | None:
    """For a CSS selector, the class and id names each alternative needs; None when any alternative needs
    none (or the selector is XPath), so that it cannot be ruled out by looking at the page's text."""
    if selector.startswith(("/", "./", "(")):
        return None
    alternatives = []
    # an attribute test ("a[href*='tags.']") only narrows what the names select
    for alternative in _ATTRIBUTE_TEST.sub("", selector).split(","):
        names = tuple(_CLASS_OR_ID.findall(_NEGATION.sub("", alternative)))
        if not names:
            return None
        alternatives.append(names)
    return tuple(alternatives)


class Page:
    """One HTML document, parsed once, with the lookups that the extraction layers share."""

    def __init__(self, html_data: bytes | str, url: str, *, charset: str | None = None) -> None:
        text = decode_html(html_data, charset)
        self.truncated = len(text) > MAX_PAGE_CHARS
        if self.truncated:
            text = text[:MAX_PAGE_CHARS]
        # libxml2 checks attributes pairwise: a tag with tens of thousands of them takes minutes to parse.
        text = _HUGE_TAG.sub(r"<\1>", text)
        try:
            root = etree.fromstring(text.encode("utf-8", "surrogatepass"), _PARSER)
        except (etree.ParserError, ValueError) as error:
            raise NotAnArticle(f"unparseable HTML: {error}", url) from None
        if root is None or not isinstance(root.tag, str):
            raise NotAnArticle("no HTML document in the input", url)
        self.url = url
        self.jsonld = list(_read_jsonld(root))
        state_jsonld, articles = walk(read_state(root))
        known = {id(obj) for obj in self.jsonld}
        self.jsonld += [obj for obj in state_jsonld if id(obj) not in known]
        #: the site's own article objects found in framework state (Next.js, Nuxt, window.__STATE__...)
        self.state_articles = articles
        #: schema.org microdata items of article types
        self.microdata = read_microdata(root, ARTICLE_TYPES) if "itemscope" in text else []
        #: how many scripts the page runs (a shell that renders its text with JavaScript has several)
        self.scripts = sum(1 for _ in root.iter("script"))
        etree.strip_elements(root, "script", "style", "template", "svg", etree.Comment, with_tail=False)
        if "amp-access" in text or "cssSelector" in text:
            _unlock_parts(root, self.jsonld)
        self.root = root
        self.source = text
        self._selected: dict[str, list[etree._Element]] = {}
        self._names_seen: dict[str, bool] = {}
        self._holding: dict[tuple[str, ...], list[etree._Element]] = {}
        self.meta = _read_meta(root)
        self.lang = clean(root.get("lang") or "") or None
        #: a canonical link or og:url naming another site: recorded, never used as the page's address
        self.canonical_claim: str | None = None
        self.canonical = self._canonical()

    def select(self, selector: str, context: etree._Element | None = None) -> list[etree._Element]:
        if context is None and selector in self._selected:
            return self._selected[selector]
        needs = required_names(selector)
        if needs is not None and not any(all(map(self._has_name, names)) for names in needs):
            return []  # no class or id the selector needs is anywhere in the page: skip the tree walk
        if context is None and (single := _SINGLE_CLASS.fullmatch(selector)):
            # ".art_body": one class, answered from an index built in one walk, not a scan of every element
            found = list(self._class_index.get(single.group(1), ()))
            self._selected[selector] = found
            return found
        result = xpath(selector)(self.root if context is None else context)
        found = [e for e in result if isinstance(e, etree._Element)] if isinstance(result, list) else []
        if context is None:
            self._selected[selector] = found
        return found

    def _has_name(self, name: str) -> bool:
        """Whether a class or id name appears anywhere in the page's text (remembered: the profiles'
        selectors share names, and each look is a scan of the whole page)."""
        found = self._names_seen.get(name)
        if found is None:
            found = self._names_seen[name] = name in self.source
        return found

    @cached_property
    def _walked(self) -> tuple[dict[str, list[etree._Element]], dict[etree._Element, int], str]:
        """One walk over the page: its elements by each of their class names (in document order), the place
        in the document of each element that has attributes, and the markers (see :attr:`markers`)."""
        index: dict[str, list[etree._Element]] = {}
        order: dict[etree._Element, int] = {}
        values: list[str] = []
        for place, element in enumerate(self.root.iter()):
            attributes = element.attrib if isinstance(element.tag, str) else None
            if not attributes:  # what with_class_containing sorts has attributes
                continue
            order[element] = place
            values += [value for name in _MARKER_ATTRIBUTES if (value := attributes.get(name))]
            if classes := attributes.get("class"):
                for name in set(classes.split()):
                    index.setdefault(name, []).append(element)
        return index, order, " ".join(values).lower()

    @property
    def _class_index(self) -> dict[str, list[etree._Element]]:
        return self._walked[0]

    @property
    def markers(self) -> str:
        """Every class, rel, itemprop and aria-label value of the page, lower-cased: whether a heuristic's
        class-based search can find anything at all, at the cost of one pass."""
        return self._walked[2]

    def with_class_containing(
        self, words: tuple[str, ...], scope: etree._Element | None = None, *, also: str | None = None
    ) -> list[etree._Element]:
        """What ``.//*[contains(@class, w1) or contains(@class, w2) ... or ALSO]`` finds in ``scope`` (the
        page when None), in document order, without testing every element against every word: the words
        are looked for in the page's class names (a class attribute holds a word only within one name)."""
        index, order = self._class_index, self._walked[1]
        holding = self._holding.get(words)
        if holding is None:
            pattern = re.compile("|".join(map(re.escape, words)))
            holding = [element for name in index if pattern.search(name) for element in index[name]]
            self._holding[words] = holding
        found = set(holding)
        if also is not None:
            for element in self.select(also, scope):
                found.add(element)
        top = self.root if scope is None else scope
        found.discard(top)  # .//* holds the scope's descendants, not the scope
        if top is not self.root:
            found = {e for e in found if any(a is top for a in e.iterancestors())}
        return sorted(found, key=order.__getitem__)

    def mentions(self, *words: str) -> bool:
        return any(word in self.markers for word in words)

    def first(self, selector: str, context: etree._Element | None = None) -> etree._Element | None:
        found = self.select(selector, context)
        return found[0] if found else None

    def absolute(self, link: str | None) -> str | None:
        link = (link or "").strip()
        if not link or link.startswith(("data:", "javascript:", "about:")):
            return None
        try:
            return urljoin(self.canonical or self.url, link)
        except ValueError:
            return None

    def meta_value(self, *names: str) -> str | None:
        for name in names:
            value = self.meta.get(name.lower())
            if value:
                return value
        return None

    @cached_property
    def jsonld_by_id(self) -> dict[str, dict]:
        """JSON-LD objects by their ``@id``: what a reference such as Yoast's ``"author": {"@id": ...}``
        points at."""
        return {obj["@id"]: obj for obj in self.jsonld if isinstance(obj.get("@id"), str)}

    def articles_in_jsonld(self) -> list[dict]:
        return [obj for obj in self.jsonld if _types(obj) & ARTICLE_TYPES]

    @cached_property
    def declares_itself_an_article(self) -> bool:
        """Its JSON-LD holds one article, or one of several that the page's own title names: a front page
        listing its stories as NewsArticle objects declares none of them its own."""
        found = self.articles_in_jsonld()
        return len(found) == 1 or any(
            self.names_this_page(obj.get("headline") or obj.get("name")) for obj in found
        )

    @cached_property
    def title_keys(self) -> list[str]:
        """The page's own titles (og:title, <title>, <h1>), folded: which of several article objects in its
        data is this page's, and not a related story's."""
        titles = [self.meta_value("og:title", "twitter:title") or ""]
        titles += [text_of(e) for e in self.root.iterfind(".//title")][:1]
        titles += [text_of(e) for e in self.root.iterfind(".//h1")][:3]
        return [key for t in titles if len(key := fold_for_compare(t)) >= 8]

    def names_this_page(self, headline: object) -> bool:
        if not isinstance(headline, str) or len(headline) < 8:
            return False
        key = fold_for_compare(html.unescape(headline))
        return any(key in title or title in key for title in self.title_keys)

    def objects_of_type(self, *names: str) -> Iterator[dict]:
        wanted = {n.lower() for n in names}
        for obj in self.jsonld:
            if _types(obj) & wanted:
                yield obj

    def _canonical(self) -> str:
        """The page's own address, in one spelling (sites.WebAddress.normal: no user, no fragment, no
        trailing dot or default port). A canonical link or og:url is honoured only on the fetched page's own
        site and server (sites.same_site): any page could otherwise take over another site's article, or
        another port's. A page read from a file (no web address) believes its canonical link, else the
        address its archiver wrote down."""
        claims = [
            self._resolve(link.get("href"))
            for link in self.root.iterfind(".//link")
            if "canonical" in (link.get("rel") or "").lower().split()
        ]
        claims.append(self._resolve(self.meta.get("og:url")))
        fetched = self.url.startswith(("http://", "https://"))
        for claim in claims:
            if not claim:
                continue
            address = web_address(claim, unambiguous=True)
            # a page fetched from another address that names the site's front page as its own (a template
            # that gives every page the root as its canonical) is not the front page: its content decides
            front = fetched and is_front_page_address(claim) and not is_front_page_address(self.url)
            if front:
                continue
            if address is not None and not address.userinfo and (not fetched or same_site(self.url, claim)):
                return address.normal()
            self.canonical_claim = self.canonical_claim or claim
        if not fetched:
            return self.archived_url or self.url
        address = web_address(self.url)
        return address.normal() if address is not None and not address.userinfo else self.url

    @cached_property
    def archived_url(self) -> str | None:
        """The real address of a browser-saved page or an HTTrack mirror, from the archiver's comment."""
        head = self.source[:20_000]
        if match := _SAVED_FROM.search(head):
            return self._resolve(match.group(1))
        if match := _MIRRORED_FROM.search(head):
            address = match.group(1)
            return self._resolve(address if "://" in address else "http://" + address)
        return None

    def _resolve(self, link: str | None) -> str | None:
        link = clean(link)
        if not link:
            return None
        try:
            resolved = urljoin(self.url, link)
            parts = urlsplit(resolved)
        except ValueError:  # "https://[x/": an address urllib cannot split
            return None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        return resolved


_LOCK_WORDS = re.compile(r"paywall|premium|subscri|locked|metered", re.I)


def _unlock_parts(root: etree._Element, jsonld: list[dict]) -> None:
    """Paywalled text that the page itself holds, read once.

    AMP pages repeat the article in ``amp-access`` sections: a teaser for readers without access ("NOT
    subscriber") beside the whole text for those with it; the teaser goes when a granted section holds
    the text. The granted section, and the parts JSON-LD ``hasPart.cssSelector`` names as the locked
    article text, often carry class names such as "paywall": those words are taken off, so that the text
    is not mistaken for a paywall prompt.
    """
    sections = root.xpath("//*[@amp-access]")
    granted = [e for e in sections if not e.get("amp-access", "").strip().upper().startswith("NOT ")]
    unlocked = list(granted)
    for obj in jsonld:
        parts = obj.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            selector = part.get("cssSelector") if isinstance(part, dict) else None
            if isinstance(selector, str) and re.fullmatch(r"\.[\w-]+", selector.strip()):
                unlocked += root.xpath(f"//*[contains(concat(' ', @class, ' '), ' {selector.strip()[1:]} ')]")
    for element in unlocked:
        classes = [c for c in (element.get("class") or "").split() if not _LOCK_WORDS.search(c)]
        element.set("class", " ".join(classes))
    if any("".join(e.itertext()).strip() for e in granted):
        for element in sections:
            if element not in granted and element.getparent() is not None:
                element.getparent().remove(element)


def _read_meta(root: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for element in root.iterfind(".//meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = element.get("content")
        if key and content is not None:
            key = key.strip().lower()
            if key not in meta or not meta[key].strip():
                meta[key] = content
    return meta


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    if isinstance(kind, str):
        return {kind.lower()}
    if isinstance(kind, list):
        return {k.lower() for k in kind if isinstance(k, str)}
    return set()


def _read_jsonld(root: etree._Element) -> Iterator[dict]:
    for script in root.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        data = _loads(script.text or "")
        yield from _flatten(data, depth=0)


def _loads(raw: str) -> object:
    raw = raw.strip().removeprefix("<!--").removesuffix("-->")
    if "CDATA" in raw:
        raw = _CDATA.sub("", raw)
    raw = raw.strip()
    if not raw or len(raw) > 2_000_000:
        return None
    repairs = (
        lambda text: _JSON_TRAILING_COMMA.sub(r"\1", _JSON_CONTROL.sub(" ", text)),
        _escape_stray_quotes,
    )
    attempt = raw
    for repair in (None, *repairs):  # each repair only when the text before it failed to parse
        if repair is not None:
            attempt = repair(attempt)
        try:
            return json.loads(attempt)
        except (ValueError, RecursionError):
            continue
    return None


def _escape_stray_quotes(raw: str) -> str:
    """Quotes inside a JSON string that its writer left unescaped: Hebrew gershayim (צה"ל, ארה"ב) and
    quoted speech in headlines break many Israeli sites' JSON-LD. A quote closes a string only where JSON
    can go on after one (``,`` ``:`` ``}`` ``]`` or the end); any other is the text's own, and escaped."""
    out: list[str] = []
    in_string = False
    escaped = False
    length = len(raw)
    for index, char in enumerate(raw):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                following = index + 1
                while following < length and raw[following] in " \t\r\n":
                    following += 1
                if following < length and raw[following] not in ",:}]":
                    out.append('\\"')
                    continue
                in_string = False
        elif char == '"':
            in_string = True
        out.append(char)
    return "".join(out)


def _flatten(data: object, depth: int) -> Iterator[dict]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data[:200]:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if isinstance(graph, list):
            yield from _flatten(graph, depth + 1)
        # a WebPage that holds its article as mainEntity ({"@type": "WebPage", "mainEntity": {NewsArticle}})
        main_entity = data.get("mainEntity")
        if isinstance(main_entity, dict | list):
            yield from _flatten(main_entity, depth + 1)
        if "@type" in data:
            yield data


def jsonld_text(value: object) -> str:
    """A JSON-LD string value with HTML entities (and stray tags) removed."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("text")
    if not isinstance(value, str):
        return ""
    value = html.unescape(value)
    if "<" in value:
        value = re.sub(r"<[^>]{0,200}>", " ", value)
    return clean(value)


_FRONT_PAGE_PATHS = {"", "index.html", "index.htm", "index.php", "home", "default.aspx", "he", "en"}


def is_front_page_address(address: str) -> bool:
    """Whether a web address is a site's root, its front page."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return False
    path = parts.path.strip("/").lower()
    # "/?p=845612" (WordPress without pretty links) is a post, not the front page
    names_an_item = any(value.isdigit() for _, value in parse_qsl(parts.query))
    return parts.scheme in ("http", "https") and path in _FRONT_PAGE_PATHS and not names_an_item


def canonical_url(body: bytes) -> str | None:
    """The web address a saved page gives itself (canonical link, og:url), or None. Raises
    :class:`NotAnArticle` for bytes that are not an HTML page."""
    canonical = Page(body, "file:///").canonical
    return canonical if canonical.startswith(("http://", "https://")) else None
