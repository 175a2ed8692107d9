"""`newsarchive serve`: the archive in Datasette, read-only, on this machine only by default."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import click

from ..store import default_db_path
from .options import db_option, stderr


def datasette_metadata(database_name: str) -> dict:
    """The shipped metadata (facets, canned queries), keyed by the served database's name."""
    metadata = json.loads(
        resources.files("newsarchive.store").joinpath("datasette_metadata.json").read_text("utf-8")
    )
    metadata["databases"] = {database_name: metadata["databases"]["archive"]}
    return metadata


def datasette_command(db: Path, metadata_file: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "datasette", "serve", str(db), "--metadata", str(metadata_file),
        "--host", host, "--port", str(port), "--setting", "default_page_size", "50",
        "--setting", "sql_time_limit_ms", "3000",
    ]  # fmt: skip


@click.command()
@db_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 exposes it)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(db_path: Path | None, host: str, port: int) -> None:
    """Browse and query the archive in Datasette (read-only), with Hebrew search at /-/hebrew-search.

    \b
    Examples:
      newsarchive serve                 # http://127.0.0.1:8001/
      newsarchive serve --db research.db --port 8080
    """
    db = db_path or default_db_path()
    if not db.exists():
        stderr.print(
            f"[red]no archive at {db}[/red] (create one with `newsarchive import` or `newsarchive crawl`)"
        )
        sys.exit(2)
    with tempfile.TemporaryDirectory() as folder:
        metadata_file = Path(folder) / "metadata.json"
        metadata_file.write_text(
            json.dumps(datasette_metadata(db.stem), ensure_ascii=False), encoding="utf-8"
        )
        stderr.print(f"serving {db} at http://{host}:{port}/  (Hebrew search: /-/hebrew-search)")
        try:
            sys.exit(subprocess.call(datasette_command(db, metadata_file, host, port)))
        except KeyboardInterrupt:
            sys.exit(0)
