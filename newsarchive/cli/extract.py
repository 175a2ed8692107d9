"""`newsarchive extract` and `newsarchive eval`: one page, or a gold set, through the extractor."""

from __future__ import annotations

import json
import sys
import time
from contextlib import suppress
from http.client import InvalidURL
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from ..article import Article, NotAnArticle
from .messages import USED_WRONGLY, WORK_FAILED, fail, shown
from .options import stdout_console

#: Exit status for "this page is not an article".
EXIT_NOT_ARTICLE = 3
FETCH_TIMEOUT_S = 30
FETCH_MAX_BYTES = 20_000_000


@click.command()
@click.argument("source")
@click.option("--url", help="The page's URL, when SOURCE is a saved file (default: its canonical link).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text", "fixture"]),
    default="json",
    show_default=True,
    help="fixture: a draft expected JSON for tests/fixtures/ (check every field by hand).",
)
def extract(source: str, url: str | None, fmt: str) -> None:
    """Extract one article from a saved page or a URL and print it.

    \b
    Examples:
      newsarchive extract page.html --url https://www.ynet.co.il/news/article/abc123
      newsarchive extract https://news.walla.co.il/item/3640000 --format text
      newsarchive extract tests/fixtures/bhol/classic.html --format fixture   # a draft expected JSON
      curl -s https://news.walla.co.il/item/3640000 | newsarchive extract - --url https://news.walla.co.il/item/3640000

    A page that is not an article prints the reason on stderr and exits with status 3.
    """
    # the extractors (lxml, the site profiles) load when a page is extracted: `extract --help` does not wait
    from ..extract import extract_article

    data, url, charset = _page(source, url)
    try:
        article = extract_article(data, url, charset=charset)
    except NotAnArticle as error:
        if fmt == "fixture":
            click.echo(json.dumps({"url": url, "article": False}, ensure_ascii=False))
        fail(f"not an article: {error.reason}", EXIT_NOT_ARTICLE)
    if fmt == "fixture":
        click.echo(json.dumps(fixture_draft(article), ensure_ascii=False, indent=2))
    elif fmt == "json":
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_as_text(article))


def _page(source: str, url: str | None) -> tuple[bytes, str, str | None]:
    """The page SOURCE names (an address, "-" for standard input, or a saved file): its bytes, its address
    (--url, else the page's canonical link, else where it came from) and the charset its server declared."""
    from ..extract.page import canonical_url

    charset = None
    if source.startswith(("http://", "https://")):
        url = url or source
        try:
            data, charset = _fetch(source)
        # an address urllib cannot read ("http://[::1"), or http.client refuses ("http://exa mple.com/")
        except (ValueError, InvalidURL) as error:
            fail(f"cannot fetch {shown(source)}: not a valid address ({error})", USED_WRONGLY)
        except OSError as error:  # no network, no such host, a refusal, an HTTP error: the work failed
            fail(f"cannot fetch {shown(source)}: {getattr(error, 'reason', None) or error}", WORK_FAILED)
    elif source == "-":  # `curl … | newsarchive extract -`: it said "-: no such file"
        data = _read_standard_input()
        if url is None:
            with suppress(NotAnArticle):  # extraction says what is wrong with the page
                url = canonical_url(data)
            url = url or "file:///dev/stdin"  # as a saved file without an address is read
    else:
        path = Path(source)
        data = _read_page(path)
        if url is None:
            try:
                url = canonical_url(data)
            except NotAnArticle:
                url = None  # extraction says what is wrong with the file
            url = url or path.resolve().as_uri()
    return data, url, charset


def _read_page(path: Path) -> bytes:
    """A saved page's bytes, or one line saying why there are none."""
    from ..saved import UnreadablePageFile, read_saved_page

    try:
        return read_saved_page(path)
    except UnreadablePageFile as error:
        fail(f"{shown(path)}: {error}", USED_WRONGLY)


def _read_standard_input() -> bytes:
    """A page piped in (as much of it as a saved page is read), or one line saying that none is."""
    from ..saved import MAX_FILE_BYTES

    if sys.stdin is None or sys.stdin.isatty():
        fail(
            "extract -: pipe a page in (curl -s ADDRESS | newsarchive extract - --url ADDRESS)", USED_WRONGLY
        )
    return sys.stdin.buffer.read(MAX_FILE_BYTES)


