"""Copy one store into another (the embedded store into Neo4j, say), streaming in batches.

Nodes go first, then edges (an edge needs both ends), then the audit trail and the judgements. The
target's merge rules apply, so copying into a non-empty store merges, and copying twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from loupan.graph.model import Edge, EdgeRow, Node, NodeRow
from loupan.graph.store import GraphStore

T = TypeVar("T")

BATCHES_PER_UPSERT = 10  # rows handed to one upsert call, in units of the target's batch size


def _chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def node_row(node: Node) -> NodeRow:
    return NodeRow(id=node.id, type=node.type, name=node.name, labels=list(node.labels),
                   aliases=list(node.aliases), key=node.key, code=node.code, level=node.level,
                   date=node.date, attrs=dict(node.attrs))


def edge_row(edge: Edge) -> EdgeRow:
    return EdgeRow(type=edge.type, source=edge.source, target=edge.target, sources=list(edge.sources),
                   attrs=dict(edge.attrs))


def copy_store(src: GraphStore, dst: GraphStore, *,
               progress: Callable[[str, int], None] | None = None) -> tuple[int, int]:
    """Copy every node, edge, change and judgement of ``src`` into ``dst``; return (nodes, edges) copied.

    ``progress(kind, count)`` is called after each batch with the running count of that kind.
    """
    size = dst.batch_size * BATCHES_PER_UPSERT
    nodes = edges = 0
    for node_chunk in _chunked(src.iter_nodes(), size):
        dst.upsert(nodes=[node_row(n) for n in node_chunk])
        nodes += len(node_chunk)
        if progress:
            progress("nodes", nodes)
    for edge_chunk in _chunked(src.iter_edges(), size):
        dst.upsert(edges=[edge_row(e) for e in edge_chunk])
        edges += len(edge_chunk)
        if progress:
            progress("edges", edges)
    skip = 0
    while page := src.changes(skip=skip, limit=size):
        dst.record_changes(page)
        skip += len(page)
    for judgement_chunk in _chunked(src.judgements(), size):
        dst.record_judgements(judgement_chunk)
    return nodes, edges
