from __future__ import annotations

import pytest

from newsarchive.credits import is_desk, parse_byline, split_credit, trailing_byline


@pytest.mark.parametrize(
    ("text", "caption", "credit"),
    [
        ("הטיילת בבת גלים, הבוקר | צילום: אביגיל עוזי", "הטיילת בבת גלים, הבוקר", "אביגיל עוזי"),
        (
            'דרוקר ועמיתו להגשת "המקור" ברוך קרא (צילום: רשת 13)',
            'דרוקר ועמיתו להגשת "המקור" ברוך קרא',
            "רשת 13",
        ),
        ("ראש הממשלה בכנסת, היום. צילום: אמיל סלמן", "ראש הממשלה בכנסת, היום", "אמיל סלמן"),
        ("קרדיט: רויטרס", None, "רויטרס"),
        ("צילום: AP", None, "AP"),
        ("מפגינים בירושלים (רויטרס)", "מפגינים בירושלים", "רויטרס"),
        (
            "עשן במקום הפיצוץ בקהיר, מול מטה כוחות הביטחון ()",
            "עשן במקום הפיצוץ בקהיר, מול מטה כוחות הביטחון",
            None,
        ),
        ("כיתת לימוד (צילום: פלאש 90)", "כיתת לימוד", "פלאש 90"),
        ("שקיעה בים המלח", "שקיעה בים המלח", None),
        ("", None, None),
    ],
)
def test_split_credit(text: str, caption: str | None, credit: str | None) -> None:
    assert split_credit(text) == (caption, credit)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("מאת רועי קייס וסוכנויות הידיעות", ["רועי קייס", "סוכנויות הידיעות"]),
        ("רויטרס ואי־פי", ["רויטרס", "אי־פי"]),
        ("דני כהן ומשה לוי", ["דני כהן", "משה לוי"]),
        ("ישראל וולך", ["ישראל וולך"]),
        ("מאת: עמוס הראל | פרשן צבאי", ["עמוס הראל"]),
        ("יוסי יהושוע, כתב לענייני צבא", ["יוסי יהושוע"]),
        ("אלון בן דוד, כתבנו הצבאי", ["אלון בן דוד"]),
        ("שחר אילן, אדריאן פילוט", ["שחר אילן", "אדריאן פילוט"]),
        ("רועי קייס פורסם: 24.01.14 , 07:34", ["רועי קייס"]),
        ("חדשות", []),
        ("(ynet)", []),
        ("מערכת וואלה", []),
        ("וואלה! חדשות", []),
        ("הדפסהמצאתם טעות? דווחו לנו", []),
        ("by John Smith", ["John Smith"]),
        ('אחיה ראב"ד', ['אחיה ראב"ד']),
    ],
)
def test_parse_byline(text: str, names: list[str]) -> None:
    assert parse_byline(text) == names


def test_trailing_byline() -> None:
    assert trailing_byline("(אלישע בן קימון)") == ["אלישע בן קימון"]
    assert trailing_byline("(ynet)") == []
    assert trailing_byline("(רויטרס)") == ["רויטרס"]
    assert trailing_byline("המשטרה הודיעה על מעצר. (עדכון)") is None
    assert trailing_byline("(ראו גם בעמוד 12 את הכתבה המלאה על הנושא.)") is None
    assert trailing_byline("טקסט רגיל של פסקה") is None


@pytest.mark.parametrize(
    ("text", "caption", "credit"),
    [
        ("כבאים במקום השריפה | צלם: יוסי זמיר", "כבאים במקום השריפה", "יוסי זמיר"),
        ("הנשיא בטקס (צילום - קובי גדעון)", "הנשיא בטקס", "קובי גדעון"),
        ("הנשיא בטקס. צילום׃ חיים צח", "הנשיא בטקס", "חיים צח"),  # the Hebrew sof pasuq
        ("ילדים בגן, באדיבות המשפחה", "ילדים בגן", "המשפחה"),
        ("נוף הכנרת | קרדיט - אי-פי", "נוף הכנרת", "אי-פי"),
        ("חיילים בגבול (באדיבות דובר צה״ל)", "חיילים בגבול", "דובר צה״ל"),
        ("צילומים רבים נעשו בשטח", "צילומים רבים נעשו בשטח", None),  # a label word in a sentence is no label
    ],
)
def test_credit_labels_in_all_their_forms(text: str, caption: str | None, credit: str | None) -> None:
    assert split_credit(text) == (caption, credit)


@pytest.mark.parametrize(
    "name", ["מגזין ynet", "חדשות 13", "חדשות הדרום", "מערכת וואלה! חדשות", "דסק החוץ", "מוסף הארץ", "ערוץ 7"]
)
def test_desk_brand_and_section_names_are_no_authors(name: str) -> None:
    assert is_desk(name)
    assert parse_byline(f"מאת {name}") == []


def test_the_sites_own_name_is_no_author() -> None:
    from newsarchive import extract_article

    prose = "טקסט של פסקה ארוכה מספיק כדי להיות גוף של כתבה אמיתית, עם עוד כמה מילים. " * 4
    page = (
        '<html lang="he"><head><meta property="og:site_name" content="כלבו צפון">'
        '<meta property="og:type" content="article"><meta name="author" content="כלבו צפון"></head><body>'
        f"<article><h1>הכביש החדש לגליל ייפתח בשבוע הבא</h1><p>{prose}</p></article></body></html>"
    )
    assert extract_article(page.encode(), "https://www.kolbotzafon.co.il/news/1").authors == []
