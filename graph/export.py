"""Export every node and relationship as JSON lines, with properties and sources.

Node lines: ``{"kind": "node", id, type, labels, name, aliases, key, code, level, date, attrs,
"sources": [...], "records": [...]}`` — ``sources`` are the MENTIONS that name the node (report,
quote or field), ``records`` the structured-record references among them. Relationship lines:
``{"kind": "relationship", id, type, source, target, attrs, sources}``. MENTIONS edges are
exported too, so a line-by-line import rebuilds the same graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from loupan.graph.store import GraphStore

PAGE = 2000


def export_lines(store: GraphStore) -> Iterator[str]:
    for obj in export_objects(store):
        yield json.dumps(obj, ensure_ascii=False, sort_keys=True)


def export_objects(store: GraphStore) -> Iterator[dict[str, Any]]:
    for page in store.node_pages(PAGE):
        mentions: dict[str, list[dict[str, Any]]] = {}
        for edge in store.edges_of([n.id for n in page], ["MENTIONS"], "in"):
            mentions.setdefault(edge.target, []).extend(edge.to_json()["sources"])
        for node in page:
            sources = mentions.get(node.id, [])
            yield {"kind": "node", **node.to_json(), "sources": sources,
                   "records": sorted({s["record"] for s in sources if s.get("record")})}
    for edge in store.iter_edges(PAGE):
        yield {"kind": "relationship", **edge.to_json()}
