"""The suite's own check (tests/conftest.py): a run in which a test leaves a server behind (listening, or
outliving the process that started it) fails, names it and stops it; a run whose tests stop theirs passes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .conftest import ROOT, process_alive

INNER_CONFTEST = (
    "from tests.conftest import pytest_sessionfinish, pytest_sessionstart, pytest_terminal_summary\n"
)
STOPS_ITS_SERVER = """
import subprocess, sys

SERVER = ("import socket, sys, time; s = socket.create_server(('127.0.0.1', 0)); "
          "print(s.getsockname()[1], flush=True); time.sleep(120)")


def test_stops_its_server():
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    server.stdout.readline()
    server.terminate()
    server.wait()
"""
# Each started through a shell that exits at once, so it outlives its parent, as a server started by a
# wrapper that was stopped alone does.
LEAVES_SERVERS = """

def test_orphans_a_server():
    subprocess.run(["sh", "-c", f"{sys.executable} -c \\"{SERVER}\\" & sleep 0.5"], check=True)


def test_orphans_a_server_that_does_not_listen_yet():
    subprocess.run(["sh", "-c", "sleep 120 & sleep 0.1"], check=True)
"""


def _inner_run(tmp_path: Path, tests: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(INNER_CONFTEST)
    (tmp_path / "test_inner.py").write_text(tests)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_run_that_leaves_servers_behind_fails_and_they_are_stopped(tmp_path: Path) -> None:
    result = _inner_run(tmp_path, STOPS_ITS_SERVER + LEAVES_SERVERS)
    assert "3 passed" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 1, result.stdout
    assert "servers left running by the tests" in result.stdout
    listening = re.findall(r"^pid (\d+) listening on port \d+: .*time\.sleep", result.stdout, re.MULTILINE)
    orphaned = re.findall(r"^pid (\d+) outlived the process that started it: sleep 120", result.stdout, re.M)
    assert len(listening) == 1 and len(orphaned) == 1, result.stdout
    pids = [int(pid) for pid in listening + orphaned]
    deadline = time.monotonic() + 10
    while any(map(process_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(process_alive, pids))


def test_a_run_whose_tests_stop_their_servers_passes(tmp_path: Path) -> None:
    result = _inner_run(tmp_path, STOPS_ITS_SERVER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "left running" not in result.stdout
