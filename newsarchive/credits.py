"""Bylines and photo credits: names alone, without labels, roles or desk names."""

from __future__ import annotations

import re

from .text import clean

_CREDIT_LABEL = (
    r"(?:צילום(?:\s+(?:מסך|וידאו|אילוסטרציה))?|צילומים|צלם|צלמת|קרדיט|באדיבות|תמונה|איור|photo(?:graph)?|"
    r"credit|©)"
)
# what follows a credit label: ":", the Hebrew sof pasuq "׃", "|", or a dash between spaces
_LABEL_SEPARATOR = r"(?:\s*[:׃|]|\s+[-–]\s)"
# "... | צילום: X", "... (צילום: X)", "... צילום - X", "באדיבות המשפחה", "(X)" when X is a known agency
_CREDIT_TAIL = re.compile(
    r"^(?P<caption>.*?)[\s|,\-–]*(?:\(\s*" + _CREDIT_LABEL + r"\s*[:׃\-–|]?\s*(?P<paren>[^()]*?)\s*\)"
    r"|" + _CREDIT_LABEL + _LABEL_SEPARATOR + r"\s*(?P<plain>.+?)"
    r"|(?<!\S)באדיבות\s+(?P<courtesy>[^:׃|()]{2,60}?))\s*\.?\s*$",
    re.I | re.S,
)
_EMPTY_PARENS = re.compile(r"\s*\(\s*\)\s*$")

#: News agencies and wire services: real authors of a piece (unlike desks).
AGENCIES = {
    "רויטרס",
    "אי-פי",
    "אי־פי",
    "AP",
    "AFP",
    "אי.אף.פי",
    "סוכנויות הידיעות",
    "סוכנות הידיעות",
    "סוכנויות",
    "בלומברג",
    "שינחואה",
    "אסושייטד פרס",
    "Reuters",
    "Bloomberg",
    "גטי אימג'ס",
    "Getty Images",
}
_AGENCY_KEYS = {a.replace("־", "-").lower() for a in AGENCIES}

# Desk and brand names that stand where a byline should be, but name no person or agency.
_DESKS = re.compile(
    r"^(?:\(?\s*)?(?:ynet|ynet\s*news|(?:חדשות|מגזין|מוסף|דסק|ערוץ)(?:\s+\S+){0,3}|מערכת(?:\s+\S+){0,3}|וואלה!?(?:\s*\S+)?|walla!?(?:\s*\S+)?|"
    r"הארץ|haaretz|themarker|דה\s*מרקר|כלכליסט|calcalist|כתב(?:י|ת)?\s+\S+|מבזקים|ידיעות\s+אחרונות|"
    r"מעריב(?:\s+online)?|ישראל\s+היום|n12|mako|חדשות\s+\d+|גלובס|globes|עדכון|עדכונים|staff)(?:\s*\)?)$",
    re.I,
)
_BYLINE_LABEL = re.compile(
    r"^\s*(?:(?:מאת|מאתנו|מאת\s+כתבנו|by)\s*:?|(?:כתבו|כתב|כתבה|כתבת|עורך|עורכת|ערך|ערכה|צילום|צילם|צילמה|הכינו)\s*:)\s*",
    re.I,
)
# A part of a byline that is a role, not a name: "יוסי יהושוע, כתב לענייני צבא".
_ROLE_PART = re.compile(
    r"^(?:ה?כתב(?:ת|נו|ים)?|ה?פרשן|ה?פרשנית|ה?פרשנים|ה?עורך|ה?עורכת|ה?מגיש|ה?מגישה|ה?צלם|ה?צלמת|"
    r"ה?שליח|ה?שליחה|שליחנו|סגן|סגנית|מנהל|מנהלת|יועץ|יועצת|חוקר|חוקרת|"
    r"staff|correspondent|reporter|editor)(?:\s|$)",
    re.I,
)
# Roles written after a name: "ישראל ישראלי, כתב לענייני ביטחון" / "| פרשן".
_ROLE_TAIL = re.compile(
    r"\s*(?:[,|\-–]\s*|\s)(?:ה?כתב(?:ת|נו)?|ה?פרשן|ה?פרשנית|ה?עורך|ה?עורכת|ה?מגיש|ה?מגישה|ה?צלם|ה?צלמת|"
    r"ה?שליח|ה?שליחה|שליחנו)(?:\s+.*)?$",
)
_SPLIT = re.compile(r"\s*(?:,|;|/|\||&|\band\b|\s+ו-|\s+ו־)\s*")
#: first names that begin with ו; such a word after a name starts a new name only with a double ו
_VAV_NAMES = {
    "ולדימיר",
    "ויקטור",
    "ויטלי",
    "וליד",
    "ורד",
    "ורדה",
    "ויויאן",
    "וולף",
    "ויקי",
    "ורדית",
    "ואדים",
    "ואיל",
}
_MAX_NAME_WORDS = 5
# A byline block often goes on with the date: "רועי קייס פורסם: 24.01.14 , 07:34".
_DATE_TAIL = re.compile(
    r"\s*(?:\|\s*)?(?:פורסם|פורסמה|עודכן|עודכנה|עדכון\s+אחרון|published|updated|\d{1,2}[./:]\d)", re.I
)
_NOT_NAME = re.compile(
    r"[?!@/\\:=<>{}\[\]#%*+]|\d|הדפס|טעות|פנייה|פניה|שתפו|שתף|תגובה|תגובות|לכתב|לכתבה|כתבות|צור\s+קשר|עקבו|הירשמ|הרשמ|"
    r"מאמרים|לכל\s+ה|קראו|דווחו|שלחו|\bprint\b|\bshare\b|\bfollow\b|\bemail\b|\bmore\b|\bread\b",
    re.I,
)


