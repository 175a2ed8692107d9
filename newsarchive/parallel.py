"""Work spread over processes: in this process, a local pool of Dask workers, or a running Dask cluster.

The same task functions run in all three; only where they run changes. Results come back in the order of
the work given, so that one writer stores them exactly as a serial run would (same articles, same versions):
the tasks do the reading and extraction, which is where the time goes, and the writer only stores.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import signal
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

#: seconds to wait for a scheduler (a first answer) and for a worker (at start, or after all were lost)
WAIT_FOR_SCHEDULER = 15
WAIT_FOR_WORKERS = 60
#: seconds between looks at the cluster while a task runs
_LOOK_EVERY = 2.0
DASK_MISSING = "needs Dask: pip install 'newsarchive[dask]'"
_SCHEDULER_ADDRESS = re.compile(r"tcp://(\[[0-9a-fA-F:.]+\]|[^/:\[\]\s]+):(\d{1,5})")


class WorkersError(RuntimeError):
    """The workers could not be had or kept: Dask missing, a scheduler that does not answer or was lost,
    workers that keep dying. ``used_wrongly``: the address or count given cannot be used."""

    def __init__(self, message: str, *, used_wrongly: bool = False) -> None:
        super().__init__(message)
        self.used_wrongly = used_wrongly


@dataclass(frozen=True)
class Workers:
    """Where tasks run: ``count`` local worker processes (1: in this process, no Dask), or the workers of a
    running Dask scheduler at ``scheduler`` (``tcp://HOST:PORT``)."""

    count: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise WorkersError(f"--workers must be 1 or more, not {self.count}", used_wrongly=True)
        if self.scheduler is not None:
            found = _SCHEDULER_ADDRESS.fullmatch(self.scheduler.strip())
            if found is None or not 0 < int(found.group(2)) < 65536:
                raise WorkersError(
                    f"--dask {self.scheduler!r} is no Dask scheduler address: tcp://HOST:PORT, such as"
                    " tcp://127.0.0.1:8786",
                    used_wrongly=True,
                )

    @property
    def in_process(self) -> bool:
        return self.count == 1 and self.scheduler is None

    def at_most(self, tasks: int) -> Workers:
        """No more local workers than there are tasks (a worker costs a second to start and 100 MB)."""
        if self.scheduler is not None or self.count <= max(tasks, 1):
            return self
        return Workers(count=max(tasks, 1))

    def describe(self) -> str:
        if self.scheduler is not None:
            return f"the Dask scheduler at {self.scheduler}"
        return "this process" if self.in_process else f"{self.count} local worker processes"


IN_PROCESS = Workers()


def ordered_map(
    task: Callable[[In], Out],
    items: Iterable[In],
    workers: Workers,
    *,
    ahead: int | None = None,
    name: Callable[[In], str] = str,
) -> Iterator[Out]:
    """``task`` over ``items`` on ``workers``, yielding results in the items' order. At most ``ahead`` tasks
    (by default one per worker thread) wait beyond the one awaited, so that results do not pile up in
    memory while the first is stored. A task that raises raises here; a task whose worker died is given to
    another; a task that kept killing its workers, a scheduler lost, or a cluster left with no worker for
    WAIT_FOR_WORKERS seconds raise :class:`WorkersError` naming the item (by ``name``)."""
    if workers.in_process:
        yield from map(task, items)
        return
    with dask_client(workers) as client, warnings.catch_warnings():
        # the pages of a task travel with it: a large task is what this work is, not a mistake
        warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
        limit = ahead if ahead is not None else max(1, sum(client.nthreads().values()))
        pending: deque[tuple[Any, In]] = deque()
        for item in items:
            pending.append((client.submit(task, item, pure=False), item))
            if len(pending) > limit:
                yield _result(client, *pending.popleft(), name, workers)
        while pending:
            yield _result(client, *pending.popleft(), name, workers)


def _result(client: Any, future: Any, item: Any, name: Callable[[Any], str], workers: Workers) -> Any:
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    alone_since: float | None = None
    try:
        while True:
            try:
                return future.result(timeout=_LOOK_EVERY)
            except TimeoutError:
                pass
            if client.status != "running":
                raise WorkersError(f"lost {workers.describe()} while {name(item)} was read")
            if client.nthreads():
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > WAIT_FOR_WORKERS:
                raise WorkersError(
                    f"{workers.describe()} has had no worker for {WAIT_FOR_WORKERS} s (workers that cannot"
                    f" start, or cannot import newsarchive?) while {name(item)} waited"
                )
    except KilledWorker as error:
        raise WorkersError(
            f"{name(item)} killed every worker that read it ({error.__class__.__name__}: out of memory, or a"
            " crash); what was stored before is kept"
        ) from error
    except (CancelledError, CommClosedError) as error:  # the scheduler went away under the client
        raise WorkersError(f"lost {workers.describe()} while {name(item)} was read") from error
    finally:
        future.release()


def dask_setup(worker: Any) -> None:
    """Run by each local worker as it starts (a Dask preload): Ctrl-C at the terminal reaches every process
    of its group, and the process that gave out the work alone stops it (closing the cluster); a worker
    that took it would print its own KeyboardInterrupt. Workers started again after one died get it too."""
    with suppress(ValueError):  # not the main thread: nothing to set
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    # what our code logs on a worker (a page the extractor failed on) is one line, as the command line
    # shows it in this process, not a traceback per page
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine())
    ours = logging.getLogger(__package__ or "newsarchive")
    ours.addHandler(handler)
    ours.propagate = False


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """While the local workers start, Ctrl-C is blocked here, not lost: it waits, and is raised once they
    are up (or failed to start). Processes started meanwhile inherit the block, so the workers (and the
    ones their nannies start again later, from the thread started here) never take a Ctrl-C meant for
    this process, even before their preload (dask_setup) runs."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a held Ctrl-C is raised here


def _dask_installed(workers: Workers) -> None:
    """WorkersError unless Dask's distributed scheduler can be loaded (it is not loaded here)."""
    if importlib.util.find_spec("distributed") is None:
        raise WorkersError(f"running on {workers.describe()} {DASK_MISSING}")


