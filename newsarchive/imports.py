"""Importing saved pages and web-archive files, on one process or many.

Each WARC file (or each run of saved pages) is read and its pages extracted by a task: in this process, on
local worker processes, or on the workers of a Dask cluster (newsarchive.parallel). One writer then stores
what the tasks read, in the order the files were given, through the same `ingest` a serial import uses, so
any number of workers gives the archive a serial import gives: the same articles, versions and reasons. The
reading and extraction are where the time goes; storing takes a fraction of a millisecond per article.

A log of finished WARC files (store.imported) lets the same import run again pass them by.
"""

from __future__ import annotations

import hashlib
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .fetched import FetchedPage
from .ingest import (
    Extracted,
    FileDamage,
    IngestReport,
    Outcome,
    extract_page,
    ingest,
    page_from_file,
    warc_pages,
)
from .parallel import IN_PROCESS, Workers, ordered_map
from .sites import SITES
from .store import Archive
from .store.batches import chunks
from .store.imported import file_mark
from .store.pages import pack

#: saved pages given to a worker at a time
FILES_PER_TASK = 50


@dataclass
class WarcReading:
    """What a task read from one WARC file: the pages worth storing, extracted, in the file's order; the
    other records counted by reason; the damaged parts."""

    path: Path
    pages: list[Extracted] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    damage: list[FileDamage] = field(default_factory=list)


def read_warc(path: Path, all_hebrew: bool = False) -> WarcReading:
    """Read one WARC file and extract its pages (the task a worker runs)."""
    reading = WarcReading(path)
    for item in _to_the_end(path, warc_pages(path, all_hebrew=all_hebrew)):
        if isinstance(item, FileDamage):
            reading.damage.append(item)
        elif isinstance(item, Outcome):
            reading.skipped[item.reason_kind] += 1
        else:
            reading.pages.append(_packed(Extracted(item, extract_page(item))))
    return reading


#: how the damage of a file that could not be opened or read on begins
UNREADABLE = "cannot be read"


def read_whole(damage: list[FileDamage]) -> bool:
    """Whether a file was read to its end where its task ran, by its damage: not when it could not be
    opened or read on (a worker of a cluster without the file at that path, a disk error)."""
    return not any(d.reason.startswith(UNREADABLE) for d in damage)


def _to_the_end(path: Path, items: Iterator[FetchedPage | Outcome | FileDamage]) -> Iterator[Any]:
    """The file's items, then a damage if it could not be opened or read on (the items read before it are
    kept): a file missing on a worker, a disk error."""
    try:
        yield from items
    except OSError as error:
        yield FileDamage(path, 0, f"{UNREADABLE} on {socket.gethostname()}: {error.strerror or error}")


def read_saved_pages(job: tuple[list[Path], str | None]) -> list[Extracted | Outcome]:
    """Read and extract saved pages (the task a worker runs for a run of .html files)."""
    paths, url = job
    read: list[Extracted | Outcome] = []
    for path in paths:
        page = page_from_file(path, url)
        read.append(page if isinstance(page, Outcome) else _packed(Extracted(page, extract_page(page))))
    return read


def _packed(read: Extracted) -> Extracted:
    """The page packed for the archive here, on the worker (compressing it costs more than storing it), and
    sent without its raw bytes: the writer stores only the packed ones."""
    read.page.packed = pack(read.page.body)
    read.page.body = b""
    return read


