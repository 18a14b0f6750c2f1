"""Ingestion: reports and records in, graph rows out, one clear error per bad input.

:class:`Ingestor` holds what one run learns (names the graph teaches the extractor, the resolver)
and writes through :meth:`Ingestor._write`. Files, directories, globs and standard input go through
:mod:`loupan.ingest.batch` (reading: :mod:`~loupan.ingest.inputs`, extraction: :mod:`~loupan.ingest.work`,
writing and replacing: :mod:`~loupan.ingest.writer`); a single report or record text from the API
goes the same way. A bad input is reported and skipped; everything else is still written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from loupan.errors import InputError
from loupan.graph.store import GraphStore
from loupan.ingest import build
from loupan.ingest.batch import Batch, Options
from loupan.ingest.inputs import Item, Meta
from loupan.ingest.normalize import fold
from loupan.ingest.text import fold as known_key
from loupan.ingest.work import Learned
from loupan.ingest.writer import Counts, Tally

KNOWN_TYPES = ("Developer", "Project", "Agency", "TaskForce", "Organization", "Policy", "Outlet")


@dataclass(slots=True)
class Summary:
    files: int = 0
    reports: int = 0              # text reports written (new or changed)
    records: int = 0              # structured records written
    unchanged: int = 0            # reports and record files skipped: the store holds them as they are
    replaced: int = 0             # earlier versions forgotten (changed reports, pending ones of a killed run)
    errors: list[InputError] = field(default_factory=list)   # the rejects
    warnings: list[tuple[str, str]] = field(default_factory=list)
    entities: Counts = field(default_factory=Counts)
    relations: Counts = field(default_factory=Counts)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"files": self.files, "reports": self.reports, "records": self.records, "unchanged": self.unchanged,
                "replaced": self.replaced, "entities": self.entities.to_json(),
                "relations": self.relations.to_json(), "rejects": len(self.errors),
                "seconds": round(self.seconds, 3),
                "errors": [{"input": e.source, "problem": e.problem} for e in self.errors],
                "warnings": [{"input": s, "problem": p} for s, p in self.warnings]}


def _preference(key: str, taught: Learned) -> tuple[bool, str, str, str]:
    surface, type_, name = taught
    return known_key(name.strip()) != key, type_, name, surface


class Ingestor:
    """Writes inputs into a store. One instance per run; it learns names as it goes."""

    def __init__(self, store: GraphStore) -> None:
        from loupan.ingest.extract import KnownNames
        from loupan.ingest.resolve import Resolver

        self.store = store
        names = list(store.name_rows())  # one scan for the extractor's names and the resolver's registry
        self.resolver = Resolver(store, names=names)
        self.known = KnownNames()
        self.learned: list[Learned] = []  # every change to `known`, in order: workers replay it
        self._surfaces: dict[str, set[Learned]] = {}  # folded surface -> all (surface, type, name) taught
        self._taught: dict[str, Learned] = {}  # folded surface -> the one `known` holds
        self.tally: Tally | None = None  # counts what each write adds, merges or leaves unchanged
        for row in names:
            self._learn(row["type"], row.get("name") or "", row.get("aliases") or [], row["id"])

    def _learn(self, type_: str, name: str, aliases: Iterable[str], canonical: str) -> None:
        """Teach the extractor the names of a node. A surface that several entities answer to
        (工作专班) stands for one chosen by what was taught, never by the order it came in: the
        entity whose own name it is, else the first by type and name. So a run resumed after a kill
        extracts as the uninterrupted run would have."""
        if type_ not in KNOWN_TYPES:
            return
        for surface in {name, *aliases}:
            if len(fold(surface)) < 2:
                continue
            key = known_key(surface.strip())
            taught = self._surfaces.setdefault(key, set())
            if (surface, type_, name) in taught:
                continue
            taught.add((surface, type_, name))
            best = min(taught, key=partial(_preference, key))
            if self._taught.get(key) != best:
                self._taught[key] = best
                self.known.add(*best)
                self.learned.append(best)

    def learn_rows(self, rows: build.Rows) -> None:
        for node in rows.nodes:
            self._learn(node.type, node.name, node.aliases, node.id)

    def forget(self, ids: Iterable[str]) -> None:
        """Entities deleted from the store (a replaced report was their only source): the resolver
        must not merge a newcomer into one of them."""
        self.resolver.forget(ids)

    def _write(self, rows: build.Rows) -> None:
        rows = self.resolver.resolve(rows)
        if self.tally is not None:
            self.tally.count(self.store, rows)
        self.store.upsert(rows.nodes, rows.edges)
        self.resolver.after_write(rows)
        for node in rows.nodes:
            self._learn(node.type, node.name, node.aliases, node.id)

    def ingest_paths(self, paths: Iterable[str | Path], options: Options | None = None) -> Summary:
        """Files, directories, globs and ``-`` (standard input, given in ``options.stdin``).
        Without options: in this process, each report written before the next is read."""
        return self.batch(options or Options(flush_items=1)).run([str(p) for p in paths])

    def batch(self, options: Options, summary: Summary | None = None) -> Batch:
        summary = summary if summary is not None else Summary()
        self.tally = Tally(summary.entities, summary.relations)
        return Batch(self, options, summary)

    def ingest_records(self, text: str, source: str, summary: Summary | None = None) -> int:
        """Records from a text (JSON, or JSON lines / CSV when ``source`` ends so); returns how many
        were written. Bad records go to ``summary.errors``; a text already held is skipped."""
        summary = summary if summary is not None else Summary()
        before = summary.records
        item = Item(source, "records", text, len(text.encode("utf-8")))
        self.batch(Options(flush_items=1), summary).run_items([item])
        return summary.records - before

    def ingest_report(self, text: str, *, source: str = "<text>", title: str | None = None,
                      url: str | None = None, outlet: str | None = None, published: str | None = None,
                      summary: Summary | None = None) -> str:
        """Extract one report and write it; returns the report's node id. A report already held with
        the same text is left as it is; a changed text under a URL held replaces the old one's facts.
        Raises InputError for a report that cannot be ingested."""
        meta = Meta(title or "", url or "", outlet or "", str(published or ""))
        item = Item(source, "report", text, len(text.encode("utf-8")), meta)
        summary = summary if summary is not None else Summary()
        before = len(summary.errors)
        self.batch(Options(flush_items=1), summary).run_items([item])
        if len(summary.errors) > before:
            raise summary.errors.pop()
        return item.report_id
