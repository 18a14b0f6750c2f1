"""The one interface every graph backend implements, and the logic they share.

A backend supplies a dialect module (``loupan.graph.cypher.<name>``) and three primitives, ``_read``
(rows as dicts), ``_read_rows`` (rows by position, for reads made into many objects) and
``_write_batch``; everything else here is written once, so both stores behave alike and pass one
contract test suite (``tests/contract``).
"""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, Literal, TypeVar

from loupan.graph.audit import Change, Judgement
from loupan.graph.cypher import Fields
from loupan.graph.model import Edge, EdgeRow, Node, NodeRow

Direction = Literal["out", "in", "both"]
Query = tuple[str, dict[str, Any]]
Row = TypeVar("Row", NodeRow, EdgeRow)

DEFAULT_BATCH_SIZE = 1000


def _dedupe(rows: Iterable[Row]) -> list[Row]:
    """Fold rows with the same id together, keeping first-seen order."""
    seen: dict[str, Row] = {}
    for row in rows:
        have = seen.get(row.id)
        if have is None:
            seen[row.id] = row
        else:
            have.absorb(row)
    return list(seen.values())


def nodes_of_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[Node]:
    """Nodes from positional rows whose columns are ``columns`` (:meth:`Node.maker`)."""
    return Node.maker(tuple(columns))(rows) if rows else []


def nodes_of_columns(columns: Sequence[str], values: Sequence[Sequence[Any]]) -> list[Node]:
    """Nodes from a list per column (``values[i]`` holds column ``columns[i]`` of every node): a
    statement returning thousands of nodes this way gives the driver a few lists to decode, not one
    per node."""
    return Node.maker(tuple(columns))(zip(*values, strict=True)) if values else []


def _edges(records: list[dict[str, Any]]) -> list[Edge]:
    return sorted((Edge.from_record(r) for r in records), key=lambda e: e.id)


