"""The search query language, parsed into safe FTS5 expressions and SQL filters.

    אלטמן                       a word, in any prefixed form (לאלטמן, ואלטמן...); the exact form ranks first
    =אלטמן                      this form only
    ממשל*                       any word that begins so, in any prefixed form (ממשלה, הממשלה, ממשלתי)
    "בית ספר"                   a phrase (prefixes allowed on its words)
    נתניהו OR גנץ               either word
    קורונה -חיסון               a word without another
    headline:בחירות             a word in the headline
    site:ynet author:"טל שלו" section:ספורט tag:קורונה since:2024-01-01 until:yesterday

User text never reaches SQL: words become quoted FTS5 tokens made of letters and digits only, and filter
values become bound parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import product

from ..dates import NotADate, parse_day
from ..text import HEBREW_RANGE
from .hebrew import index_form, query_forms, tokens

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32
FILTER_FIELDS = ("site", "author", "section", "tag", "since", "until", "lang")
TEXT_FIELDS = ("headline",)
#: a phrase's leading words are matched in a row in the index for up to this many combinations of
#: their readings (ממשלה: ממשלה; הממשלה: הממשלה or ה+ממשלה); the later words are checked afterwards
MAX_PHRASE_COMBINATIONS = 64

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LEXER = re.compile(
    r"""\s*(?:
        (?P<neg>-)?(?P<field>[A-Za-z]+):(?:"(?P<fquoted>[^"]*)"|(?P<fvalue>[^\s"]*))
      | (?P<negp>-)?(?P<eqp>=)?"(?P<phrase>[^"]*)"
      | (?P<or>OR)(?=\s|$)
      | (?P<and>AND)(?=\s|$)
      | (?P<negw>-)?(?P<eqw>=)?(?P<word>[^\s"]+)
    )""",
    re.X,
)


class QueryError(ValueError):
    """A query that cannot be run, with a message for the person who typed it."""


@dataclass(frozen=True)
class Term:
    tokens: tuple[str, ...]
    negated: bool = False
    column: str | None = None  # None: anywhere; "headline": the headline only
    prefix: bool = False  # word*: any word starting so
    exact: bool = False  # =word: this form only, no prefixed forms

    @property
    def needs_word_check(self) -> bool:
        """Whether the index matches this term only loosely: a phrase with too many readings to put them
        all in a row in the index (see _phrase_head), whose later words must be checked word by word."""
        if len(self.tokens) < 2 or self.exact or self.column is not None:
            return False
        return bool(_phrase_head(self.tokens)[1])


@dataclass
class ParsedQuery:
    #: conjunction of disjunctions: [[a, b], [c]] means (a OR b) AND c
    groups: list[list[Term]] = field(default_factory=list)
    negated: list[Term] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    #: the index prefixes a prefix term's letters reach beyond the stems that begin with them (מספ*:
    #: "ספרxמ", since מספר is indexed as מ+ספר), found in the index's vocabulary (Archive does); without
    #: them a prefix term finds the words whose stem begins with its letters only
    prefix_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def prefix_letters(self) -> list[str]:
        """The letters of the query's prefix terms (ממשל for ממשל*)."""
        every = [*(t for g in self.groups for t in g), *self.negated]
        return list(dict.fromkeys(t.tokens[0] for t in every if t.prefix))

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    def match_expression(self, *, exact_only: bool = False) -> str:
        """The FTS5 MATCH expression; ``exact_only`` leaves out the prefix-expanded column."""
        clauses = []
        for group in self.groups:
            alternatives = [_term_expression(term, exact_only, self.prefix_forms) for term in group]
            clauses.append(
                alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"
            )
        expression = " AND ".join(clauses)
        for term in self.negated:
            expression = f"{expression} NOT {_term_expression(term, False, self.prefix_forms)}"
        return expression

    def highlight_tokens(self) -> list[tuple[str, ...]]:
        """The words a snippet marks, in any prefixed form (prefix terms apart: highlight_prefixes)."""
        return [term.tokens for group in self.groups for term in group if not term.prefix]

    def highlight_prefixes(self) -> list[str]:
        """The letters of the prefix terms a snippet marks the words beginning with (not negated ones)."""
        return list(dict.fromkeys(term.tokens[0] for group in self.groups for term in group if term.prefix))


def parse_query(text: str, *, now: datetime | None = None) -> ParsedQuery:
    """Parse a search query; raises :class:`QueryError` with a readable message when it cannot be run."""
    query = ParsedQuery()
    pending_or = False
    for match in _lexemes(_checked_text(text)):
        if match.group("and"):
            continue  # words are joined by AND anyway
        if match.group("or"):
            if not query.groups or pending_or:
                raise QueryError("OR needs a word or phrase on each side")
            pending_or = True
            continue
        term = _read_term(match, query, now)
        if term is None:
            continue
        if term.negated:
            if pending_or:
                raise QueryError("OR cannot join an excluded term")
            query.negated.append(term)
        elif pending_or:
            query.groups[-1].append(term)
            pending_or = False
        else:
            query.groups.append([term])
    if pending_or:
        raise QueryError("OR needs a word or phrase on each side")
    _check_whole(query)
    return query


def _checked_text(text: str) -> str:
    """The query's text, normalised (see :func:`normalize_query`), control characters made spaces; a
    QueryError when it is empty, too long or its quotes unbalanced."""
    if text is None or not text.strip():
        raise QueryError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(text):,} characters; the limit is {MAX_QUERY_CHARS:,})"
        )
    if normalize_query(text).count('"') % 2:
        raise QueryError('unbalanced quotes: close the phrase with a second "')
    return _CONTROL.sub(" ", normalize_query(text))


