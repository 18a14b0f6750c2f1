"""Neo4j for the test suite (placeholder until the Neo4j backend lands: no server configured)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from loupan.graph.store import GraphStore


def neo4j_server_info() -> Iterator[dict[str, str] | None]:
    yield None


def new_neo4j_store(info: dict[str, Any], *, fresh: bool) -> GraphStore:
    raise NotImplementedError("the Neo4j backend is not written yet")
