"""Neo4j for the test suite.

- ``LOUPAN_TEST_NEO4J_URI`` (with ``LOUPAN_TEST_NEO4J_USER``, ``_PASSWORD``, ``_DATABASE``): use that server;
- ``LOUPAN_TEST_NEO4J=start``: start one through ``scripts/neo4j_server.py`` for the session, stop it after;
- neither: no Neo4j (its tests skip), except in CI (``CI=true``), where that is an error.

Tests share one server: a fresh store deletes every node first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from loupan.graph.neo4j_store import Neo4jStore
from loupan.graph.store import DEFAULT_BATCH_SIZE

from .scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = ROOT / "scripts" / "neo4j_server.py"
CLEAR_BATCH = 10_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def load_server_script() -> ModuleType:
    """``scripts/neo4j_server.py`` as a module (scripts/ is not a package)."""
    return load_script(SERVER_SCRIPT, "loupan_neo4j_server")


def neo4j_server_info() -> Iterator[dict[str, Any] | None]:
    uri = os.environ.get("LOUPAN_TEST_NEO4J_URI")
    if uri:
        yield {
            "uri": uri,
            "user": os.environ.get("LOUPAN_TEST_NEO4J_USER", "neo4j"),
            "password": os.environ.get("LOUPAN_TEST_NEO4J_PASSWORD", ""),
            "database": os.environ.get("LOUPAN_TEST_NEO4J_DATABASE") or None,
        }
        return
    if os.environ.get("LOUPAN_TEST_NEO4J") == "start":
        try:
            server = load_server_script()
            info: dict[str, Any] = server.start()
        except Exception as e:
            raise RuntimeError(
                f"LOUPAN_TEST_NEO4J=start but no Neo4j server could be started with {SERVER_SCRIPT}: {e}"
            ) from e
        try:
            yield info
        finally:
            server.stop(info)
        return
    if _in_ci():
        raise RuntimeError(
            "CI runs the Neo4j tests and none is configured: set LOUPAN_TEST_NEO4J=start (the suite starts "
            "its own server) or LOUPAN_TEST_NEO4J_URI (+ _USER, _PASSWORD) for a running one"
        )
    yield None


def new_neo4j_store(info: dict[str, Any], *, fresh: bool = True, uri: str | None = None,
                    batch_size: int = DEFAULT_BATCH_SIZE) -> Neo4jStore:
    """A store on the test server with the schema applied; ``fresh``: with every node deleted first.
    ``uri`` overrides the server's (to reach it by another scheme)."""
    store = Neo4jStore(uri or info["uri"], info["user"], info["password"], info.get("database"),
                       batch_size=batch_size)
    try:
        if fresh:
            count = ("MATCH (n) RETURN count(n) AS c", {})
            while store.read(count)[0]["c"]:
                store._write_batch([("MATCH (n) WITH n LIMIT $batch DETACH DELETE n", {"batch": CLEAR_BATCH})])
        store.apply_schema()
    except BaseException:
        store.close()
        raise
    store.round_trips = 0
    return store
