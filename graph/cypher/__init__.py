"""Cypher, one module per dialect. Each module exposes the same named builders; every value goes
in as a parameter. Labels and relationship types are identifiers, not values: where a dialect has to
write one into the text, it is first checked against the vocabulary in ``schema/model.json``."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from loupan.graph.model import NODE_PROPERTIES, node_labels, relationship_types

Query = tuple[str, dict[str, Any]]
# The node properties a read returns; None: all of them.
Fields = Collection[str] | None

# Cypher that both dialects read the same way; each dialect module re-exports it.
NODE_RETURN = ("n.id AS id, n.type AS type, n.labels AS labels, n.name AS name, n.aliases AS aliases, "
               "n.key AS key, n.code AS code, n.level AS level, n.date AS date, n.attrs AS attrs")


def node_columns(fields: Fields = None) -> list[str]:
    """The properties a node read returns: all, or ``id``, ``type`` and ``fields``, in
    ``NODE_PROPERTIES`` order."""
    if fields is None:
        return list(NODE_PROPERTIES)
    unknown = set(fields) - set(NODE_PROPERTIES)
    if unknown:
        raise ValueError(f"unknown node properties {sorted(unknown)}; known: {', '.join(NODE_PROPERTIES)}")
    return [p for p in NODE_PROPERTIES if p in ("id", "type") or p in fields]


def node_return(fields: Fields = None) -> str:
    """The columns of a node read (see :func:`node_columns`). Fewer columns are less for the server
    to send and for the client to decode: ``Neo4jStore.list_nodes`` of 4,000 nodes took 92 ms with
    all ten, 38 ms with id, type and name (``bench/bench_neo4j_read.py``)."""
    if fields is None:
        return NODE_RETURN
    return ", ".join(f"n.{p} AS {p}" for p in node_columns(fields))


def name_rows(after: str, limit: int) -> Query:
    """A page of names after the id ``after``: keyset paging, so every page costs the same."""
    return ("MATCH (n:Entity) WHERE n.id > $after RETURN n.id AS id, n.type AS type, n.labels AS labels, "
            "n.name AS name, n.aliases AS aliases, n.code AS code ORDER BY n.id LIMIT $limit",
            {"after": after, "limit": limit})


def nodes_after(after: str, limit: int) -> Query:
    return (f"MATCH (n:Entity) WHERE n.id > $after RETURN {NODE_RETURN} ORDER BY n.id LIMIT $limit",
            {"after": after, "limit": limit})

_IDENT = re.compile(r"^[A-Z][A-Za-z_]*$")


def checked_label(label: str) -> str:
    if label not in node_labels() or not _IDENT.match(label):
        raise ValueError(f"unknown node label {label!r}; known: {', '.join(node_labels())}")
    return label


def checked_type(rel_type: str) -> str:
    if rel_type not in relationship_types() or not _IDENT.match(rel_type):
        raise ValueError(f"unknown relationship type {rel_type!r}; known: {', '.join(relationship_types())}")
    return rel_type


def date_range(dates: tuple[str, str], where: list[str], params: dict[str, Any]) -> None:
    """Add ``n.date`` bounds (ISO dates or prefixes) to a node filter; an undated node never matches."""
    if dates[0]:  # 2022 ≤ 2022-07-15
        where.append("n.date <> '' AND n.date >= $date_from")
        params["date_from"] = dates[0]
    if dates[1]:  # "~" sorts after digits and "-", so 2022-07 includes 2022-07-31
        where.append("n.date <> '' AND n.date <= $date_to")
        params["date_to"] = dates[1] + "~"
