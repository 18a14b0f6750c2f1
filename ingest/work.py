"""One item in, graph rows out: the part of ingestion that runs in worker processes.

Nothing here touches a store. A worker keeps one :class:`KnownNames` for its life and brings it up to
date from the names the writer has learned, which each chunk carries (only the part the worker may
not have seen yet), so a chunk is extracted with the names known when it was sent.
"""

from __future__ import annotations

import copyreg
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loupan.errors import InputError, RecordError, UnreadableInput
from loupan.graph.model import EdgeRow, NodeRow, Source
from loupan.ingest import build
from loupan.ingest.inputs import Item
from loupan.ingest.normalize import fold, node_id
from loupan.ingest.records import Record, parse_records

if TYPE_CHECKING:
    from loupan.ingest.extract import KnownNames

PARENT_CHECK_SECONDS = 1.0
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
Learned = tuple[str, str, str]  # (surface, type, canonical name), as KnownNames.add takes them


def _rebuild_input_error(error: InputError) -> tuple[type[InputError], tuple[str, str]]:
    return type(error), (error.source, error.problem)


# Rejects come back from workers: pickle must know that an InputError is made from (source, problem).
for _error_class in (InputError, UnreadableInput, RecordError):
    copyreg.pickle(_error_class, _rebuild_input_error)


@dataclass(slots=True)
class Result:
    """What became of one item: rows to write (None when nothing can be), rejects, warnings."""

    item: Item
    rows: build.Rows | None
    rejects: list[InputError] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    records: int = 0


def iso_date(value: Any) -> str:
    match = _ISO_DATE.match(str(value or "").strip())
    return match.group(0) if match else ""


def process(item: Item, known: KnownNames | None) -> Result:
    """Rows for one item; a bad item (or an extractor bug on it) becomes a reject, never an exception."""
    try:
        return _records(item) if item.kind == "records" else _report(item, known)
    except InputError as e:
        return Result(item, None, [e])
    except Exception as e:  # an extractor bug must not lose the rest of the batch
        return Result(item, None, [InputError(item.source, f"extraction failed ({type(e).__name__}: {e}); "
                                                           "please report this input")])


def _report(item: Item, known: KnownNames | None) -> Result:
    from loupan.ingest.extract import EXTRACTOR_VERSION, extract

    text, meta = item.text, item.meta
    if not text.strip():
        raise UnreadableInput(item.source, "the report is empty")
    published = iso_date(meta.published)
    first_line = text.strip().splitlines()[0].strip()
    report = NodeRow(
        id=item.report_id, type="Report", name=(meta.title or first_line)[:200], date=published,
        attrs={k: v for k, v in {"kind": "news", "url": meta.url, "outlet": meta.outlet,
                                 "path": Path(item.source).name, "origin": item.origin,
                                 "content_hash": item.digest, "chars": len(text),
                                 "published": meta.published}.items() if v},
    )
    extraction = extract(text, published=published or None, known=known)
    rows = build.extraction_rows(extraction, report, text, EXTRACTOR_VERSION)
    outlet_name = meta.outlet.split("(")[0].split("（")[0].strip()
    if outlet_name and not outlet_name.lower().startswith("unknown"):
        outlet = NodeRow(id=node_id("Outlet", fold(outlet_name)), type="Outlet", name=outlet_name,
                         key=fold(outlet_name))
        rows.nodes.append(outlet)
        rows.edges.append(EdgeRow("PUBLISHED_BY", report.id, outlet.id,
                                  [Source(report.id, quote=meta.outlet, field="source_outlet", by="metadata")]))
    return Result(item, rows)


def _records(item: Item) -> Result:
    records: list[Record] = []
    rejects: list[InputError] = []
    for parsed in parse_records(item.source, item.text):
        if isinstance(parsed, InputError):
            rejects.append(parsed)
        else:
            records.append(parsed)
    if not records:
        return Result(item, None, rejects)
    attrs: dict[str, Any] = {"kind": "records", "path": Path(item.source).name, "origin": item.origin,
                             "content_hash": item.digest, "records": len(records)}
    if rejects:  # kept, so that a re-run that skips the unchanged file still reports them
        attrs["rejects"] = [[e.source, e.problem] for e in rejects]
    report = NodeRow(id=item.report_id, type="Report", name=Path(item.source).name,
                     attrs={k: v for k, v in attrs.items() if v})
    rows, problems = build.records_rows(records, report)
    return Result(item, rows, rejects, problems, len(records))


# -- worker processes --------------------------------------------------------------------------

class _Worker:
    """What a worker process keeps between chunks: its known names and how many it has applied."""

    known: KnownNames | None = None
    applied = 0


def warm(parent: int) -> None:
    """Pool initializer: leave when the parent does (killed, it cannot tell its workers to stop), and
    load the extractor's dictionaries before the first chunk arrives."""
    from loupan.ingest.extract import extract

    threading.Thread(target=_exit_without, args=(parent,), name="loupan-parent-watch", daemon=True).start()

    extract("郑州市住房保障和房地产管理局召开问题楼盘化解工作推进会。")


def _exit_without(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def run_chunk(items: list[Item], start: int, learned: list[Learned]) -> tuple[int, int, list[Result]]:
    """Extract a chunk in a worker. ``learned`` are the writer's learned names from index ``start``
    on; the worker has applied at least the first ``start`` before. Returns (pid, names applied,
    results), the results without their text (the writer does not need it back)."""
    from loupan.ingest.extract import KnownNames

    state = _Worker
    if state.known is None:
        state.known = KnownNames()
    if start > state.applied:
        raise RuntimeError(f"worker {os.getpid()} has {state.applied} learned names, the chunk assumes {start}")
    for index, (surface, type_, canonical) in enumerate(learned, start):
        if index >= state.applied:
            state.known.add(surface, type_, canonical)
    state.applied = max(state.applied, start + len(learned))
    results = [process(item, state.known) for item in items]
    for result in results:
        result.item.text = ""
    return os.getpid(), state.applied, results
