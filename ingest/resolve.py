"""Entity resolution at write time: the seam between building rows and writing them.

``Resolver.resolve(rows)`` may rewrite node ids (an entity merged earlier, or matching an existing
one) and must rewrite edge endpoints to match. This first version only follows merges recorded in
the store as ``merge`` changes; blocking, scoring, judgements and the review queue build on it.
"""

from __future__ import annotations

from loupan.graph.store import GraphStore
from loupan.ingest.build import Rows


class Resolver:
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.redirects: dict[str, str] = {}
        for change in reversed(store.changes(limit=100000)):
            if change.action == "merge":
                into = str(change.payload.get("into", ""))
                for merged in change.payload.get("merged", []):
                    self.redirects[str(merged)] = into
            elif change.action == "split":
                for restored in change.payload.get("restored", []):
                    self.redirects.pop(str(restored), None)

    def canonical(self, node_id: str) -> str:
        seen = set()
        while node_id in self.redirects and node_id not in seen:
            seen.add(node_id)
            node_id = self.redirects[node_id]
        return node_id

    def resolve(self, rows: Rows) -> Rows:
        if not self.redirects:
            return rows
        for node in rows.nodes:
            node.id = self.canonical(node.id)
        for edge in rows.edges:
            edge.source, edge.target = self.canonical(edge.source), self.canonical(edge.target)
        rows.edges = [e for e in rows.edges if e.source != e.target]
        return rows
