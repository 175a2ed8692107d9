from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
#: the offline snapshot of every profiled site (the README's first command crawls it)
SAMPLE_SITES = ROOT / "data" / "samples" / "sites"

#: set in the environment of the test session, so every process it starts, and theirs, carries it (a
#: process orphaned by its parent's end is no longer the session's descendant, but still has it)
SESSION_MARK = "NEWSARCHIVE_TEST_SESSION"
#: how long the processes the tests stopped may take to close their ports once the session ends
LISTENER_GRACE_SECONDS = 1.0


def run_newsarchive(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """`newsarchive ARGS...` in a process of its own, as a user runs it (no $NEWSARCHIVE_DB of ours unless
    ``env`` gives one): its exit status, stdout and stderr."""
    environment = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DB"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "newsarchive.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env=environment,
    )


@pytest.fixture
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "cases.json").exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true and no ../shared/corpus beside the repository: the real-page gate must run")
        pytest.skip("../shared/corpus is not beside the repository")
    return SHARED_CORPUS


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ[SESSION_MARK] = uuid.uuid4().hex


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a process the tests started is still there to serve: one that listens on a TCP port
    (a server a test did not stop), or one that outlived its parent (a server whose wrapper alone was
    stopped, listening or about to); and stop it."""
    mark = os.environ.get(SESSION_MARK)
    if not mark or not Path("/proc/net/tcp").exists():  # the check reads Linux's /proc
        return
    deadline = time.monotonic() + LISTENER_GRACE_SECONDS
    while (leftovers := leftover_processes(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not leftovers:
        return
    session.config.stash[_LEFTOVERS] = [f"pid {pid} {what}" for pid, what in leftovers.items()]
    for pid in leftovers:
        _stop(pid)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    leftovers = terminalreporter.config.stash.get(_LEFTOVERS, [])
    if leftovers:
        terminalreporter.section("servers left running by the tests (now stopped)", sep="!", red=True)
        for line in leftovers:
            terminalreporter.write_line(line)


_LEFTOVERS = pytest.StashKey[list[str]]()


def leftover_processes(mark: str) -> dict[int, str]:
    """The running processes carrying ``mark`` in their environment (other than this one) that listen on a
    TCP port or are no longer this process's descendants: pid -> what it is and does."""
    listening = _listening_sockets()
    parents = _parents()
    found: dict[int, str] = {}
    needle = f"{SESSION_MARK}={mark}\0".encode()
    for pid in parents:
        if pid == os.getpid() or not process_alive(pid):
            continue
        try:
            if needle not in Path(f"/proc/{pid}/environ").read_bytes():
                continue
            sockets = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        ports = sorted({port for link, port in listening.items() if link in sockets})
        if ports:
            found[pid] = f"listening on port {', '.join(map(str, ports))}: {command.strip()}"
        elif not _descends_from(pid, os.getpid(), parents):
            found[pid] = f"outlived the process that started it: {command.strip()}"
    return found


def _parents() -> dict[int, int]:
    """Every process of the machine -> its parent."""
    out: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return out


def _descends_from(pid: int, ancestor: int, parents: dict[int, int]) -> bool:
    seen = set()
    while pid not in seen and pid > 1:
        if pid == ancestor:
            return True
        seen.add(pid)
        pid = parents.get(pid, 0)
    return False


def _listening_sockets() -> dict[str, int]:
    """Every listening TCP socket of this network namespace, as its /proc/PID/fd link -> its port."""
    out: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":  # TCP_LISTEN
                out[f"socket:[{fields[9]}]"] = int(fields[1].rsplit(":", 1)[1], 16)
    return out


def _stop(pid: int) -> None:
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and process_alive(pid):
            time.sleep(0.05)
        if not process_alive(pid):
            return


def process_alive(pid: int) -> bool:
    """Running: neither gone nor a zombie waiting for its parent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
