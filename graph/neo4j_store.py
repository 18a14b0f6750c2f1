"""The production store: a Neo4j 5 server, a cluster or Aura, through the official driver.

``bolt://host:7687`` talks to one server; ``neo4j://host:7687`` (or ``neo4j+s://…`` for Aura) routes
reads to followers and writes to the leader, with no other change. Writes run as managed
transactions (retried on transient errors: leader switch, deadlock); reads and writes share the
driver's bookmark manager, so a read after a write sees it even on another cluster member.

Reads are single statements run as auto-commit transactions, retried here on the errors the driver
calls retryable: a managed transaction costs a second round trip for its COMMIT (a one-node read
against a local server, ``bench/bench_neo4j_read.py``: 6.7 ms managed, 4.4–4.6 ms auto-commit).

The reads awaited on an event loop (``GraphStore.aread``: the API's small, frequent ones) go, inside
``reads_on_loop`` (the app's life), through the driver's asyncio API, a driver for that loop (a
driver belongs to the loop it runs on), with the bookmarks of the blocking driver's manager, so they
too see every write made before them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import neo4j
from neo4j import exceptions as nex

from loupan.errors import ConfigError, StoreError, StoreUnavailable
from loupan.graph.cypher import Fields
from loupan.graph.cypher import neo4j as dialect
from loupan.graph.model import Edge, Node
from loupan.graph.store import (
    DEFAULT_BATCH_SIZE,
    Direction,
    GraphStore,
    Query,
    nodes_of_columns,
    nodes_of_rows,
)

T = TypeVar("T")

INDEX_WAIT_SECONDS = 300
READ_ATTEMPTS = 5
READ_RETRY_DELAY = 0.2  # seconds before the second attempt; doubled before each one after
SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
URI_HELP = ("use bolt://host:7687 for one server, neo4j://host:7687 for a cluster, "
            "neo4j+s://<id>.databases.neo4j.io for Aura")


def _public_uri(uri: str) -> str:
    """The URI without any credentials someone put into it."""
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def _pause(error: Exception, attempt: int, attempts: int, delay: float) -> float:
    """Seconds to wait before trying a failed read again; raises ``error`` when it should not be."""
    if attempt == attempts or not isinstance(error, (nex.Neo4jError, nex.DriverError)) or not error.is_retryable():
        raise error
    return float(delay * 2 ** (attempt - 1))


def retried(read: Callable[[], T], attempts: int = READ_ATTEMPTS, delay: float = READ_RETRY_DELAY) -> T:
    """``read()``, tried again (up to ``attempts`` in all, waiting ``delay`` seconds, then twice as
    long each time) while it fails with an error the driver calls retryable: a cluster member gone,
    a leader switch, a transient server error. Only for reads, which may run twice."""
    for attempt in range(1, attempts + 1):
        try:
            return read()
        except (nex.Neo4jError, nex.DriverError) as e:
            time.sleep(_pause(e, attempt, attempts, delay))
    raise AssertionError("unreachable")


async def aretried(read: Callable[[], Awaitable[T]], attempts: int = READ_ATTEMPTS,
                   delay: float = READ_RETRY_DELAY) -> T:
    """:func:`retried` for a read awaited on an event loop."""
    for attempt in range(1, attempts + 1):
        try:
            return await read()
        except (nex.Neo4jError, nex.DriverError) as e:
            await asyncio.sleep(_pause(e, attempt, attempts, delay))
    raise AssertionError("unreachable")


def _edges_with_ends_query(ids: Sequence[str], types: Sequence[str] | None, direction: Direction,
                           fields: Fields) -> Query:
    return dialect.edges_with_ends(list(dict.fromkeys(ids)), list(types or []), direction, fields)


def _dicts(records: list[neo4j.Record]) -> list[dict[str, Any]]:
    if len(records) == 1 and records[0].keys() == [dialect.ROWS]:
        return list(records[0][0])  # dialect.one_record: all rows in one record
    return [dict(r) for r in records]


def _table(records: list[neo4j.Record]) -> tuple[list[str], Sequence[Sequence[Any]]]:
    if len(records) == 1 and records[0].keys() == [dialect.VALUES, dialect.COLUMNS]:
        values, columns = records[0]  # dialect.rows_record: all rows in one record, a list per column
        return columns, list(zip(*values, strict=True))
    return (records[0].keys() if records else []), [r.values() for r in records]


class Neo4jStore(GraphStore):
    dialect = dialect
    name = "neo4j"
    concurrent_reads = True
    developer_in_projects_read = True

    def __init__(self, uri: str, user: str, password: str, database: str | None = None, *,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        super().__init__(batch_size)
        self.uri = _public_uri(uri)
        self.user = user
        self.database = database or None
        parts = urlsplit(uri)
        if parts.scheme not in SCHEMES:
            raise ConfigError(f"LOUPAN_NEO4J_URI {self.uri!r} is not a Bolt URI: {URI_HELP}")
        if parts.username is not None or parts.password is not None:
            raise ConfigError(f"LOUPAN_NEO4J_URI {self.uri!r} carries credentials: drop them from the URI "
                              "and set LOUPAN_NEO4J_USER and LOUPAN_NEO4J_PASSWORD")
        if parts.path not in ("", "/") or parts.fragment:
            raise ConfigError(f"LOUPAN_NEO4J_URI {self.uri!r} has a path; the database is chosen with "
                              f"LOUPAN_NEO4J_DATABASE: {URI_HELP}")
        # "no such label/property yet" on an empty database is expected, not worth a log line
        self._driver_config: dict[str, Any] = {
            "auth": (user, password),
            "notifications_disabled_classifications": [neo4j.NotificationDisabledClassification.UNRECOGNIZED]}
        self._async_drivers: dict[asyncio.AbstractEventLoop, neo4j.AsyncDriver] = {}
        try:
            self._driver = neo4j.GraphDatabase.driver(uri, **self._driver_config)
        except (ValueError, nex.ConfigurationError) as e:
            raise ConfigError(
                f"LOUPAN_NEO4J_URI {self.uri!r} is not a usable Neo4j URI ({e}): {URI_HELP}"
            ) from e
        self._bookmarks = self._driver.execute_query_bookmark_manager
        try:
            self._call(self._driver.verify_connectivity)
        except BaseException:
            self._driver.close()
            raise

    # -- error mapping -----------------------------------------------------------------------
    def _where(self) -> str:
        db = f", database {self.database!r}" if self.database else ""
        return f"Neo4j at {self.uri}{db}"

    def _call(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, turning driver errors into loupan errors that say where and what to do."""
        try:
            return fn()
        except (nex.Neo4jError, nex.DriverError) as e:
            raise self._translated(e) from e

    def _translated(self, e: nex.Neo4jError | nex.DriverError) -> StoreError:
        if isinstance(e, nex.AuthError):
            return StoreUnavailable(
                f"{self._where()} refused the credentials of user {self.user!r} ({e.message}); "
                "check LOUPAN_NEO4J_USER and LOUPAN_NEO4J_PASSWORD")
        if isinstance(e, nex.ServiceUnavailable):
            return StoreUnavailable(
                f"cannot reach {self._where()}: {e}. Check that the server is running and that "
                "LOUPAN_NEO4J_URI names it (bolt:// for one server, neo4j:// for a cluster or Aura)")
        if isinstance(e, (nex.SessionExpired, nex.TransientError)):
            return StoreUnavailable(f"{self._where()} stayed unavailable through the retries: {e}. Try again later")
        if isinstance(e, nex.Neo4jError):
            if e.code == "Neo.ClientError.Database.DatabaseNotFound":
                return StoreUnavailable(
                    f"{self._where()} has no such database: {e.message}. Create it, or fix or unset "
                    "LOUPAN_NEO4J_DATABASE (unset: the user's home database)")
            return StoreError(f"{self._where()} failed a query: {e.code}: {e.message}")
        return StoreError(f"the Neo4j driver failed talking to {self._where()}: {e}")

    # -- primitives --------------------------------------------------------------------------
    def _records(self, query: str, params: dict[str, Any]) -> list[neo4j.Record]:
        def run() -> list[neo4j.Record]:
            with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                      bookmark_manager=self._bookmarks) as session:
                return list(session.run(neo4j.Query(query), params))

        return self._call(lambda: retried(run))

    def _read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return _dicts(self._records(query, params))

    def _read_rows(self, query: str, params: dict[str, Any]) -> tuple[list[str], Sequence[Sequence[Any]]]:
        return _table(self._records(query, params))

    # -- reads awaited on an event loop ------------------------------------------------------
    @asynccontextmanager
    async def reads_on_loop(self) -> AsyncIterator[None]:
        """Within, the awaited reads go through an asyncio driver of this loop's own (closed on the
        way out); entered again on the same loop, the first one's serves."""
        loop = asyncio.get_running_loop()
        if loop in self._async_drivers:
            yield
            return
        driver = self._async_drivers[loop] = neo4j.AsyncGraphDatabase.driver(self.uri, **self._driver_config)
        try:
            yield
        finally:
            del self._async_drivers[loop]
            await driver.close()

    async def _arecords(self, query: str, params: dict[str, Any]) -> list[neo4j.Record]:
        driver = self._async_drivers.get(asyncio.get_running_loop())
        if driver is None:  # outside reads_on_loop
            return await asyncio.to_thread(self._records, query, params)

        async def run() -> list[neo4j.Record]:
            async with driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                      bookmarks=neo4j.Bookmarks.from_raw_values(self._bookmarks.get_bookmarks()),
                                      ) as session:
                result = await session.run(neo4j.Query(query), params)
                return [record async for record in result]

        try:
            return await aretried(run)
        except (nex.Neo4jError, nex.DriverError) as e:
            raise self._translated(e) from e

    async def _aread(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return _dicts(await self._arecords(query, params))

    async def _aread_rows(self, query: str, params: dict[str, Any]) -> tuple[list[str], Sequence[Sequence[Any]]]:
        return _table(await self._arecords(query, params))

    async def aedges_with_ends(self, ids: Sequence[str], types: Sequence[str] | None = None,
                               direction: Direction = "both", fields: Fields = None,
                               ) -> tuple[list[Edge], dict[str, Node]]:
        """:meth:`edges_with_ends` (one statement), awaited."""
        if not ids:
            return [], {}
        (row,) = await self.aread(_edges_with_ends_query(ids, types, direction, fields))
        return self._edges_and_ends(row)

    def edges_with_ends(self, ids: Sequence[str], types: Sequence[str] | None = None, direction: Direction = "both",
                        fields: Fields = None) -> tuple[list[Edge], dict[str, Node]]:
        """One statement: a round trip to the server is a good part of a small read's time."""
        if not ids:
            return [], {}
        (row,) = self.read(_edges_with_ends_query(ids, types, direction, fields))
        return self._edges_and_ends(row)

    def developer_projects_with_edges(self, developer_id: str, depth: int, types: Sequence[str] | None,
                                      fields: Fields = None, end_fields: Fields = None, parents: bool = False,
                                      ) -> tuple[list[Node], list[Edge], dict[str, Node]]:
        """One statement: the projects, their edges, the nodes at their ends, and the ends' parent
        places if asked. Each statement costs this process CPU of its own (about a quarter of a
        millisecond for the smallest, ``RETURN 1``) besides the server's, whatever it reads."""
        return self._projects_record(self._developer_row(developer_id, depth, types, fields, end_fields, parents))

    def developer_projects_with_city_task_forces(
            self, developer_id: str, depth: int, types: Sequence[str] | None, fields: Fields = None,
            end_fields: Fields = None, task_force_fields: Fields = None, most: int = 0, developer: bool = False,
    ) -> tuple[list[Node], list[Edge], dict[str, Node], dict[str, list[Node]] | None, Node | None]:
        """One statement, the developer's node included if asked (what that saves: a statement; what
        reading the cities' task forces in it saves: ``queries.TASK_FORCES_AT_ONCE``). Past ``most``
        the statement has counted the pairs on the code index only, and read none of the task forces."""
        row = self._developer_row(developer_id, depth, types, fields, end_fields, True, (task_force_fields, most),
                                  developer)
        projects, edges, nodes = self._projects_record(row)
        found = nodes_of_rows(row["developer_columns"], row["developer"]) if developer else []
        developer_node = found[0] if found else None
        if row["found"] > most:
            return projects, edges, nodes, None, developer_node
        columns = row["tf_columns"]
        in_prefix = {prefix: nodes_of_columns(columns, values) for prefix, *values in row["tfs"]}
        return projects, edges, nodes, in_prefix, developer_node

    def _developer_row(self, developer_id: str, depth: int, types: Sequence[str] | None, fields: Fields,
                       end_fields: Fields, parents: bool,
                       city_task_forces: tuple[Fields, int] | None = None, developer: bool = False) -> dict[str, Any]:
        """The one record of ``dialect.developer_projects_with_edges``."""
        if depth < 0:
            raise ValueError(f"depth must be at least 0, got {depth!r}")
        query = dialect.developer_projects_with_edges(developer_id, depth, list(types or []), fields, end_fields,
                                                      parents, city_task_forces, developer)
        (row,) = self.read(query)
        return row

    @classmethod
    def _projects_record(cls, row: dict[str, Any]) -> tuple[list[Node], list[Edge], dict[str, Node]]:
        projects: dict[str, Node] = {}
        for node in nodes_of_rows(row["columns"], row["projects"]):
            projects.setdefault(node.id, node)
        return list(projects.values()), *cls._edges_and_ends(row)

    @staticmethod
    def _edges_and_ends(row: dict[str, Any]) -> tuple[list[Edge], dict[str, Node]]:
        """A record's ``edges`` (rows of ``dialect.EDGE_COLUMNS``) in id order (as ``edges_of`` orders
        them) and its ``nodes`` (rows of ``node_columns``) by id, each once (a node at the start of one
        edge and the end of another comes twice)."""
        nodes: dict[str, Node] = {}
        for node in nodes_of_rows(row["node_columns"], row["nodes"]):
            nodes.setdefault(node.id, node)
        edges = [Edge(id_, type_, source, target, attrs_text=attrs, sources_text=sources)
                 for id_, type_, source, target, attrs, sources in row["edges"]]  # dialect.EDGE_COLUMNS
        return sorted(edges, key=lambda e: e.id), nodes

    def _write_batch(self, queries: Sequence[Query]) -> None:
        self.round_trips += len(queries)

        def work(tx: neo4j.ManagedTransaction) -> None:
            for text, params in queries:
                tx.run(text, params).consume()

        def run() -> None:
            with self._driver.session(database=self.database, bookmark_manager=self._bookmarks) as session:
                session.execute_write(work)

        self._call(run)

    def explain(self, query: Query) -> dict[str, Any]:
        """The plan Neo4j would run for ``query``, without running it (to check index use)."""
        text, params = query

        def run() -> dict[str, Any]:
            _, summary, _ = self._driver.execute_query(
                neo4j.Query("EXPLAIN " + text), params, routing_=neo4j.RoutingControl.READ,
                database_=self.database,
            )
            return dict(summary.plan or {})

        self.round_trips += 1
        return self._call(run)

    def apply_schema(self) -> None:
        """Create the constraints and indexes that are missing, then wait until all are online (the
        planner only uses online indexes). When everything is in place this is two reads."""
        indexes, constraints = (self.read(q) for q in dialect.schema_state())
        existing = {r["name"] for r in indexes} | {r["name"] for r in constraints}
        missing = [s for s in dialect.schema() if dialect.schema_name(s) not in existing]
        for statement in missing:
            self._write_batch([(statement, {})])
        if missing or any(r["state"] != "ONLINE" for r in indexes):
            self._write_batch([dialect.await_indexes(INDEX_WAIT_SECONDS)])

    def close(self) -> None:
        self._driver.close()
