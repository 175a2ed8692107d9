from __future__ import annotations

from datetime import datetime

import pytest

from newsarchive.dates import ISRAEL, is_zoned, parse_date

NOW = datetime(2024, 5, 16, 12, 0, tzinfo=ISRAEL)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ISRAEL)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-06-23T10:58:51.563823Z", at(2021, 6, 23, 13, 58, 51)),
        ("2024-03-03 13:52:00", at(2024, 3, 3, 13, 52)),
        ("2024-03-03T14:29:20+02:00", at(2024, 3, 3, 14, 29, 20)),
        ("2022-03-14T09:20:00+0200", at(2022, 3, 14, 9, 20)),
        ("15.05.2024, 07:33", at(2024, 5, 15, 7, 33)),
        ("15.05.24 | 07:33", at(2024, 5, 15, 7, 33)),
        ("15/05/2024 07:33", at(2024, 5, 15, 7, 33)),
        ("07:33 15.05.24", at(2024, 5, 15, 7, 33)),
        ("05/04/2024", at(2024, 4, 5)),  # day first, always
        ("פורסם: 22.05.20 , 15:08", at(2020, 5, 22, 15, 8)),
        ("עודכן: 15/05/24 | 07:33", at(2024, 5, 15, 7, 33)),
        ("15:08 , 22.05.20", at(2020, 5, 22, 15, 8)),
        ('מבזקי חדשות - יום ראשון 03.03.2024 / כ״ג אדר א התשפ"ד 13:52', at(2024, 3, 3, 13, 52)),
        ("יום רביעי, 15 במאי 2024 | 07:33", at(2024, 5, 15, 7, 33)),
        ("15 במאי 2024", at(2024, 5, 15)),
        ("אתמול, 21:10", at(2024, 5, 15, 21, 10)),
        ("לפני 5 דקות", at(2024, 5, 16, 11, 55)),
        ("לפני שעה", at(2024, 5, 16, 11, 0)),
    ],
)
def test_forms(text: str, expected: datetime) -> None:
    assert parse_date(text, now=NOW) == expected


def test_offsets_follow_israeli_dst() -> None:
    assert parse_date("15.01.2024 10:00").utcoffset().total_seconds() == 2 * 3600
    assert parse_date("15.05.2024 10:00").utcoffset().total_seconds() == 3 * 3600
    # 2024: DST began on 29 March, so 3 March is winter time
    assert parse_date("2024-03-03 13:52:00").isoformat() == "2024-03-03T13:52:00+02:00"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "31.02.2024",
        "32.13.2024 10:00",
        "ט' באייר תשפ\"ד",
        "הדפסה מצאתם טעות?",
        "9999-99-99",
        "3000-01-01",
        "1870-01-01",
        "\x00\x01",
        "א" * 10_000,
    ],
)
def test_impossible_or_missing_dates_give_none(text: str) -> None:
    assert parse_date(text, now=NOW) is None


def test_zoned() -> None:
    assert is_zoned("2020-05-22T18:08:48z")
    assert is_zoned("2022-03-14T09:20:00+0200")
    assert is_zoned("Fri, 22 May 2020 13:14:00 GMT")
    assert not is_zoned("2024-03-03 13:52:00")
    assert not is_zoned("15:08 , 22.05.20")
