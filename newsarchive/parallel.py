"""Work spread over processes: in this process, a local pool of Dask workers, or a running Dask cluster.

The same task functions run in all three; only where they run changes. Results come back in the order of
the work given, so that one writer stores them exactly as a serial run would (same articles, same versions):
the tasks do the reading and extraction, which is where the time goes, and the writer only stores.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

#: seconds to wait for a scheduler's first worker
WAIT_FOR_WORKERS = 60
DASK_MISSING = "needs Dask: pip install 'newsarchive[dask]'"


class WorkersError(RuntimeError):
    """The workers could not be had: Dask missing, a scheduler that does not answer, a bad address."""


@dataclass(frozen=True)
class Workers:
    """Where tasks run: ``count`` local worker processes (1: in this process, no Dask), or the workers of a
    running Dask scheduler at ``scheduler`` (``tcp://HOST:8786``)."""

    count: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise WorkersError(f"--workers must be 1 or more, not {self.count}")
        if self.scheduler is not None and not self.scheduler.strip():
            raise WorkersError("--dask needs the scheduler's address, such as tcp://127.0.0.1:8786")

    @property
    def in_process(self) -> bool:
        return self.count == 1 and self.scheduler is None

    def describe(self) -> str:
        if self.scheduler is not None:
            return f"the Dask scheduler at {self.scheduler}"
        return "this process" if self.in_process else f"{self.count} local worker processes"


IN_PROCESS = Workers()


def ordered_map(
    task: Callable[[In], Out], items: Iterable[In], workers: Workers, *, ahead: int | None = None
) -> Iterator[Out]:
    """``task`` over ``items`` on ``workers``, yielding results in the items' order. At most ``ahead`` tasks
    (by default twice the workers' threads) are given out beyond the one awaited, so a slow first task holds
    back memory, not the others' work. A task that raises raises here; Dask gives a task whose worker died to
    another worker."""
    if workers.in_process:
        yield from map(task, items)
        return
    with dask_client(workers) as client:
        limit = ahead if ahead is not None else 2 * max(1, sum(client.nthreads().values()))
        pending: deque[Any] = deque()
        for item in items:
            pending.append(client.submit(task, item, pure=False))
            if len(pending) > limit:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())


def _result(future: Any) -> Any:
    try:
        return future.result()
    finally:
        future.release()


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """While the local workers start, Ctrl-C is ignored, and they inherit that: Ctrl-C reaches every process
    of the terminal's group, and this process alone should stop the work (closing the cluster), not each
    worker print its own KeyboardInterrupt. Python leaves an ignored SIGINT ignored in a new process."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def dask_client(workers: Workers) -> Iterator[Any]:
    """A Dask client of the scheduler named, or of a local cluster of ``workers.count`` single-threaded
    processes (extraction holds the GIL: threads would not run it side by side) started and closed here."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise WorkersError(f"running on {workers.describe()} {DASK_MISSING}") from error
    if workers.scheduler is not None:
        try:
            client = Client(workers.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            raise WorkersError(f"no Dask scheduler answers at {workers.scheduler}: {error}") from error
        with client:
            try:
                client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
            except TimeoutError as error:
                raise WorkersError(
                    f"the Dask scheduler at {workers.scheduler} has no workers (waited {WAIT_FOR_WORKERS} s):"
                    f" start some with `dask worker {workers.scheduler}`"
                ) from error
            yield client
        return
    with _workers_ignore_interrupts():
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
        )
    with cluster, Client(cluster) as client:
        yield client