def fixture_draft(article: Article) -> dict[str, object]:
    """The expected-JSON format of tests/fixtures/ (what tests/test_fixtures.py compares), filled with what
    extraction finds today: a starting point to correct by hand, never a gold to trust."""
    data = article.to_dict()
    return {
        "url": data["url"],
        "article": True,
        "site": data["site"],
        **{key: data[key] for key in ("headline", "subtitle", "authors", "published", "updated")},
        "body_paragraphs": list(article.paragraphs),
        **{key: data[key] for key in ("images", "section", "tags", "paywalled")},
    }


def _fetch(url: str) -> tuple[bytes, str | None]:
    """One polite request with the project's user agent, given FETCH_TIMEOUT_S for the whole page (a server
    that sends a byte now and then is not waited for: the socket's timeout alone counts each wait)."""
    import urllib.request

    try:  # the crawl settings load only to fetch: a bad $NEWSARCHIVE_DOWNLOAD_DELAY stopped extract of a file
        from ..settings import USER_AGENT
    except ValueError as error:
        fail(f"the crawl settings cannot be read from the environment: {error}", USED_WRONGLY)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:
        parts: list[bytes] = []
        size = 0
        while size <= FETCH_MAX_BYTES and (part := response.read1(64 * 1024)):
            parts.append(part)
            size += len(part)
            if time.monotonic() > deadline:
                raise OSError(f"the page did not come whole within {FETCH_TIMEOUT_S} s")
        charset = response.headers.get_content_charset()
    if size > FETCH_MAX_BYTES:
        raise OSError(f"page larger than {FETCH_MAX_BYTES} bytes")
    return b"".join(parts), charset


def _as_text(article: Article) -> str:
    lines = [article.headline or ""]
    if article.subtitle:
        lines.append(article.subtitle)
    meta = [
        ", ".join(article.authors),
        article.published.isoformat() if article.published else "",
        article.url,
    ]
    lines += [" | ".join(m for m in meta if m), "", article.body]
    for image in article.images:
        credit = f" (צילום: {image.credit})" if image.credit else ""
        lines.append(f"\n[{image.caption or ''}{credit}] {image.src or ''}")
    return "\n".join(lines)


@click.command("eval")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--details/--no-details", default=False, help="List every mismatch.")
@click.option(
    "--site-rules/--no-site-rules", default=True, help="--no-site-rules scores the generic layers alone."
)
def eval_command(gold_dir: Path, fmt: str, details: bool, site_rules: bool) -> None:
    """Score extraction against gold JSON, field by field.

    \b
    GOLD_DIR holds cases.json (the shared corpus format) or NAME.html + NAME.json pairs.
    Example:
      newsarchive eval ../shared/corpus --details
    """
    from ..evaluate import FIELDS, GoldError, evaluate

    try:
        report = evaluate(gold_dir, site_rules=site_rules)
    except GoldError as error:
        fail(f"eval: {error}", USED_WRONGLY)
    if not report.results:
        needs = "it needs cases.json or NAME.html + NAME.json pairs"
        fail(f"no gold cases in {shown(gold_dir)}: {needs}", USED_WRONGLY)
    averages = report.averages()
    if fmt == "json":
        payload = {
            "averages": averages,
            "boilerplate_hits": report.boilerplate_hits,
            "cases": [
                {"name": r.name, "scores": r.scores, "error": r.error, "boilerplate": r.boilerplate}
                for r in report.results
            ],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = stdout_console(220)
    table = Table(title=f"Extraction quality on {gold_dir} ({len(report.results)} pages)")
    table.add_column("page", overflow="fold")
    columns = [f for f in FIELDS if f in averages]
    for name in columns:
        table.add_column(name, justify="right")
    for result in report.results:
        table.add_row(result.name, *[_cell(result.scores.get(name)) for name in columns])
    table.add_row(
        Text("average", style="bold"), *[Text(f"{averages[name]:.3f}", style="bold") for name in columns]
    )
    console.print(table)
    console.print(f"boilerplate strings in bodies: {report.boilerplate_hits}")
    if details:
        for result in report.results:
            if result.error:
                console.print(Text(f"{result.name}: {result.error}", style="red"))
            for name, (ours, theirs) in result.mismatches.items():
                line = Text(result.name, style="yellow")
                console.print(line.append(f" {name}: ours={ours!r}\n    gold={theirs!r}"))
            for probe in result.boilerplate:
                console.print(Text(f"{result.name}: boilerplate {probe!r} in body", style="red"))


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 1 else "1"
