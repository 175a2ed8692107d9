"""Hebrew news dates: ISO fast path, numeric day-month-year, then Hebrew words via dateparser.

Naive times are Israel time; day-month order always.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .text import HEBREW_LETTER

ISRAEL = ZoneInfo("Asia/Jerusalem")

# Plausible range for a news page: older dates are scanner noise, later ones a broken CMS.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_LATEST_SLACK = timedelta(days=2)

_LABEL = re.compile(
    r"^\s*(?:תאריך\s+)?(?:פורסם|פורסמה|עודכן|עודכנה|עדכון\s+אחרון|עדכון|תאריך\s+פרסום|תאריך|פרסום|"
    r"published|updated|last\s+updated|posted)\s*(?:ב|on|at)?\s*[:\-–]?\s*",
    re.I,
)
_ISO = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?))?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?\s*$"
)
_NUMERIC = re.compile(
    r"(?<!\d)(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)"
    r"(?:\s*(?:[,|\-–/]|\bב?שעה\b)?\s*)*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_TIME_FIRST = re.compile(
    r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*[,|\-–]?\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?!\d)"
)
_CLOCK = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?![\d:])")
_ONE_UNIT = re.compile(r"לפני\s+(שעה|דקה|יום|שבוע|חודש|שנה)(?!\S)")
_DATE_WORDS = re.compile(
    r"\d|אתמול|היום|שלשום|לפני|ינואר|פברואר|מרץ|מרס|אפריל|מאי|יוני|יולי|אוגוסט|ספטמבר|אוקטובר|נובמבר|דצמבר|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|yesterday|today|ago",
    re.I,
)
# Hebrew-calendar dates ("כ״ג אדר א התשפ״ד") carry no Gregorian information dateparser understands.
_HEBREW_CALENDAR = re.compile(r"(?:ה?תש[א-ת]?[\"״]?[א-ת]|\bבאדר\b|\bאדר\s+[אב]\b)")


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class NotADate(ValueError):
    """A day or moment given by a user (--since, --until, a query's since:) that cannot be read."""


def parse_date(text: str | None, *, now: datetime | None = None) -> datetime | None:
    """Parse a date as written on an Israeli news page; ``None`` when there is none or it is impossible.

    ``now`` anchors relative forms ("אתמול, 21:10", "לפני 5 דקות"); it defaults to the current time.
    """
    if not text:
        return None
    text = text.strip()[:200]
    if not text:
        return None
    result = _parse_iso(text)
    if result is None:
        text = _LABEL.sub("", text)
        result = _parse_iso(text) or _parse_numeric(text) or _parse_words(text, now)
    return result if result is not None and _plausible(result, now) else None


def to_israel(value: datetime) -> datetime:
    """An aware datetime in Israel time (naive values are taken to be Israel time already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=ISRAEL)
    return value.astimezone(ISRAEL)


def _plausible(value: datetime, now: datetime | None) -> bool:
    latest = (now or datetime.now(UTC)) + _LATEST_SLACK
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=ISRAEL)
    return _EARLIEST <= value <= latest


def _parse_iso(text: str) -> datetime | None:
    match = _ISO.match(text)
    if not match:
        return None
    day, clock, zone = match.groups()
    iso = day + ("T" + clock.replace(",", ".") if clock else "")
    if clock and len(clock.split(":")[0]) == 1:
        iso = day + "T0" + clock
    if zone:
        iso += "+00:00" if zone in "Zz" else zone
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return to_israel(value).replace(microsecond=0)


def _make(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime | None:
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=ISRAEL)
    except ValueError:
        return None


def _parse_numeric(text: str) -> datetime | None:
    match = _NUMERIC.search(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        if hour is None:
            # "07:33 15.05.24", or a day header and a clock time side by side: the time stands apart.
            before = _TIME_FIRST.search(text) or _CLOCK.search(text)
            if before:
                hour, minute, second = before.group(1), before.group(2), before.group(3)
        return _make(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    return None


@lru_cache(maxsize=1)
def _dateparser():  # imported lazily: dateparser takes ~0.5 s to import and most pages never need it
    import dateparser

    return dateparser


def _parse_words(text: str, now: datetime | None) -> datetime | None:
    if not _DATE_WORDS.search(text):
        return None  # dateparser is slow, and a string with neither digits nor date words holds no date
    if _HEBREW_CALENDAR.search(text) and not re.search(r"\d{4}", text):
        return None
    text = _ONE_UNIT.sub(r"לפני 1 \1", text).replace("|", " ")
    base = to_israel(now or datetime.now(UTC)).replace(tzinfo=None)
    settings = {
        "TIMEZONE": "Asia/Jerusalem",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": base,
    }
    languages = ["he", "en"] if not HEBREW_LETTER.search(text) else ["he"]
    try:
        value = _dateparser().parse(text, languages=languages, settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; a date we cannot read is no date
        return None
    if value is None:
        return None
    # dateparser attaches pytz zones; normalise to zoneinfo so offsets print the same everywhere
    return (
        to_israel(value.replace(tzinfo=None)).replace(microsecond=0)
        if value.tzinfo is None
        else (value.astimezone(ISRAEL).replace(microsecond=0))
    )


_ZONE = re.compile(r"(?:\d[Zz]|[+-]\d{2}:?\d{2}|\b(?:GMT|UTC)\b)\s*$")


def is_zoned(text: str | None) -> bool:
    """Whether a date string states its zone ("...Z", "+03:00", "GMT"), rather than a wall-clock time."""
    return bool(text) and bool(_ZONE.search(text.strip()))


def has_time_of_day(text: str) -> bool:
    """Whether a raw date string states a time (so a midnight result is real, not a default)."""
    return bool(re.search(r"\d{1,2}:\d{2}", text))


def parse_utc(value: str | None) -> datetime | None:
    """A UTC time as the archive and WARC files write it ("2024-05-15T08:00:00Z"; a naive one counts as
    UTC); None when empty or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_utc(value: datetime | None) -> str | None:
    """A time as the archive writes it: UTC to the second, "2024-05-15T08:00:00Z" (a naive time counts as
    Israel's); :func:`parse_utc` reads it back."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ISRAEL)
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value.isoformat()} falls outside the calendar in UTC") from None
    # isoformat writes the year with four digits (strftime wrote year 500 as "500", out of text order)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_day(value: str, *, end_of_day: bool = False, now: datetime | None = None) -> datetime:
    """A day or a moment for --since/--until: ISO dates and times, "today", "yesterday", "3 days ago",
    Hebrew forms ("אתמול"). A bare day means its start (or its end, for ``until``) in Israel time. A day the
    calendar cannot hold ("1000000d", year 1 in UTC) is a :class:`NotADate` too."""
    try:
        moment = _parse_day(value, end_of_day, now)
        moment.astimezone(UTC)  # what the archive compares: it must exist in UTC as well
    except (OverflowError, ValueError) as error:
        if isinstance(error, NotADate):
            raise
        raise NotADate(f"not a date: {_shown(value)} (out of the calendar's range)") from None
    return moment


def _shown(value: str) -> str:
    """A value in a message: quoted, and cut when long."""
    return repr(value if len(value) <= 100 else value[:100] + "…")


def _parse_day(value: str, end_of_day: bool, now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    text = value.strip().lower()
    if _CONTROL_CHARACTERS.search(text):
        raise NotADate(f"not a date: {_shown(value)} (it holds control characters)")
    if re.fullmatch(r"\d{4}(-\d{2})?", text):  # a year, or a month: from its first day, until its last
        year, month = int(text[:4]), int(text[5:]) if len(text) > 4 else None
        first = date(year, 1 if month is None else month, 1)
        last = (date(year, 12 if month is None else month, 1) + timedelta(days=31)).replace(day=1)
        last -= timedelta(days=1)
        return _day_bound(last if end_of_day else first, end_of_day)
    if re.fullmatch(r"[+-]?\d+", text):  # dateparser reads "5" as the 5th of this month, "-5" likewise
        raise NotADate(
            f"not a date: {_shown(value)} (a bare number; for days back write '{text.lstrip('+-')} days ago')"
        )
    words = {"today": 0, "היום": 0, "yesterday": 1, "אתמול": 1}
    if text in words:
        day = (now.astimezone(ISRAEL) - timedelta(days=words[text])).date()
        return _day_bound(day, end_of_day)
    ago = re.fullmatch(r"(\d+)\s*(?:days?|d)\s*(?:ago)?", text)
    if ago:
        day = (now.astimezone(ISRAEL) - timedelta(days=int(ago.group(1)))).date()
        return _day_bound(day, end_of_day)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return _day_bound(date.fromisoformat(text), end_of_day)
        except ValueError:
            raise NotADate(f"not a date: {_shown(value)}") from None
    moment = parse_date(value, now=now)
    if moment is None:
        raise NotADate(f"not a date: {_shown(value)} (try 2024-05-15 or yesterday)")
    if moment.time() == time(0) and end_of_day:
        return _day_bound(moment.date(), True)
    return moment


def _day_bound(day: date, end_of_day: bool) -> datetime:
    moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), tzinfo=ISRAEL)
    return moment
