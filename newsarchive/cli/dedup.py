"""`dedup` and `similar`: near-duplicate stories across sites and versions (store/dedup.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from .messages import USED_WRONGLY, fail
from .options import NumberRange, command_archive, db_option, print_whole, stdout_console


@click.command()
@db_option
@click.option(
    "--threshold",
    type=NumberRange(0.5, 1.0),
    default=0.8,
    show_default=True,
    help="Similarity of two bodies (words in common, in order, or 3-word shingles) from which they are one"
    " story, 0.5-1.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def dedup(db_path: Path | None, threshold: float, fmt: str) -> None:
    """Group the articles whose bodies are near-identical (republished copy, another site's repost), across
    sites and versions, the first published first.

    Articles stored since the last run are compared first (only they: MinHash signatures kept in the
    archive). `export --dedup` keeps the first published of each group; `search` and `stats` take
    `--collapse`.

    \b
    Examples:
      newsarchive dedup
      newsarchive dedup --threshold 0.6 --format json
    """
    from ..store import StorageError

    with command_archive(db_path, readonly=True) as archive:
        try:
            groups = archive.dedup(threshold)
        except StorageError as error:  # the comparisons of new articles could not be written
            fail(str(error))
    if fmt == "json":
        click.echo(json.dumps([g.to_dict() for g in groups], ensure_ascii=False, indent=2))
        return
    console = stdout_console()
    if not groups:
        console.print(f"no near-duplicates at a similarity of {threshold}")
        return
    table = Table("group", "similarity", "articles (the first published first)")
    for group in groups:
        table.add_row(str(group.group), f"{group.similarity:.2f}", "\n".join(group.urls))
    print_whole(console, table)
    copies = sum(len(g.urls) - 1 for g in groups)
    console.print(f"{len(groups):,} groups; {copies:,} articles are copies of an earlier one")


@click.command()
@click.argument("url")
@db_option
@click.option(
    "--days", type=NumberRange(0, min_open=True), default=3, show_default=True, help="± days around it."
)
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def similar(url: str, db_path: Path | None, days: float, top: int, fmt: str) -> None:
    """The articles of other sites closest to one article in words, published within ± days of it: how
    others covered the same story.

    similarity: the cosine of their tf-idf word vectors (words counted without their prefixes, stop words
    left out); copy: how much of the text is the same, for a near-duplicate (see dedup).

    \b
    Examples:
      newsarchive similar https://www.ynet.co.il/news/article/abc123
      newsarchive similar https://www.ynet.co.il/news/article/abc123 --days 1 --top 5 --format json
    """
    from ..store import StorageError

    with command_archive(db_path, readonly=True) as archive:
        try:
            found = archive.similar(url, days=days, top=top)
        except LookupError as error:
            fail(str(error.args[0]), USED_WRONGLY)
        except (ValueError, StorageError) as error:
            fail(str(error))
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2))
        return
    console = stdout_console()
    if not found:
        console.print(f"no article of another site within {days:g} days shares a word with it")
        return
    table = Table("similarity", "copy", "site", "published", "headline", "url")
    for item in found:
        copy = "" if item.copy is None else f"{item.copy:.2f}"
        table.add_row(
            f"{item.similarity:.2f}", copy, item.site, item.published or "", item.headline or "", item.url
        )
    print_whole(console, table)
