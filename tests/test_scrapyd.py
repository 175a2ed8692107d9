"""Scheduled jobs on Scrapyd: the project deploys as an egg (`scrapyd-deploy`) and a scheduled `news` crawl
stores its articles, the way `scrapy crawl` does. Scrapyd and the replay server run on 127.0.0.1 only."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from newsarchive.replay import HANDLERS, replay_server

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples" / "sites"
pytest.importorskip("scrapyd", reason="Scrapyd is a dev dependency: pip install -e '.[dev]'")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _build_egg(tmp_path: Path) -> Path:
    """The egg `scrapyd-deploy --build-egg` makes of a copy of the project (it writes a setup.py beside
    scrapy.cfg, so never in the repository itself)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("scrapy.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "newsarchive", project / "newsarchive", ignore=shutil.ignore_patterns("__pycache__")
    )
    egg = tmp_path / "newsarchive.egg"
    deploy = shutil.which("scrapyd-deploy") or pytest.skip("scrapyd-client is a dev dependency")
    subprocess.run(
        [deploy, "--build-egg", str(egg)], cwd=project, check=True, capture_output=True, timeout=120
    )
    return egg


def _call(
    port: int, endpoint: str, fields: list[tuple[str, str]] | None = None, egg: Path | None = None
) -> dict:
    url = f"http://127.0.0.1:{port}/{endpoint}"
    if egg is not None:  # multipart, as scrapyd-deploy sends it
        boundary = "newsarchive-egg"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields or []
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
            + egg.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            url, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
    elif fields is not None:
        request = urllib.request.Request(url, urllib.parse.urlencode(fields).encode())
    else:
        request = urllib.request.Request(url)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_scheduled_scrapyd_job_crawls_into_the_archive(tmp_path: Path) -> None:
    egg = _build_egg(tmp_path)
    port = _free_port()
    (tmp_path / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = {tmp_path}/eggs\nlogs_dir = {tmp_path}/logs\nitems_dir =\n"
        f"dbs_dir = {tmp_path}/dbs\nmax_proc = 1\npoll_interval = 0.2\n"
    )
    daemon = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    db = tmp_path / "archive.db"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert _call(port, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.2)
        added = _call(port, "addversion.json", [("project", "newsarchive"), ("version", "1")], egg=egg)
        assert added["status"] == "ok" and added["spiders"] == 1, added
        with replay_server(SAMPLES) as hosts:
            settings = {
                "REPLAY_HOSTS": json.dumps(hosts),
                "DOWNLOAD_HANDLERS": json.dumps(HANDLERS),
                "ARCHIVE_DB": str(db),
                "DOWNLOAD_DELAY": "0",
                "AUTOTHROTTLE_ENABLED": "False",
            }
            job = _call(
                port,
                "schedule.json",
                [("project", "newsarchive"), ("spider", "news"), ("site", "walla")]
                + [("setting", f"{k}={v}") for k, v in settings.items()],
            )["jobid"]
            deadline = time.monotonic() + 120
            while not any(
                j["id"] == job for j in _call(port, "listjobs.json?project=newsarchive")["finished"]
            ):
                assert time.monotonic() < deadline, "the scheduled crawl did not finish"
                time.sleep(0.3)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    log = next((tmp_path / "logs" / "newsarchive" / "news").glob(f"{job}.log")).read_text()
    assert "'finish_reason': 'finished'" in log, log[-2000:]
    from newsarchive.store import Archive

    with Archive(db, readonly=True) as archive:
        stored = archive.count()
        assert stored > 0 and archive.sites() == ["walla"]
    assert f"'newsarchive/stored': {stored}," in log
