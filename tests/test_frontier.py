"""The crawl state of `crawl --resume` (newsarchive.frontier) when its file is damaged, when it cannot be
kept, and when two runs of one site's crawl meet: a damaged file is set aside and the crawl starts afresh
(nothing is lost: discovery runs again, and what the archive holds is not fetched again); the rest is one
clear error."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from newsarchive.frontier import FILE_NAME, Frontier, FrontierError, Queued


def _with_pending(folder: Path, count: int = 3000) -> Path:
    frontier = Frontier(folder)
    frontier.add(Queued(f"https://news.walla.co.il/break/{n}", "walla", None) for n in range(count))
    frontier.close()
    return folder / FILE_NAME


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def _text(path: Path) -> None:
    path.write_text("not a database\n")


def _garbled_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[8192:30000] = os.urandom(30000 - 8192)
    path.write_bytes(bytes(data))


def _another_programs_database(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE urls (id INTEGER PRIMARY KEY, href TEXT)")


@pytest.mark.parametrize("damage", [_random, _cut_short, _text, _garbled_middle, _another_programs_database])
def test_a_damaged_crawl_state_is_set_aside_and_a_new_crawl_begins(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    """These raised sqlite3.DatabaseError ("file is not a database", "database disk image is malformed")
    inside the crawl, which then failed with a message naming no file: every later run failed the same."""
    path = _with_pending(tmp_path)
    damage(path)
    frontier = Frontier(tmp_path)
    try:
        assert frontier.set_aside is not None and frontier.set_aside.name.startswith(f"{FILE_NAME}.damaged-")
        assert (
            frontier.set_aside.exists()
            and frontier.set_aside.with_name(frontier.set_aside.name + ".why").exists()
        )
        assert not frontier.resumed and frontier.queued(["walla"]) == set() and frontier.pending() == []
        frontier.add([Queued("https://news.walla.co.il/break/1", "walla", None)])
    finally:
        frontier.close()
    again = Frontier(tmp_path)  # the fresh file is sound: taken up, nothing set aside
    assert again.resumed and again.set_aside is None and len(again.pending()) == 1
    again.close()


def test_a_crawl_state_that_cannot_be_kept_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("a file where the folder should be")
    with pytest.raises(FrontierError, match=r"cannot keep the crawl state in .*file/walla"):
        Frontier(tmp_path / "file" / "walla")
    (tmp_path / "site" / FILE_NAME).mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(FrontierError, match=r"cannot use the crawl state .*frontier\.sqlite"):
        Frontier(tmp_path / "site")


def test_one_run_at_a_time_holds_a_sites_crawl_state(tmp_path: Path) -> None:
    first = Frontier(tmp_path)
    with pytest.raises(FrontierError, match="another --resume crawl of this site is running"):
        Frontier(tmp_path)
    first.close()
    Frontier(tmp_path).close()  # let go when the run ends


@pytest.mark.parametrize("left", ["another site's addresses", "this site's, all archived"])
def test_a_limited_resumed_crawl_still_reads_the_sites_sitemaps(tmp_path: Path, left: str) -> None:
    """A frontier holding 100 addresses of another site (copied, or left by another version) used up a
    resumed crawl's --limit 20: 'stored 0'. And when the queued addresses reached the --limit and were all
    archived, the resumed run read no sitemap at all and failed with 'nothing could be discovered'."""
    import json

    from .sitefarm import SiteFarm
    from .test_crash import crawl_command
    from .test_crawl import WALLA, walla_site

    env = {**os.environ, "NEWSARCHIVE_JOBS": str(tmp_path / "jobs")}
    db = tmp_path / "a.db"
    ids = list(range(90000, 90050))
    with SiteFarm() as farm:
        walla_site(farm, ids)
        command = [*crawl_command(db, tmp_path / "a.log", farm), "--limit", "20"]
        if left == "another site's addresses":
            queued = [Queued(f"https://www.ynet.co.il/news/article/x{n}", "ynet", None) for n in range(100)]
        else:  # a crawl that queued its 20 and stored them, killed before it could say it had finished
            first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
            assert first.returncode == 0, first.stderr
            (tmp_path / "jobs" / "walla" / FILE_NAME).unlink()
            queued = [Queued(u, "walla", None) for u in _stored(db)]
            assert len(queued) == 20
        frontier = Frontier(tmp_path / "jobs" / "walla")
        frontier.add(queued)
        frontier.close()
        run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    (summary,) = json.loads(run.stdout)
    if left == "another site's addresses":
        assert summary["stored"] == 20 and summary["skipped"]["over the --limit"] == 31
    else:  # the limit is reached: the sitemap index is read, not its children
        assert summary["stored"] == 0 and summary["failure"] == ""
    assert len(_stored(db)) == 20
    assert all(url.startswith(WALLA) for url in _stored(db))


def _stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT url FROM articles")]
