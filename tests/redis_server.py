"""A private redis-server for the tests of the shared crawl frontier: started on a free port of 127.0.0.1 in a
temporary folder, stopped after (so no test depends on, or leaves behind, a shared server).

Without the redis-server binary the tests skip, saying so; under CI=true they fail instead (.ci/run installs
it). NEWSARCHIVE_TEST_REDIS=redis://HOST:PORT uses a running server instead (each test gets its own key
prefix there)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class RedisServer:
    url: str
    #: a key prefix of the test's own (a shared server given by NEWSARCHIVE_TEST_REDIS is not flushed)
    prefix: str
    process: subprocess.Popen | None = None
    folder: Path | None = None
    port: int = 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def start_again(self) -> None:
        """Start the stopped server again on the same port (its data gone: it keeps none)."""
        assert self.folder is not None
        self.process = _start(self.folder, self.port)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(folder: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--dir", str(folder), "--daemonize", "no", "--loglevel", "warning"),
        ],
        stdout=(folder / "redis.log").open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server ended: {(folder / 'redis.log').read_text()[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.02)
    process.kill()
    raise RuntimeError("redis-server did not start listening within 10 s")


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    if given := os.environ.get("NEWSARCHIVE_TEST_REDIS"):
        yield RedisServer(url=given, prefix=prefix)
        return
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true and no redis-server: the shared-crawl tests must run (.ci/run installs it)")
        pytest.skip("no redis-server here (apt-get install redis-server), and no NEWSARCHIVE_TEST_REDIS")
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = _start(folder, port)
    server = RedisServer(f"redis://127.0.0.1:{port}/0", prefix, process=process, folder=folder, port=port)
    try:
        yield server
    finally:
        server.stop()