class GraphStore(ABC):
    """A graph store. All Cypher lives in the dialect module; this class only sequences it."""

    dialect: ModuleType
    name: str = "abstract"
    # Whether reads sent from several threads at once run side by side (a server: each read is its
    # own session), so a question may split its reads to answer sooner; False where they queue.
    concurrent_reads: bool = False
    # Whether :meth:`developer_projects_with_city_task_forces` reads the developer's node in its own
    # statement (asked with ``developer``), so a caller that wants both saves a round trip.
    developer_in_projects_read: bool = False

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self.round_trips = 0  # queries sent; tests read it to prove batching
        self._counting = threading.Lock()  # reads may come from several threads at once

    # -- primitives a backend provides -------------------------------------------------------
    @abstractmethod
    def _read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run one read query and return its records as dicts."""

    @abstractmethod
    def _read_rows(self, query: str, params: dict[str, Any]) -> tuple[list[str], Sequence[Sequence[Any]]]:
        """Run one read query written by a dialect's ``rows_record`` (or any plain query); return its
        column names and its rows as positional sequences, without a dict per row."""

    @abstractmethod
    def _write_batch(self, queries: Sequence[Query]) -> None:
        """Run the queries in one transaction (retried on transient failure where the backend can)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _count_read(self) -> None:
        with self._counting:
            self.round_trips += 1

    def read(self, query: Query) -> list[dict[str, Any]]:
        self._count_read()
        return self._read(*query)

    def read_nodes(self, query: Query) -> list[Node]:
        """The nodes a query's rows describe (columns named as node properties; others skipped),
        made from positional rows by :meth:`Node.maker`."""
        self._count_read()
        return nodes_of_rows(*self._read_rows(*query))

    # -- reads awaited on an event loop ------------------------------------------------------
    # The API's small and frequent reads (a neighbourhood; the nodes and edges its DataLoaders
    # batch) as coroutines. Here each runs the blocking read in a thread; a backend whose driver
    # has an asyncio API reads on the loop instead inside :meth:`reads_on_loop`, without the
    # hand-off to a thread and back (Neo4j: ``bench/async_reads.py``). The statements and the
    # decoding are the blocking methods'.
    async def _aread(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._read, query, params)

    async def _aread_rows(self, query: str, params: dict[str, Any]) -> tuple[list[str], Sequence[Sequence[Any]]]:
        return await asyncio.to_thread(self._read_rows, query, params)

    async def aread(self, query: Query) -> list[dict[str, Any]]:
        self._count_read()
        return await self._aread(*query)

    async def aread_nodes(self, query: Query) -> list[Node]:
        self._count_read()
        return nodes_of_rows(*await self._aread_rows(*query))

    async def aget_nodes(self, ids: Sequence[str], fields: Fields = None) -> dict[str, Node]:
        """:meth:`get_nodes`, awaited."""
        return {n.id: n for n in await self.aread_nodes(self._get_nodes_query(ids, fields))} if ids else {}

    async def aedges_of(self, ids: Sequence[str], types: Sequence[str] | None = None,
                        direction: Direction = "both") -> list[Edge]:
        """:meth:`edges_of`, awaited."""
        return _edges(await self.aread(self._edges_of_query(ids, types, direction))) if ids else []

    async def aedges_with_ends(self, ids: Sequence[str], types: Sequence[str] | None = None,
                               direction: Direction = "both", fields: Fields = None,
                               ) -> tuple[list[Edge], dict[str, Node]]:
        """:meth:`edges_with_ends`, awaited."""
        edges = await self.aedges_of(ids, types, direction)
        return edges, await self.aget_nodes([end for e in edges for end in (e.source, e.target)], fields)

    @asynccontextmanager
    async def reads_on_loop(self) -> AsyncIterator[None]:
        """Within, the awaited reads run on the running event loop where the backend's driver can
        (here they stay in threads). The app holds this for its life; anything else that awaits
        reads (a script with ``asyncio.run`` per query) need not, and gets threads."""
        yield

    # -- schema ------------------------------------------------------------------------------
    def apply_schema(self) -> None:
        for statement in self.dialect.schema():
            self._write_batch([(statement, {})])

    # -- writes ------------------------------------------------------------------------------
    def _chunks(self, rows: list[Row]) -> Iterator[list[Row]]:
        for i in range(0, len(rows), self.batch_size):
            yield rows[i : i + self.batch_size]

    def upsert(self, nodes: Iterable[NodeRow] = (), edges: Iterable[EdgeRow] = ()) -> None:
        """Write nodes then edges, batch by batch; identical input is a no-op on the second run."""
        node_rows, edge_rows = _dedupe(nodes), _dedupe(edges)
        for chunk in self._chunks(node_rows):
            self._write_batch(self._node_queries([r.params() for r in chunk]))
        for echunk in self._chunks(edge_rows):
            self._write_batch(self.dialect.upsert_edges([r.params() for r in echunk]))
        if node_rows or edge_rows:
            self._write_batch([self.dialect.bump_generation()])

    def _node_queries(self, rows: list[dict[str, Any]]) -> list[Query]:
        """The write queries for one batch of node rows (a backend may split new from existing)."""
        queries: list[Query] = self.dialect.upsert_nodes(rows)
        return queries

    def delete_nodes(self, ids: Sequence[str]) -> None:
        if ids:
            self._write_batch([self.dialect.delete_nodes(list(ids)), self.dialect.bump_generation()])

    def delete_edges(self, ids: Sequence[str]) -> None:
        if ids:
            self._write_batch([self.dialect.delete_edges(list(ids)), self.dialect.bump_generation()])

    def set_edge_sources(self, sources_by_edge: dict[str, list[str]]) -> None:
        """Replace the encoded source lists of existing edges (used when a report's facts change)."""
        rows = [{"id": k, "sources": v} for k, v in sources_by_edge.items()]
        for i in range(0, len(rows), self.batch_size):
            self._write_batch([self.dialect.set_edge_sources(rows[i : i + self.batch_size])])
        if rows:
            self._write_batch([self.dialect.bump_generation()])

    # -- reads -------------------------------------------------------------------------------
    # The node reads take ``fields``: the properties to read besides ``id`` and ``type`` (None: all).
    # A node read with fields has the others empty; it answers the question it was read for and is
    # never to be cached or handed on as the whole node.
    def _get_nodes_query(self, ids: Sequence[str], fields: Fields) -> Query:
        return self.dialect.get_nodes(list(dict.fromkeys(ids)), fields)  # type: ignore[no-any-return]

    def get_nodes(self, ids: Sequence[str], fields: Fields = None) -> dict[str, Node]:
        return {n.id: n for n in self.read_nodes(self._get_nodes_query(ids, fields))} if ids else {}

    def get_node(self, node_id: str) -> Node | None:
        return self.get_nodes([node_id]).get(node_id)

    def list_nodes(self, types: Sequence[str] | None = None, code_prefixes: Sequence[str] | None = None,
                   skip: int = 0, limit: int = 100, date_from: str = "", date_to: str = "",
                   fields: Fields = None) -> list[Node]:
        """Nodes in id order, of any of ``types``, inside any of the division ``code_prefixes``, and
        dated within [date_from, date_to] (ISO dates or prefixes) when those are given."""
        query = self.dialect.list_nodes(list(types or []), list(code_prefixes or []), skip, limit,
                                        (date_from, date_to), fields)
        return self.read_nodes(query)

    def count_nodes(self, types: Sequence[str] | None = None, code_prefixes: Sequence[str] | None = None,
                    date_from: str = "", date_to: str = "") -> int:
        rows = self.read(self.dialect.count_nodes(list(types or []), list(code_prefixes or []), (date_from, date_to)))
        return int(rows[0]["c"]) if rows else 0

    def edges_of(self, ids: Sequence[str], types: Sequence[str] | None = None,
                 direction: Direction = "both") -> list[Edge]:
        """Every edge touching any of ``ids`` (one round trip, whatever the number of ids), in the order
        of their ids."""
        return _edges(self.read(self._edges_of_query(ids, types, direction))) if ids else []

    def _edges_of_query(self, ids: Sequence[str], types: Sequence[str] | None, direction: Direction) -> Query:
        return self.dialect.edges_of(list(dict.fromkeys(ids)), list(types or []), direction)  # type: ignore[no-any-return]

    def edges_with_ends(self, ids: Sequence[str], types: Sequence[str] | None = None, direction: Direction = "both",
                        fields: Fields = None) -> tuple[list[Edge], dict[str, Node]]:
        """The edges of :meth:`edges_of`, and the nodes at their ends read with ``fields``: two round
        trips here, one where a backend reads both in one statement."""
        edges = self.edges_of(ids, types, direction)
        return edges, self.get_nodes([end for e in edges for end in (e.source, e.target)], fields)

    def developer_projects(self, developer_id: str, depth: int, fields: Fields = None) -> list[Node]:
        """The projects a developer and its subsidiaries (transitively, ``depth`` levels) develop, in
        the order of their DEVELOPS edges' ids, each once: one round trip."""
        if depth < 0:
            raise ValueError(f"depth must be at least 0, got {depth!r}")
        projects: dict[str, Node] = {}
        for node in self.read_nodes(self.dialect.developer_projects(developer_id, depth, fields)):
            projects.setdefault(node.id, node)
        return list(projects.values())

    def developer_projects_with_edges(self, developer_id: str, depth: int, types: Sequence[str] | None,
                                      fields: Fields = None, end_fields: Fields = None, parents: bool = False,
                                      ) -> tuple[list[Node], list[Edge], dict[str, Node]]:
        """:meth:`developer_projects`, then :meth:`edges_with_ends` of those projects (``types``, both
        directions; the ends read with ``end_fields``): three round trips here, one where a backend
        reads it all in one statement. With ``parents``, such a backend also puts among the ends the
        places the ends are PART_OF (a district's city and province); here it does not (reading
        them would cost more than the caller reading the few it needs), so a caller must not count
        on finding them."""
        projects = self.developer_projects(developer_id, depth, fields)
        if not projects:
            return [], [], {}
        edges, ends = self.edges_with_ends([p.id for p in projects], types, "both", end_fields)
        return projects, edges, ends

    def developer_projects_with_city_task_forces(
            self, developer_id: str, depth: int, types: Sequence[str] | None, fields: Fields = None,
            end_fields: Fields = None, task_force_fields: Fields = None, most: int = 0, developer: bool = False,
    ) -> tuple[list[Node], list[Edge], dict[str, Node], dict[str, list[Node]] | None, Node | None]:
        """:meth:`developer_projects_with_edges` with ``parents``, and, where a backend reads them in the
        same statement, the projects' cities and those cities' task forces. A project's city is that of
        the place at the end of its first LOCATED_IN edge by id (no such edge: its own code), as
        :func:`~loupan.graph.model.city_code` gives it; the cities' Place nodes join the ends, and the
        fourth value maps each city's :func:`~loupan.graph.model.code_prefix` to the task forces whose
        code starts with it, in id order, read with ``task_force_fields``, if there are at most
        ``most`` (prefix, task force) pairs in all. None where they were not read (more than ``most``;
        here, always): the caller reads them, in parts if it likes. The fifth value, with ``developer``,
        is the node of ``developer_id``, whole (None: there is none, or it was not asked for): a caller
        that would read it first saves that statement where a backend reads it in this one; here it
        is read apart."""
        found = self.get_nodes([developer_id]).get(developer_id) if developer else None
        if developer and found is None:
            return [], [], {}, None, None
        return (*self.developer_projects_with_edges(developer_id, depth, types, fields, end_fields, parents=True),
                None, found)

    def get_edges(self, ids: Sequence[str]) -> dict[str, Edge]:
        if not ids:
            return {}
        return {r["id"]: Edge.from_record(r) for r in self.read(self.dialect.get_edges(list(dict.fromkeys(ids))))}

    def shortest_paths(self, source: str, target: str, max_hops: int = 4, limit: int = 10) -> list[list[Edge]]:
        """All shortest undirected paths between two nodes, as lists of edges in path order."""
        if source == target:
            return []
        rows = self.read(self.dialect.shortest_paths(source, target, max_hops, limit))
        paths_ids = [list(r["edges"]) for r in rows]
        edges = self.get_edges([e for p in paths_ids for e in p])
        return [[edges[e] for e in p if e in edges] for p in paths_ids]

    def node_pages(self, page: int = 5000) -> Iterator[list[Node]]:
        """Every node, a page at a time, in id order (keyset paging: each page costs the same)."""
        after = ""
        while True:
            batch = [Node.from_record(r) for r in self.read(self.dialect.nodes_after(after, page))]
            if batch:
                yield batch
            if len(batch) < page:
                return
            after = batch[-1].id

    def iter_nodes(self, page: int = 5000) -> Iterator[Node]:
        for batch in self.node_pages(page):
            yield from batch

    def iter_edges(self, page: int = 5000) -> Iterator[Edge]:
        after = ""
        while True:
            batch = [Edge.from_record(r) for r in self.read(self.dialect.all_edges(after, page))]
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1].id

    def name_rows(self, page: int = 20000) -> Iterator[dict[str, Any]]:
        """id, type, labels, name, aliases and code of every node: the search index's input."""
        after = ""
        while True:
            batch = self.read(self.dialect.name_rows(after, page))
            yield from batch
            if len(batch) < page:
                return
            after = batch[-1]["id"]

    def counts(self) -> tuple[int, int]:
        nodes, edges = (self.read(q) for q in self.dialect.count_all())
        return int(nodes[0]["c"]), int(edges[0]["c"])

    def generation(self) -> int:
        """A number that grows with every write: caches derived from the store compare it."""
        rows = self.read(self.dialect.generation())
        return int(rows[0]["value"]) if rows else 0

    # -- audit and judgements ----------------------------------------------------------------
    def record_changes(self, changes: Sequence[Change]) -> None:
        if changes:
            self._write_batch([self.dialect.record_changes([c.params() for c in changes])])

    def changes(self, target: str | None = None, skip: int = 0, limit: int = 100) -> list[Change]:
        return [Change.from_record(r) for r in self.read(self.dialect.changes(target, skip, limit))]

    def record_judgements(self, judgements: Sequence[Judgement]) -> None:
        if judgements:
            self._write_batch([self.dialect.record_judgements([j.params() for j in judgements])])

    def judgements(self, ids: Sequence[str] = ()) -> list[Judgement]:
        """Every judgement touching any of ``ids`` (all when empty), oldest first."""
        return [Judgement.from_record(r) for r in self.read(self.dialect.judgements(list(ids)))]
