"""`newsarchive sites`: the site profiles, as a table."""

from __future__ import annotations

import json

import click
from rich.table import Table
from rich.text import Text

from ..sites import SITES, SiteProfile
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
            # the category (a Verification value: "real pages", "written fixtures", "no markup known"), and
            # what the profile says more (which layouts, which scrapers' selectors of which year)
            "verified": p.verified.value,
            "verified_note": p.verified_note,
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
    for row, profile in zip(rows, SITES.values(), strict=True):
        table.add_row(
            row["key"],
            row["name"],
            "\n".join(row["domains"]),
            "\n".join(row["discovery"]),
            "\n".join(row["layouts"]) or "(JSON-LD, meta, generic)",
            _verification(profile),
        )
    stdout_console().print(table)


def _verification(profile: SiteProfile) -> Text:
    """The category in bold (what sets the profiles apart at a glance), then what the profile says more."""
    text = Text(profile.verified.described, style="bold")
    return text.append(f"\n{profile.verified_note}") if profile.verified_note else text