@contextmanager
def dask_client(workers: Workers) -> Iterator[Any]:
    """A Dask client of the scheduler named, or of a local cluster of ``workers.count`` single-threaded
    processes (extraction holds the GIL: threads would not run it side by side) started and closed here."""
    _dask_installed(workers)
    if workers.scheduler is not None:
        with _connected(workers.scheduler) as client:
            yield client
        return
    with _interrupts_held():  # Dask's threads start as it loads: they (and what they start) keep the block
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=workers.count,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
            # the scheduler's HTTP routes (health, metrics) run even without a dashboard: on a free port of
            # this machine only, so that two imports at once do not contend for 8787
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            # a task cancelled at Ctrl-C is no news: what went wrong is raised here
            silence_logs=logging.ERROR,
            preload=[__name__],
        )
    with cluster, Client(cluster) as client:
        yield client


@contextmanager
def _connected(address: str) -> Iterator[Any]:
    """A client of the scheduler at ``address`` with a worker, or WorkersError. Dask's own timeout does not
    cover a server that accepts the connection and never answers as a scheduler: the client is made on a
    thread, and given WAIT_FOR_SCHEDULER seconds."""
    from distributed import Client

    made: list[Any] = []
    failed: list[BaseException] = []

    def connect() -> None:
        try:
            made.append(Client(address, timeout=f"{WAIT_FOR_SCHEDULER}s"))
        except Exception as error:  # reported below, on the caller's thread
            failed.append(error)

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(WAIT_FOR_SCHEDULER + 5)
    if not made:
        why = f": {failed[0]}" if failed else f" within {WAIT_FOR_SCHEDULER} s (is it a Dask scheduler?)"
        raise WorkersError(f"no Dask scheduler answers at {address}{why}")
    with made[0] as client:
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
        except TimeoutError as error:
            raise WorkersError(
                f"the Dask scheduler at {address} has no workers (waited {WAIT_FOR_WORKERS} s):"
                f" start some with `dask worker {address}`"
            ) from error
        yield client