def import_files(
    archive: Archive,
    paths: Sequence[Path],
    *,
    url: str | None = None,
    force: bool = False,
    workers: Workers = IN_PROCESS,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> IngestReport:
    """Import saved pages (.html files): each page's address from ``url`` or its canonical link; with
    ``force`` a page of an archived article becomes its new version. Every page is kept in the report."""
    if workers.in_process or len(paths) <= FILES_PER_TASK:
        pages = (page_from_file(path, url) for path in paths)
        return ingest(archive, pages, replace_known=force, on_outcome=on_outcome)
    jobs = [(run, url) for run in chunks(paths, FILES_PER_TASK)]
    read = (item for items in ordered_map(read_saved_pages, jobs, workers) for item in items)
    return ingest(archive, read, replace_known=force, on_outcome=on_outcome)


def import_warcs(
    archive: Archive,
    paths: Sequence[Path],
    *,
    all_hebrew: bool = False,
    force: bool = False,
    again: bool = False,
    workers: Workers = IN_PROCESS,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Import WARC files: the responses of known news sites (with ``all_hebrew``, every mostly Hebrew
    page). A file an earlier import finished with the same selection is passed by (``again`` reads it
    again). Counts are kept, not every page. ``on_progress(bytes)`` tells how much of the files is done."""
    selection = import_selection(all_hebrew, force)
    report = IngestReport()
    todo: list[tuple[Path, str, int]] = []
    named: dict[str, Path] = {}  # marks of this run: a copy or a link of a file is read once
    done = 0  # bytes
    for path in paths:
        try:
            mark, size = file_mark(path), path.stat().st_size
        except OSError as error:  # gone or unreadable since it was named
            report.add_damage(FileDamage(path, 0, f"{UNREADABLE}: {error.strerror or error}"))
            continue
        if mark in named:
            report.read_once.append((path, named[mark]))
            continue
        named[mark] = path
        finished = None if again else archive.finished_import(mark, selection)
        if finished is None:
            todo.append((path, mark, size))
        else:
            report.passed_by.append((path, finished))
            done += size
    reports = _file_reports(archive, todo, (all_hebrew, force), workers, partial(_offset, on_progress, done))
    for (path, mark, size), (file_report, read_whole) in zip(todo, reports, strict=True):
        if read_whole:  # a file that could not be opened is not finished: the next run tries it again
            counts = (file_report.total_stored, file_report.total_skipped, file_report.total_damaged)
            archive.record_finished_import(mark, selection, path, size, counts)
        report.merge(file_report)
        done += size
        _offset(on_progress, done)
    return report


def import_selection(all_hebrew: bool, force: bool) -> str:
    """What an import takes from a WARC file, as the log of finished files tells it apart: the known news
    sites (which profiles: a site added since makes the files worth reading again) or every mostly Hebrew
    page, and whether changed copies become new versions (``--force`` after a plain import reads again)."""
    if all_hebrew:
        selection = "mostly Hebrew pages"
    else:
        domains = sorted(f"{key}:{','.join(site.domains)}" for key, site in SITES.items())
        digest = hashlib.sha256("\n".join(domains).encode()).hexdigest()[:12]
        selection = f"known news sites ({len(domains)} profiles, {digest})"
    return selection + (", changed copies as new versions" if force else "")


def _file_reports(
    archive: Archive,
    files: list[tuple[Path, str, int]],
    choices: tuple[bool, bool],
    workers: Workers,
    at: Callable[..., None],
) -> Iterator[tuple[IngestReport, bool]]:
    """Each file's report, in order, once its pages are stored, and whether the file could be read to its
    end; ``at(bytes)`` is told how far the reading is (in this process: as it reads)."""
    all_hebrew, force = choices
    store = partial(ingest, archive, keep_outcomes=False, keep_rejected=True, replace_known=force)
    if workers.in_process or (len(files) < 2 and workers.scheduler is None):
        before = 0
        for path, _, size in files:  # streamed: memory stays flat however large the file
            items = warc_pages(path, all_hebrew=all_hebrew, on_progress=partial(at, before))
            file_report = store(_to_the_end(path, items))
            yield file_report, read_whole(file_report.damaged)
            before += size
        return
    if not files:  # every file passed by: no cluster to start or reach
        return
    paths = [path for path, _, _ in files]
    task = partial(read_warc, all_hebrew=all_hebrew)
    for reading in ordered_map(task, paths, workers.at_most(len(paths))):
        file_report = store(reading.pages)
        file_report.skipped.update(reading.skipped)
        for damage in reading.damage:
            file_report.add_damage(damage)
        yield file_report, read_whole(reading.damage)


def _offset(on_progress: Callable[[int], None] | None, *parts: int) -> None:
    """Tell ``on_progress`` the bytes done: the sum of ``parts`` (files before, offset in this one)."""
    if on_progress is not None:
        on_progress(sum(parts))
