"""Work spread over processes: in this process, a local pool of Dask workers, or a running Dask cluster.

The same task functions run in all three; only where they run changes. Results come back in the order of
the work given, so that one writer stores them exactly as a serial run would (same articles, same versions):
the tasks do the reading and extraction, which is where the time goes, and the writer only stores.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import signal
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext, suppress
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
    (by default one per worker) wait beyond the one awaited, so that results do not pile up in memory
    while the first is stored. A task that raises raises here; a task whose worker died is given to
    another; a task that kept killing its workers, a scheduler lost, or a cluster left with no worker for
    WAIT_FOR_WORKERS seconds raise :class:`WorkersError` naming the item (by ``name``).

    Local workers are a process pool of the standard library: Dask's workers spent 12% more CPU per page
    on the same tasks here (their event loop and monitors beside the task), and its local cluster buys
    nothing a pool lacks. Dask is for a cluster (``scheduler``)."""
    if workers.in_process:
        yield from map(task, items)
        return
    if workers.scheduler is None:
        yield from _LocalPool(workers.count).ordered(task, items, ahead or workers.count, name)
        return
    with dask_client(workers.scheduler) as client, warnings.catch_warnings():
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


def worker_setup() -> None:
    """Run by each local worker as it starts: Ctrl-C at the terminal reaches every process of its group,
    and the process that gave out the work alone stops it (ending the workers); a worker that took it
    would print its own KeyboardInterrupt. Workers started again after one died get it too."""
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
    """While local workers start, Ctrl-C is blocked here, not lost: it waits, and is raised once they are
    up. Processes and threads started meanwhile inherit the block, so a worker never takes a Ctrl-C meant
    for this process, even before its initializer (worker_setup) runs."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a held Ctrl-C is raised here


class _LocalPool:
    """``count`` worker processes, started again when one dies. A dead process breaks the pool for every
    task it held, and which task killed it is not told: the first task waiting is then run alone, so that
    only a task that kills its worker on its own counts against it (RETRIES times), and the others are
    given out again once it is through."""

    RETRIES = 3

    def __init__(self, count: int) -> None:
        self.count = count
        self.pool: ProcessPoolExecutor | None = None
        self.alone = False  # the first task waiting runs alone, after a break

    def ordered(
        self, task: Callable[[In], Out], items: Iterable[In], ahead: int, name: Callable[[In], str]
    ) -> Iterator[Out]:
        pending: deque[list[Any]] = deque()  # [item, future or None (not given out), deaths alone]
        try:
            for item in items:
                pending.append([item, None if self.alone else self._submit(task, item), 0])
                if len(pending) > ahead:
                    yield self._first(task, pending, name)
            while pending:
                yield self._first(task, pending, name)
        finally:
            self._stop(pending)

    def _submit(self, task: Callable[[Any], Any], item: Any) -> Future[Any]:
        if self.pool is None:
            context = multiprocessing.get_context("spawn")  # no copy of this process's open archive
            self.pool = ProcessPoolExecutor(self.count, mp_context=context, initializer=worker_setup)
        starting = len(getattr(self.pool, "_processes", None) or {}) < self.count
        with _interrupts_held() if starting else nullcontext():  # a worker may start with this task
            try:
                return self.pool.submit(task, item)
            except BrokenProcessPool as error:  # a worker died before this task was given out: said
                broken: Future[Any] = Future()  # when its turn comes, as for the tasks the pool held
                broken.set_exception(error)
                return broken

    def _first(
        self, task: Callable[[Any], Any], pending: deque[list[Any]], name: Callable[[Any], str]
    ) -> Any:
        while True:
            entry = pending[0]
            if entry[1] is None:
                entry[1] = self._submit(task, entry[0])
            try:
                result = entry[1].result()
            except BrokenProcessPool as error:
                entry[2] += self.alone  # alone, it was this task that killed its worker
                if entry[2] > self.RETRIES:
                    raise WorkersError(
                        f"{name(entry[0])} killed every worker that read it ({entry[2]} times alone: out of"
                        " memory, or a crash); what was stored before is kept"
                    ) from error
                self._stop(deque())  # the broken pool's processes are gone or going
                for waiting in pending:
                    waiting[1] = None
                self.alone = True
                continue
            pending.popleft()
            if self.alone:  # through alone: the others go out again
                self.alone = False
                for waiting in pending:
                    waiting[1] = waiting[1] or self._submit(task, waiting[0])
            return result

    def _stop(self, pending: deque[list[Any]]) -> None:
        """End the workers now: a task running on, ignored, would hold the exit until it finished."""
        if self.pool is None:
            return
        for entry in pending:
            if entry[1] is not None:
                entry[1].cancel()
        processes = list(getattr(self.pool, "_processes", {}).values())
        for process in processes:
            process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None


@contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A client of the Dask scheduler at ``address`` with a worker, or WorkersError (Dask not installed, no
    scheduler there, no worker). Dask's own timeout does not cover a server that accepts the connection and
    never answers as a scheduler: the client is made on a thread, and given WAIT_FOR_SCHEDULER seconds."""
    try:
        from distributed import Client
    except ImportError as error:
        raise WorkersError(f"running on the Dask scheduler at {address} {DASK_MISSING}") from error

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
