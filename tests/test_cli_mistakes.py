"""Every command fails loudly and cleanly: a mistake is one line on stderr, a non-zero exit (1: the work
failed; 2: the command was used wrongly), never a traceback; a run that did nothing says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newsarchive.article import Article
from newsarchive.store import Archive


def newsarchive(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DB"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=environment,
    )


def test_the_config_files_archive_serves_every_command(tmp_path: Path) -> None:
    """The config file's `db` applied to `crawl` only; every other command read data/archive.db."""
    with Archive(tmp_path / "research.db") as archive:
        url = "https://www.ynet.co.il/news/article/a1"
        archive.store(Article(url=url, site="ynet", headline="ממשלה", paragraphs=["הממשלה הושבעה היום."]))
    (tmp_path / "newsarchive.toml").write_text('db = "research.db"\n')
    result = newsarchive("search", "ממשלה", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "news/article/a1" in result.stdout
    stats = newsarchive("stats", "--format", "json", cwd=tmp_path)
    assert stats.returncode == 0 and '"total": 1' in stats.stdout
    assert not (tmp_path / "data").exists()
    # --db and $NEWSARCHIVE_DB still come first
    other = newsarchive("stats", "--format", "json", cwd=tmp_path, env={"NEWSARCHIVE_DB": "missing.db"})
    assert other.returncode == 2 and "missing.db" in other.stderr