def _lexemes(text: str) -> Iterator[re.Match[str]]:
    """The query's pieces in order (see _LEXER); a QueryError at the first piece it cannot read."""
    position = 0
    while position < len(text):
        match = _LEXER.match(text, position)
        if not match or match.end() == position:
            if text[position:].strip():
                raise QueryError(f"cannot read the query near {text[position : position + 20]!r}")
            break
        position = match.end()
        yield match


def _read_term(match: re.Match[str], query: ParsedQuery, now: datetime | None) -> Term | None:
    """The term of a word, a phrase or a field:value piece; a filter (site:, since:...) is added to
    ``query`` instead, and None returned (as for a piece without letters or digits)."""
    if match.group("field"):
        name = match.group("field").lower()
        value = match.group("fquoted") if match.group("fquoted") is not None else match.group("fvalue")
        negated = bool(match.group("neg"))
        if name in FILTER_FIELDS:
            if negated:
                raise QueryError(f"-{name}: is not supported; filters only include")
            _add_filter(query, name, value, now)
            return None
        if name not in TEXT_FIELDS:
            known = ", ".join(FILTER_FIELDS + TEXT_FIELDS)
            raise QueryError(f"unknown field {name!r}: the fields are {known}")
        return _make_term(value, negated=negated, column=name)
    if match.group("phrase") is not None:
        return _make_term(
            match.group("phrase"), negated=bool(match.group("negp")), exact=bool(match.group("eqp"))
        )
    return _make_term(match.group("word"), negated=bool(match.group("negw")), exact=bool(match.group("eqw")))


def _check_whole(query: ParsedQuery) -> None:
    """A QueryError for a query that is readable but cannot be run as a whole."""
    if sum(len(g) for g in query.groups) + len(query.negated) > MAX_TERMS:
        raise QueryError(f"too many terms (the limit is {MAX_TERMS})")
    if query.negated and not query.groups:
        raise QueryError("a query needs at least one word to look for, not only words to exclude")
    if not query.groups and not query.filters and query.since is None and query.until is None:
        raise QueryError("the query has no words to look for")
    check_range(query)


