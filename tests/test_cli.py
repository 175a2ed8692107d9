from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newsarchive.cli import COMMANDS, EXIT_NOT_ARTICLE, USER_AGENT, main

from .conftest import FIXTURES

ITEM = FIXTURES / "walla" / "item.html"


def test_extract_prints_json_with_the_article_fields() -> None:
    result = CliRunner().invoke(main, ["extract", str(ITEM)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["url"] == "https://news.walla.co.il/item/3601234"  # from the page's og:url
    assert data["headline"] == "המחאה נגד יוקר המחיה מתרחבת"
    assert data["published"] == "2023-06-10T22:31:00+03:00"
    assert data["authors"] == ["אלי אשכנזי"]
    assert data["body"].count("\n\n") == 2
    assert data["images"][0]["credit"] == "ראובן קסטרו"
    assert "המחאה" in result.output  # Hebrew printed as is, not \u escapes
    for field in ("site", "subtitle", "updated", "section", "tags", "language", "paywalled", "provenance"):
        assert field in data


def test_extract_text_format() -> None:
    result = CliRunner().invoke(main, ["extract", str(ITEM), "--format", "text"])
    assert result.exit_code == 0
    assert result.output.startswith("המחאה נגד יוקר המחיה מתרחבת\n")
    assert "צילום: ראובן קסטרו" in result.output


def test_extract_url_option_overrides() -> None:
    result = CliRunner().invoke(
        main, ["extract", str(ITEM), "--url", "https://news.walla.co.il/item/3601234?x=1"]
    )
    assert result.exit_code == 0


def test_not_an_article_exits_3_with_reason_on_stderr() -> None:
    result = CliRunner().invoke(
        main,
        [
            "extract",
            str(FIXTURES / "generic" / "section_front.html"),
            "--url",
            "https://www.darom-news.co.il/news",
        ],
    )
    assert result.exit_code == EXIT_NOT_ARTICLE
    assert "not an article" in result.stderr
    assert result.stdout == ""


def test_missing_file() -> None:
    result = CliRunner().invoke(main, ["extract", "/no/such/file.html"])
    assert result.exit_code == 2


def test_extract_fetches_a_url_once_with_our_user_agent() -> None:
    seen: list[str] = []
    body = ITEM.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("User-Agent", ""))
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/item/3601234"
        result = CliRunner().invoke(main, ["extract", url])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert seen == [USER_AGENT]
    assert json.loads(result.output)["headline"] == "המחאה נגד יוקר המחיה מתרחבת"


def test_extract_gives_a_server_that_drips_its_page_a_bounded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read waited up to the timeout, so a server sending a byte now and then was waited for without
    end."""
    import newsarchive.cli.extract as extract_module

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"<p>")
                self.wfile.flush()
                time.sleep(0.05)

        def log_message(self, *args: object) -> None:
            pass

    monkeypatch.setattr(extract_module, "FETCH_TIMEOUT_S", 1)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        result = CliRunner().invoke(main, ["extract", f"http://127.0.0.1:{server.server_port}/slow"])
    finally:
        server.shutdown()
        server.server_close()
    assert time.monotonic() - started < 5
    assert result.exit_code == 1 and "did not come whole within 1 s" in result.stderr  # the work failed


def test_dead_server_is_a_clear_error() -> None:
    result = CliRunner().invoke(main, ["extract", "http://127.0.0.1:9/nothing"])
    assert result.exit_code == 1  # the work failed (it was 2, as if the command were used wrongly)
    assert "cannot fetch" in result.stderr


def test_eval_prints_a_table_and_json() -> None:
    result = CliRunner().invoke(main, ["eval", str(FIXTURES)])
    assert result.exit_code == 0
    assert "average" in result.output and "headline" in result.output
    result = CliRunner().invoke(main, ["eval", str(FIXTURES), "--format", "json"])
    averages = json.loads(result.output)["averages"]
    assert averages["headline"] == 1.0


def test_console_script_and_help_examples() -> None:
    output = subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", "extract", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Example" in output
    assert len(COMMANDS) == 19
    for name, (_, _, sentence) in COMMANDS.items():  # every command documents itself with an example
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, name
        # `newsarchive --help` lists each command by the first sentence of its own help, without loading it
        command = main.get_command(click.Context(main), name)
        assert command is not None and command.get_short_help_str(1000) == sentence, name


#: what no command's help loads: help is read from the commands' own modules alone
NOT_FOR_HELP = {
    "scrapy",
    "twisted",
    "sqlite_utils",
    "numpy",
    "lxml",
    "dateparser",
    "matplotlib",
    "warcio",
    "datasette",
    "distributed",
    "redis",
    "datasketch",
}
#: what each command may not load: it does not use it (Scrapy only crawls, the database library only opens
#: archives, the extractors only extract)
NOT_LOADED = {
    ("--help",): NOT_FOR_HELP,
    ("sites",): {"scrapy", "twisted", "sqlite_utils", "numpy", "lxml", "dateparser", "warcio", "datasette"},
    ("search", "ממשלה"): {"scrapy", "twisted", "lxml", "dateparser", "matplotlib", "warcio", "datasette"},
    ("stats",): {"scrapy", "twisted", "lxml", "dateparser", "matplotlib", "warcio", "datasette"},
    ("extract", str(ITEM)): {"scrapy", "twisted", "sqlite_utils", "matplotlib", "warcio", "datasette"},
    # a command's own --help (crawl --help took 0.9 s, check-sites 0.8 s, import 0.4 s: Scrapy, the database;
    # extract --help and eval --help loaded lxml and every site profile)
    **{(command, "--help"): NOT_FOR_HELP for command in COMMANDS},
}


@pytest.mark.parametrize("args", sorted(NOT_LOADED))
def test_a_command_loads_only_what_it_uses(args: tuple[str, ...], tmp_path: Path) -> None:
    """Every command took at least 0.6 s to start (`--help` 0.87 s): Scrapy and the database library were
    loaded for commands that need neither (docs/benchmarks.md has the start-up times)."""
    from newsarchive import Article
    from newsarchive.store import Archive

    with Archive(tmp_path / "a.db") as archive:
        archive.store(Article(url="https://www.ynet.co.il/news/article/a", site="ynet", headline="ממשלה"))
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['newsarchive', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('newsarchive.cli', run_name='__main__')\n"
        "except SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=tmp_path,
        env={**os.environ, "NEWSARCHIVE_DB": str(tmp_path / "a.db")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    loaded = set(ast.literal_eval(result.stdout.strip().splitlines()[-1]))
    assert not loaded & NOT_LOADED[args]


def test_top_level_api() -> None:
    import newsarchive

    article = newsarchive.extract_article(ITEM.read_bytes(), "https://news.walla.co.il/item/3601234")
    assert isinstance(article, newsarchive.Article)
    assert newsarchive.Article.from_dict(article.to_dict()).to_dict() == article.to_dict()
    assert article.body == "\n\n".join(article.paragraphs)
    assert Path(newsarchive.__file__).parent.name == "newsarchive"


def test_sites_lists_every_profile_and_the_docs_do_too() -> None:
    from newsarchive.sites import SITES

    rows = json.loads(CliRunner().invoke(main, ["sites", "--format", "json"]).output)
    assert [r["key"] for r in rows] == list(SITES)
    assert all(r["domains"] and r["discovery"] for r in rows)
    # a profile without layouts of its own says so (it relies on JSON-LD, meta and the generic layers)
    assert all(r["layouts"] or r["verified"] == "no markup known" for r in rows)
    assert [(r["verified"], r["verified_note"]) for r in rows] == [
        (p.verified.value, p.verified_note) for p in SITES.values()
    ]
    docs = (Path(__file__).resolve().parent.parent / "docs" / "sites.md").read_text(encoding="utf-8")
    for key in SITES:
        assert f"| {key} |" in docs, f"docs/sites.md does not list {key}"
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    listed = readme.split("## Sites", 1)[1].split("\n## ", 1)[0]
    for key in SITES:
        assert key in listed, f"the README's Sites section does not list {key}"
    assert f"{len(SITES)} profiles" in listed.lower().replace("twenty", "20")


def test_extract_fixture_format_is_the_expected_json_format() -> None:
    gold_path = FIXTURES / "one" / "article.json"
    result = CliRunner().invoke(main, ["extract", str(gold_path.with_suffix(".html")), "--format", "fixture"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(gold_path.read_text(encoding="utf-8"))
    result = CliRunner().invoke(
        main, ["extract", str(FIXTURES / "generic" / "section_front.html"), "--format", "fixture"]
    )
    assert result.exit_code == EXIT_NOT_ARTICLE
    assert json.loads(result.stdout)["article"] is False
