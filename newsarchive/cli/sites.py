"""`newsarchive sites`: the site profiles, as a table."""

from __future__ import annotations

import json

import click
from rich.table import Table

from ..sites import SITES
from .options import stdout_console


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def sites(fmt: str) -> None:
    """List the supported sites: domains, discovery sources, layouts covered, how they were verified.

    \b
    Example:
      newsarchive sites --format json
    """
    rows = [
        {
            "key": p.key,
            "name": p.name,
            "domains": list(p.domains),
            "discovery": [f"{home}/robots.txt" for home in p.homes] + list(p.sitemaps) + list(p.feeds),
            "layouts": [layout.name for layout in p.layouts],
            "verified": p.verified,
        }
        for p in SITES.values()
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"{len(rows)} sites with a profile (any other site: the generic layers)", show_lines=True
    )
    for column in ("key", "name", "domains", "discovery", "layouts", "verified"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["key"],
            row["name"],
            "\n".join(row["domains"]),
            "\n".join(row["discovery"]),
            "\n".join(row["layouts"]) or "(JSON-LD, meta, generic)",
            row["verified"],
        )
    stdout_console().print(table)
