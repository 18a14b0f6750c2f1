"""Per-request context: the store, the search index, and DataLoaders created fresh for each request
so a nested query makes a number of store round trips bounded by its depth, not by its size."""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from loupan.api.limit import waiting
from loupan.graph.model import Edge, Node
from loupan.graph.queries import CityGroup, GroupFields
from loupan.graph.search import CachedIndex
from loupan.graph.store import Direction, GraphStore

EdgeKey = tuple[str, tuple[str, ...], Direction]


class IngestService:
    """The app's one Ingestor (it learns names as it goes), serialised within the process; every
    ingestion through the API is recorded in the audit trail."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._ingestor: Any = None
        self._lock = threading.Lock()

    def run(self, kind: str, who: str, **kw: Any) -> Any:
        from loupan.graph.audit import Change
        from loupan.ingest.pipeline import Ingestor, Summary

        with self._lock:
            if self._ingestor is None:
                self._ingestor = Ingestor(self._store)
            if kind == "report":
                report_id = self._ingestor.ingest_report(
                    kw["text"], source=kw.get("url") or "api", title=kw.get("title"), url=kw.get("url"),
                    outlet=kw.get("outlet"), published=kw.get("published"))
                self._store.record_changes([Change("ingest_report", [report_id], who, "ingestReport",
                                                   {"url": kw.get("url"), "title": kw.get("title")})])
                return report_id
            summary = Summary()
            self._ingestor.ingest_records(kw["text"], kw["source"], summary)
            self._store.record_changes([Change("ingest_records", [], who, "ingestRecords",
                                               {"source": kw["source"], "records": summary.records,
                                                "errors": len(summary.errors)})])
            return summary


async def off_loop(fn: Any, *args: Any, **kw: Any) -> Any:
    """``fn`` run in a thread, off the event loop; the request's work slot is free meanwhile."""
    async with waiting():
        return await asyncio.to_thread(fn, *args, **kw)


def _matches(edge: Edge, node_id: str, direction: Direction) -> bool:
    if direction == "out":
        return edge.source == node_id
    if direction == "in":
        return edge.target == node_id
    return node_id in (edge.source, edge.target)


@dataclass
class Context(BaseContext):
    store: GraphStore
    index: CachedIndex
    user: str = "anonymous"
    roles: frozenset[str] = frozenset({"reader", "editor", "admin"})
    ingest_service: IngestService | None = None
    nodes: DataLoader[str, Node | None] = field(init=False)
    edges: DataLoader[EdgeKey, list[Edge]] = field(init=False)
    # nodes a resolver already holds (a developer's projects): a plain dict, where priming the
    # DataLoader made a future per node (about 10 us each, 0.1 s for a 10,000-project answer)
    primed: dict[str, Node] = field(init=False, default_factory=dict)
    # developers' ``taskForcesByCity`` answers read with the developer, ahead of that field, by the
    # developer's id, with what they were read for (``loupan.api.types.read_with_groups``)
    groups_ahead: dict[str, tuple[GroupFields, list[CityGroup]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        # the loaders hold the store, not the context: a context in a reference cycle (a loader
        # holding its bound method) would outlive its request until a full collection, and with it
        # every node the request primed or read ahead
        self.nodes = DataLoader(load_fn=partial(_load_nodes, self.store))
        self.edges = DataLoader(load_fn=partial(_load_edges, self.store))

    def require(self, role: str) -> str:
        """The caller's name if it holds ``role``; raises a GraphQL-visible error otherwise."""
        if role not in self.roles:
            from loupan.errors import Forbidden

            raise Forbidden(f"this operation needs the {role!r} role; send an API key that has it "
                            "(Authorization: Bearer <key>)")
        return self.user

    async def node(self, node_id: str) -> Node | None:
        primed = self.primed.get(node_id)
        return primed if primed is not None else await self.nodes.load(node_id)

    async def edges_of(self, node_id: str, types: Sequence[str] = (), direction: Direction = "both") -> list[Edge]:
        return await self.edges.load((node_id, tuple(sorted(types)), direction))

    async def nodes_of(self, ids: Sequence[str]) -> list[Node | None]:
        """The nodes of ``ids`` in order (None where missing): those not primed in one batch."""
        missing = [i for i in ids if i not in self.primed]
        loaded = dict(zip(missing, await self.nodes.load_many(missing), strict=True)) if missing else {}
        return [self.primed.get(i) or loaded.get(i) for i in ids]

    def prime(self, nodes: Sequence[Node]) -> None:
        primed = self.primed
        for n in nodes:
            primed.setdefault(n.id, n)  # the first of an id wins, as with DataLoader.prime

    async def ingest(self, kind: str, who: str, **kw: Any) -> Any:
        if self.ingest_service is None:
            self.ingest_service = IngestService(self.store)
        return await off_loop(self.ingest_service.run, kind, who, **kw)

    async def run(self, fn: Any, *args: Any) -> Any:
        """Run a blocking store call off the event loop."""
        return await off_loop(fn, *args)

    async def read(self, fn: Any, *args: Any) -> Any:
        """Await one of the store's reads for the event loop (``store.aget_nodes`` …); the request's
        work slot is free meanwhile, as in :meth:`run`."""
        return await _read(fn, *args)


async def _read(fn: Any, *args: Any) -> Any:
    async with waiting():
        return await fn(*args)


async def _load_nodes(store: GraphStore, ids: Sequence[str]) -> list[Node | None]:
    found = await _read(store.aget_nodes, list(ids))
    return [found.get(i) for i in ids]


async def _load_edges(store: GraphStore, keys: Sequence[EdgeKey]) -> list[list[Edge]]:
    groups: dict[tuple[tuple[str, ...], Direction], list[str]] = defaultdict(list)
    for node_id, types, direction in keys:
        groups[(types, direction)].append(node_id)
    results: dict[EdgeKey, list[Edge]] = {}
    for (types, direction), ids in groups.items():
        edges = await _read(store.aedges_of, ids, list(types), direction)
        for node_id in ids:
            results[(node_id, types, direction)] = [e for e in edges if _matches(e, node_id, direction)]
    return [results[k] for k in keys]