def split_credit(text: str | None) -> tuple[str | None, str | None]:
    """Split "caption | צילום: X" / "caption (צילום: X)" / "קרדיט: X" into (caption, credit)."""
    text = clean(text)
    if not text:
        return None, None
    text = _EMPTY_PARENS.sub("", text)
    match = _CREDIT_TAIL.match(text)
    if match:
        credit = clean(match.group("paren") or match.group("plain") or match.group("courtesy")).strip(" .)(")
        caption = clean(match.group("caption")).rstrip(" |,.–-")
        return caption or None, credit or None
    # "(רויטרס)" / "(AP)" at the end: an agency in parentheses is a credit too.
    paren = re.match(r"^(?P<caption>.*?)\s*\((?P<credit>[^()]{2,30})\)\s*$", text)
    if paren and is_agency(paren.group("credit")):
        return clean(paren.group("caption")) or None, clean(paren.group("credit"))
    return text, None


def is_agency(name: str) -> bool:
    return clean(name).replace("־", "-").lower() in _AGENCY_KEYS


def is_desk(name: str) -> bool:
    """A desk or brand name ("חדשות", "(ynet)", "מערכת וואלה") rather than a person or an agency."""
    name = clean(name).strip("()[] ")
    return not name or (bool(_DESKS.match(name)) and not is_agency(name))


def parse_byline(text: str | None) -> list[str]:
    """Names from a byline: "מאת רועי קייס וסוכנויות הידיעות" -> ["רועי קייס", "סוכנויות הידיעות"]."""
    text = clean(text)
    if not text:
        return []
    text = _DATE_TAIL.split(text, maxsplit=1)[0]
    text = text.strip("()[] ")
    names: list[str] = []
    for part in _SPLIT.split(text):
        if _ROLE_PART.match(part):
            continue
        for name in _split_vav(part):
            name = _BYLINE_LABEL.sub("", name)
            name = _ROLE_TAIL.sub("", name).strip(" .,:;-–|()")
            if name and not is_desk(name) and looks_like_name(name) and name not in names:
                names.append(name)
    return names


def looks_like_name(name: str) -> bool:
    """A person's or agency's name: a few words of letters, no digits, no UI text."""
    words = name.split()
    if not 1 <= len(words) <= _MAX_NAME_WORDS or _NOT_NAME.search(name):
        return False
    if is_agency(name):
        return True
    letters = sum(ch.isalpha() for ch in name)
    return letters >= 3 and all(sum(ch.isalpha() for ch in w) >= 2 or w in ("ה", "ו") for w in words)


def _split_vav(part: str) -> list[str]:
    """Split "רויטרס ואי־פי" and "רועי קייס וסוכנויות הידיעות" at the conjunction ו glued to a word.

    A word starting with ו starts a new name only after a full name (two words) or an agency, and only
    when what follows is a full name or an agency: "ישראל וולך" stays one name.
    """
    words = part.split()
    for i in range(1, len(words)):
        word = words[i]
        if not word.startswith("ו") or len(word) < 3 or word in _VAV_NAMES:
            continue
        head, rest = " ".join(words[:i]), " ".join([word[1:], *words[i + 1 :]])
        if is_agency(rest) or is_agency(head) or (i >= 2 and len(words) - i >= 2):
            return [head, *_split_vav(rest)]
    return [part]


_TRAILING_BYLINE = re.compile(r"^\(\s*([^()]{2,60}?)\s*\)$")


def trailing_byline(paragraph: str) -> list[str] | None:
    """ "(אלישע בן קימון)" as a last body line is the byline of a news flash: its names, else None."""
    match = _TRAILING_BYLINE.match(clean(paragraph))
    if not match:
        return None
    inner = match.group(1)
    if len(inner.split()) > 8 or re.search(r"\d", inner) or inner.endswith((".", "?", "!")):
        return None
    return parse_byline(inner)
