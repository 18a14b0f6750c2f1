"""Batch ingestion: inputs read in order and streamed, extraction in worker processes, one writer.

    summary = Ingestor(store).batch(Options(workers=4, on_reject=print)).run(["news/", "more/*.html"])

The parent reads inputs (:mod:`loupan.ingest.inputs`) into chunks, skips what the store already holds
(same report id and content hash), and hands the rest to a pool of worker processes
(:mod:`loupan.ingest.work`); results come back in input order and go to the one writer
(:mod:`loupan.ingest.writer`), which writes them in batches. Memory stays bounded: at most
``2 × workers`` chunks are out at a time and the writer holds at most ``flush_items`` results.

Names the graph teaches the extractor (:class:`~loupan.ingest.extract.KnownNames`) are learned from
each result as it comes back, in input order; a chunk is extracted with the names learned when it
was sent. With ``workers=0`` everything runs in this process and each report is extracted with the
names of every report before it.

Nothing is lost and nothing doubles when a run dies at any moment: a report is complete only once
all its rows are written (see :mod:`loupan.ingest.writer`), and a re-run skips complete reports and
redoes the rest.

Workers are started with the ``spawn`` method (a forkserver would outlive a killed run, and so would
its workers), so a script that runs a batch with workers needs the usual ``if __name__ ==
"__main__":`` guard; each worker exits by itself within a second of its parent's death.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING

from loupan.config import Settings
from loupan.errors import InputError, LoupanError, RecordError
from loupan.ingest.inputs import STDIN, ByteStream, Item, Reader, expand, size_of
from loupan.ingest.progress import Snapshot
from loupan.ingest.work import Result, process, run_chunk, warm
from loupan.ingest.writer import Writer

if TYPE_CHECKING:
    from loupan.ingest.pipeline import Ingestor, Summary

DEFAULT_MAX_INPUT_BYTES: int = Settings.model_fields["max_input_bytes"].default
REPORT_PAGE = 5000
Chunk = tuple[int, int, list[Result]]


@dataclass(slots=True)
class Options:
    workers: int = 0              # extraction processes; 0: extract in this process
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    stdin: ByteStream | None = None
    stdin_format: str | None = None
    on_reject: Callable[[InputError], None] | None = None
    progress: Callable[[Snapshot], None] | None = None
    chunk_items: int = 8          # items per chunk sent to a worker …
    chunk_chars: int = 100_000    # … or fewer, when they are long
    flush_items: int = 64         # results per store write (1: each report written before the next is read)


class Batch:
    """One run over some inputs. Not reusable: make one per run."""

    def __init__(self, ingestor: Ingestor, options: Options, summary: Summary) -> None:
        self.ingestor = ingestor
        self.store = ingestor.store
        self.options = options
        self.summary = summary
        self.writer = Writer(ingestor._write, self.store, flush_items=max(1, options.flush_items),
                             on_written=self._written, on_deleted=ingestor.forget)
        self._seen: dict[str, str] = {}              # report id -> content hash sent in this run
        self._origins: dict[str, set[str]] | None = None  # file identity -> report ids (read once)
        self._pool: ProcessPoolExecutor | None = None
        self._out: deque[Future[Chunk]] = deque()
        self._applied: dict[int, int] = {}           # worker pid -> learned names it has applied
        self._started = time.monotonic()
        self._done_items = 0
        self._done_bytes = 0
        self._total: int | None = None

    # -- entry points ----------------------------------------------------------------------------
    def run(self, specs: Iterable[str]) -> Summary:
        """Ingest files, directories, globs and ``-`` (standard input)."""
        entries = list(expand(specs))
        self.summary.files += sum(1 for e in entries if not isinstance(e, InputError))
        self._total = None if STDIN in entries else sum(size_of(e) for e in entries)
        reader = Reader(self.options.max_input_bytes, stdin=self.options.stdin,
                        stdin_format=self.options.stdin_format)

        def stream() -> Iterator[Item | InputError]:
            for entry in entries:
                carried = 0
                for item in reader.items(entry):
                    carried += item.size if isinstance(item, Item) else 0
                    yield item
                self._done_bytes += max(0, size_of(entry) - carried)  # rejected, blank lines

        return self.run_items(stream())

    def run_items(self, items: Iterable[Item | InputError]) -> Summary:
        try:
            if self.options.workers > 0:
                self._pool = ProcessPoolExecutor(self.options.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=warm, initargs=(os.getpid(),))
            chunk: list[Item] = []
            chars = 0
            for item in items:
                if isinstance(item, InputError):
                    self._reject(item)
                    continue
                chunk.append(item)
                chars += len(item.text)
                if len(chunk) >= self.options.chunk_items or chars >= self.options.chunk_chars:
                    self._send(self._fresh(chunk))
                    chunk, chars = [], 0
            self._send(self._fresh(chunk))
            while self._out:
                self._collect(self._out.popleft())
            self.writer.flush()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=not self._out, cancel_futures=True)
        self.summary.seconds = time.monotonic() - self._started
        return self.summary

    # -- reading side ----------------------------------------------------------------------------
    def _fresh(self, chunk: list[Item]) -> list[Item]:
        """The items of a chunk the store does not hold as they are, each with the earlier versions
        it replaces; the others are counted unchanged (their stored rejects reported again)."""
        if not chunk:
            return []
        held = self.store.get_nodes([i.report_id for i in chunk if i.report_id not in self._seen])
        fresh = []
        for item in chunk:
            report_id = item.report_id
            replaces: set[str] = set()
            stored_rejects: list[list[str]] | None = None  # not None: held unchanged
            if report_id in self._seen:  # twice in one run: done again, so that each copy gets its outcome
                if self._seen[report_id] != item.digest:
                    replaces.add(report_id)  # the same URL with another text: the last wins
            elif report_id in held:
                node = held[report_id]
                if node.attrs.get("content_hash") == item.digest:
                    stored_rejects = list(node.attrs.get("rejects") or [])
                else:
                    replaces.add(report_id)  # a changed text under the same URL, or left pending by a killed run
            if item.origin:
                origins = self._origins_index()
                replaces.update(origins.get(item.origin, set()) - {report_id})
                origins[item.origin] = {report_id}
            if stored_rejects is not None:
                self.writer.forget_later(replaces)  # the file's earlier version, if it now holds another's text
                self._unchanged(item, stored_rejects)
                continue
            self._seen[report_id] = item.digest
            item.replaces = tuple(sorted(replaces))
            fresh.append(item)
        return fresh

    def _origins_index(self) -> dict[str, set[str]]:
        if self._origins is None:
            self._origins = {}
            skip = 0
            while page := self.store.list_nodes(["Report"], skip=skip, limit=REPORT_PAGE):
                for node in page:
                    origin = node.attrs.get("origin")
                    if origin:
                        self._origins.setdefault(str(origin), set()).add(node.id)
                skip += len(page)
        return self._origins

    def _unchanged(self, item: Item, stored_rejects: list[list[str]]) -> None:
        self.summary.unchanged += 1
        for source, problem in stored_rejects:
            self._reject(RecordError(source, problem))
        self._done(item)

    def _send(self, items: list[Item]) -> None:
        if not items:
            return
        if self._pool is None:
            for item in items:
                self._consume(process(item, self.ingestor.known))
            return
        while len(self._out) >= 2 * self.options.workers:
            self._collect(self._out.popleft())
        learned = self.ingestor.learned
        start = min(self._applied.values()) if len(self._applied) >= self.options.workers else 0
        self._out.append(self._pool.submit(run_chunk, items, start, learned[start:]))

    # -- writing side ----------------------------------------------------------------------------
    def _collect(self, future: Future[Chunk]) -> None:
        try:
            pid, applied, results = future.result()
        except BrokenProcessPool as e:
            raise LoupanError(f"an extraction worker died ({e}); run the same command again: what was "
                              "written is kept, and the rest is done then") from e
        self._applied[pid] = max(self._applied.get(pid, 0), applied)
        for result in results:
            self._consume(result)

    def _consume(self, result: Result) -> None:
        for error in result.rejects:
            self._reject(error)
        self.summary.warnings.extend(result.warnings)
        if result.rows is None:
            self._done(result.item)
            return
        self.ingestor.learn_rows(result.rows)
        if not self.writer.add(result):
            self._unchanged(result.item, [])

    def _written(self, results: list[Result], forgotten: int) -> None:
        for result in results:
            if result.item.kind == "records":
                self.summary.records += result.records
            else:
                self.summary.reports += 1
            self._done(result.item, notify=False)
        self.summary.replaced += forgotten
        self._progress()

    def _done(self, item: Item, *, notify: bool = True) -> None:
        self._done_items += 1
        self._done_bytes += item.size
        if notify:
            self._progress()

    def _reject(self, error: InputError) -> None:
        self.summary.errors.append(error)
        if self.options.on_reject is not None:
            self.options.on_reject(error)
        self._progress()

    def _progress(self) -> None:
        if self.options.progress is not None:
            self.options.progress(self.snapshot())

    def snapshot(self) -> Snapshot:
        return Snapshot(self._done_items, len(self.summary.errors), self._done_bytes, self._total,
                        time.monotonic() - self._started)
