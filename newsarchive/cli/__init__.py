"""The newsarchive command line. Every command mirrors a Python API call and has --help with an example."""

from __future__ import annotations

import warnings

import click

from .. import __version__
from .archive import export, import_command, search, stats
from .check import check_sites_command
from .crawl import crawl
from .extract import EXIT_NOT_ARTICLE, USER_AGENT, eval_command, extract
from .history import changes, history, reextract_command
from .serve import serve
from .sites import sites


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="newsarchive")
def main() -> None:
    """Scrape and archive Hebrew-language news."""
    warnings.formatwarning = _warning_line


def _warning_line(message: Warning | str, category: type[Warning], *_: object, **__: object) -> str:
    """A warning of the library (an index being built again...) as one line for whoever runs the command,
    not as a Python source location."""
    return f"newsarchive: warning: {message}\n"


for command in (
    crawl,
    check_sites_command,
    search,
    stats,
    export,
    import_command,
    history,
    changes,
    reextract_command,
    serve,
    extract,
    eval_command,
    sites,
):
    main.add_command(command)

__all__ = ["EXIT_NOT_ARTICLE", "USER_AGENT", "main"]
