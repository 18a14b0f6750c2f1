"""Writing results to the store: in batches, replacing earlier versions, safe to kill at any moment.

A batch of results is written in three steps:

1. **forget** the earlier versions the results replace (:func:`forget_reports`);
2. write every row, with each Report node first and *pending*: without its ``content_hash`` and with
   ``writes``, the ids of the nodes it is about to write;
3. write the Report nodes again, complete: with ``content_hash``, without ``writes``.

Ingestion skips a report whose node holds the same content hash, so a report counts as done only
after step 3. A run killed earlier leaves pending reports, and the next run forgets them before
writing them again: their MENTIONS and ``writes`` name every node they may have left behind.

Forgetting a report removes its sources from every edge, drops the edges left with no source, and
deletes the nodes it leaves with no incoming edge — an entity no report mentions any more, a place
no longer needed as the parent of another — and last the Report node itself. The Report is first
marked pending with the nodes it touches, so an interrupted forget is finished by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from loupan.graph.copy import node_row
from loupan.graph.model import Node, NodeRow, Source
from loupan.graph.store import GraphStore
from loupan.ingest.build import Rows
from loupan.ingest.work import Result

PENDING = "writes"  # attrs key of a Report being written or forgotten: the nodes it touches
COMPLETE = "content_hash"  # attrs key that a complete Report has and a pending one has not
FLUSH_ROWS = 20_000  # buffered rows that force a write, whatever the number of results


@dataclass(slots=True)
class Counts:
    added: int = 0
    merged: int = 0
    unchanged: int = 0

    def to_json(self) -> dict[str, int]:
        return {"added": self.added, "merged": self.merged, "unchanged": self.unchanged}


@dataclass(slots=True)
class Tally:
    """Entities (every node but reports) and relations (every edge but MENTIONS) written:
    new to the store, merged into what it held, or already there as they were."""

    entities: Counts = field(default_factory=Counts)
    relations: Counts = field(default_factory=Counts)

    def count(self, store: GraphStore, rows: Rows) -> None:
        nodes: dict[str, list[NodeRow]] = {}
        for n in rows.nodes:
            if n.type != "Report":
                nodes.setdefault(n.id, []).append(n)
        held = store.get_nodes(list(nodes))
        for node_id, group in nodes.items():
            old = held.get(node_id)
            self._add(self.entities, old is None, old is not None and any(_adds(old, n) for n in group))
        edges: dict[str, set[Source]] = {}
        for e in rows.edges:
            if e.type != "MENTIONS":
                edges.setdefault(e.id, set()).update(e.sources)
        held_edges = store.get_edges(list(edges))
        for edge_id, sources in edges.items():
            old_edge = held_edges.get(edge_id)
            self._add(self.relations, old_edge is None,
                      old_edge is not None and not sources <= set(old_edge.sources))

    @staticmethod
    def _add(counts: Counts, new: bool, merged: bool) -> None:
        if new:
            counts.added += 1
        elif merged:
            counts.merged += 1
        else:
            counts.unchanged += 1


def _adds(old: Node, row: NodeRow) -> bool:
    """Whether writing ``row`` changes ``old`` (a name, label, attribute or filled field it lacks)."""
    names = {old.name, *old.aliases}
    return (row.name not in names or not set(row.aliases) <= names or not set(row.labels) <= set(old.labels)
            or bool(row.attrs and row.attrs != old.attrs)
            or any(getattr(row, f) and not getattr(old, f) for f in ("key", "code", "level", "date")))


def _pending(report: NodeRow, writes: Iterable[str]) -> NodeRow:
    attrs: dict[str, Any] = {k: v for k, v in report.attrs.items() if k != COMPLETE}
    attrs[PENDING] = sorted(set(writes) - {report.id})
    return replace(report, attrs=attrs, aliases=list(report.aliases), labels=list(report.labels))


def forget_reports(store: GraphStore, report_ids: Iterable[str],
                   on_deleted: Callable[[set[str]], None] | None = None) -> tuple[int, int, int]:
    """Remove what the reports contributed, and the reports; returns (reports, other nodes, edges)
    deleted. Ids that name no node are ignored. ``on_deleted`` is told the ids of the entities
    deleted with them (the resolver must not merge a newcomer into one of those)."""
    reports = store.get_nodes(sorted(set(report_ids)))
    if not reports:
        return 0, 0, 0
    gone = set(reports)
    touched = {e.target for e in store.edges_of(sorted(gone), direction="out")}
    for report in reports.values():
        touched.update(str(i) for i in report.attrs.get(PENDING) or [])
    touched -= gone
    marks = [_pending(node_row(r), touched) for r in reports.values()
             if COMPLETE in r.attrs or r.attrs.get(PENDING) != sorted(touched)]
    store.upsert(marks)
    new_sources: dict[str, list[str]] = {}
    dropped: list[str] = []
    # A report's sources sit on its own edges (which go with it) and on edges between entities it
    # touched: no need to read every edge of a province that a thousand other reports mention.
    for edge in store.edges_of(sorted(touched), direction="out"):
        if edge.target not in touched:
            continue
        kept = [s for s in edge.sources if s.report not in gone]
        if len(kept) == len(edge.sources):
            continue
        if kept:
            new_sources[edge.id] = sorted({s.encode() for s in kept})
        else:
            dropped.append(edge.id)
    store.set_edge_sources(new_sources)
    store.delete_edges(dropped)
    deleted = _delete_orphans(store, touched, gone)
    store.delete_nodes(sorted(gone))
    if on_deleted is not None and deleted:
        on_deleted(deleted)
    return len(gone), len(deleted), len(dropped)


def _delete_orphans(store: GraphStore, candidates: set[str], gone: set[str]) -> set[str]:
    """Delete the candidates nothing points at any more (Reports excepted), then the candidates'
    targets that this leaves alone, and so on up (a place chain)."""
    deleted: set[str] = set()
    while candidates:
        nodes = store.get_nodes(sorted(candidates))
        edges = store.edges_of(sorted(nodes))
        pointed_at = {e.target for e in edges if e.source not in gone | deleted and e.source != e.target}
        doomed = {i for i, n in nodes.items() if n.type != "Report" and i not in pointed_at}
        if not doomed:
            break
        store.delete_nodes(sorted(doomed))
        deleted |= doomed
        candidates = {e.target for e in edges if e.source in doomed} - deleted - gone
    return deleted


class Writer:
    """Buffers results and writes them in batches, in the order they came."""

    def __init__(self, write: Callable[[Rows], None], store: GraphStore, *, flush_items: int,
                 on_written: Callable[[list[Result], int], None],
                 on_deleted: Callable[[set[str]], None] | None = None) -> None:
        self._write = write  # the ingestor's: resolves, then upserts
        self.on_deleted = on_deleted  # ids of entities deleted with the reports a result replaces
        self.store = store
        self.flush_items = flush_items
        self.on_written = on_written  # (results written, earlier versions forgotten)
        self._buffer: list[Result] = []
        self._digests: dict[str, str] = {}  # report id -> content hash, buffered or written in this run
        self._buffered: set[str] = set()
        self._forget: set[str] = set()
        self._rows = 0

    def add(self, result: Result) -> bool:
        """Buffer a result; False when the run already wrote the same content (it is not written again:
        a report keeps the name of the first file that brought it)."""
        if result.rows is None:
            return True
        report_id, digest = result.item.report_id, result.item.digest
        if self._digests.get(report_id) == digest:
            self.forget_later(result.item.replaces)
            return False
        if report_id in self._buffered or self._buffered.intersection(result.item.replaces):
            self.flush()  # it replaces a report still in the buffer: that one is written first
        self._buffer.append(result)
        self._buffered.add(report_id)
        self._digests[report_id] = digest
        self._rows += len(result.rows.nodes) + len(result.rows.edges)
        if len(self._buffer) >= self.flush_items or self._rows >= FLUSH_ROWS:
            self.flush()
        return True

    def forget_later(self, report_ids: Iterable[str]) -> None:
        """Forget these reports with the next write (earlier versions of a file now held unchanged
        under another report)."""
        self._forget.update(report_ids)

    def flush(self) -> None:
        if not self._buffer and not self._forget:
            return
        results, self._buffer, self._buffered, self._rows = self._buffer, [], set(), 0
        old = {i for r in results for i in r.item.replaces} | self._forget
        self._forget = set()
        forgotten, _, _ = forget_reports(self.store, old, self.on_deleted)
        pending: list[NodeRow] = []
        complete: list[NodeRow] = []
        body = Rows()
        for result in results:
            assert result.rows is not None
            report_id = result.item.report_id
            for node in result.rows.nodes:
                if node.id == report_id:
                    complete.append(node)
                    pending.append(_pending(node, (n.id for n in result.rows.nodes)))
                else:
                    body.nodes.append(node)
            body.edges.extend(result.rows.edges)
        if results:
            self._write(Rows(nodes=[*pending, *body.nodes], edges=body.edges))
            self._write(Rows(nodes=complete))
        self.on_written(results, forgotten)