def check_range(query: ParsedQuery) -> None:
    """A query whose since: is after its until: can match nothing: that is a mistake, not an answer."""
    if query.since is not None and query.until is not None and query.since > query.until:
        raise QueryError(
            f"since {query.since:%Y-%m-%d %H:%M} is after until {query.until:%Y-%m-%d %H:%M}:"
            " no article can match"
        )


def normalize_query(text: str) -> str:
    """Quotes inside words (צה"ל, ארה״ב) belong to the word: remove them before phrases are read."""
    text = text.replace("״", '"').replace("“", '"').replace("”", '"')
    return re.sub(f'(?<=[{HEBREW_RANGE}])"(?=[{HEBREW_RANGE}])', "", text)


def _make_term(
    raw: str, *, negated: bool = False, column: str | None = None, exact: bool = False
) -> Term | None:
    prefix = raw.endswith("*") and len(raw) > 1
    found = tuple(tokens(raw.rstrip("*")))
    if not found:
        return None
    if prefix and exact and len(found) == 1:
        raise QueryError(
            f"={raw} mixes two things: {raw} finds words that begin so, ={raw[:-1]} this form only"
        )
    return Term(found, negated=negated, column=column, prefix=prefix and len(found) == 1, exact=exact)


def _term_expression(term: Term, exact_only: bool, prefix_forms: dict[str, tuple[str, ...]]) -> str:
    """The FTS5 expression of one term. Each token of the text is one index form (see
    hebrew.index_form): a word in any prefixed form is a prefix query on its query forms, the exact form
    is its own index form, a phrase is those in a row. A prefix term matches alike in both tiers: the
    stems that begin with its letters, and the index forms its letters reach beyond them (prefix_forms)."""
    column = f"{term.column} : " if term.column else ""  # no filter: the headline or the text
    words = term.tokens
    if term.prefix:
        forms = (words[0], *prefix_forms.get(words[0], ()))
        return column + "(" + " OR ".join(f'"{form}" *' for form in forms) + ")"
    if exact_only or term.exact:
        return f'{column}"{" ".join(index_form(w) for w in words)}"'
    if len(words) == 1:
        return f"{column}({_any_of(words[0])})"
    head, tail = _phrase_head(words)
    combos = " OR ".join(
        " + ".join(f'"{form}" *' for form in forms) for forms in product(*(query_forms(w) for w in head))
    )
    rest = "".join(f" AND ({_any_of(w)})" for w in tail)
    return f"{column}(({combos}){rest})"


def _any_of(word: str) -> str:
    forms = query_forms(word)
    if len(forms) == 1 and forms[0] == word:  # not Hebrew: the word itself
        return f'"{word}"'
    return " OR ".join(f'"{form}" *' for form in forms)


def _phrase_head(words: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The leading words whose forms are combined into FTS5 phrases (at most MAX_PHRASE_COMBINATIONS of
    them); the rest are only required anywhere, and the phrase is checked word by word afterwards."""
    combinations = 1
    for size, word in enumerate(words):
        combinations *= len(query_forms(word))
        if combinations > MAX_PHRASE_COMBINATIONS:
            return words[: max(size, 2)], words[max(size, 2) :]
    return words, ()


def _add_filter(query: ParsedQuery, name: str, value: str, now: datetime | None) -> None:
    value = value.strip()
    if not value:
        raise QueryError(f"{name}: needs a value")
    if name in ("since", "until"):
        moment = parse_day_filter(value, end_of_day=name == "until", now=now)
        setattr(query, name, moment)
        return
    query.filters.setdefault(name, []).append(value)


def parse_day_filter(value: str, *, end_of_day: bool = False, now: datetime | None = None) -> datetime:
    """:func:`~newsarchive.dates.parse_day` for a query's since/until: a day it cannot read is a
    :class:`QueryError`."""
    try:
        return parse_day(value, end_of_day=end_of_day, now=now)
    except NotADate as error:
        raise QueryError(str(error)) from None
