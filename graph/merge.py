"""Merge, split and aliases as graph operations, written through the store interface only.

A merge moves every edge of the merged nodes onto the surviving node (sources kept, so every fact
still names its report and record), unions aliases and labels, deletes the merged nodes, and records
a ``merge`` :class:`Change` whose payload is a snapshot: the merged nodes and their edges as they
were, the surviving node before, which sources moved onto which of its edges and which of its edges
the merge created. ``split`` reads that snapshot back and restores the merged nodes, their edges and
the surviving node; facts written onto the survivor after the merge stay with it. A split also
records a ``not_same`` judgement, so the resolver never merges the pair again on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loupan.errors import NotFound, ResolutionError
from loupan.graph.audit import Change, Judgement
from loupan.graph.model import Edge, EdgeRow, Node, NodeRow, Source
from loupan.graph.store import GraphStore

RESOLVER = "resolver"
MERGE_SCAN = 100000  # changes read to find the merge a merged-away id came from


def node_row(data: Node | dict[str, Any]) -> NodeRow:
    """A writable row from a node read back (or from its JSON snapshot)."""
    d = data.to_json() if isinstance(data, Node) else data
    return NodeRow(id=d["id"], type=d["type"], name=d.get("name") or "", labels=list(d.get("labels") or []),
                   aliases=list(d.get("aliases") or []), key=d.get("key") or "", code=d.get("code") or "",
                   level=d.get("level") or "", date=d.get("date") or "", attrs=dict(d.get("attrs") or {}))


def edge_row(data: Edge | dict[str, Any], source: str | None = None, target: str | None = None,
             sources: Sequence[Source] | None = None) -> EdgeRow:
    d = data.to_json() if isinstance(data, Edge) else data
    srcs = list(sources) if sources is not None else [
        Source(**{k: v for k, v in s.items() if k in Source.__slots__}) for s in d.get("sources") or []]
    return EdgeRow(d["type"], source or d["source"], target or d["target"], srcs, dict(d.get("attrs") or {}))


def merge(store: GraphStore, ids: Sequence[str], into: str, who: str, reason: str,
          *, score: float | None = None, features: dict[str, Any] | None = None) -> Change:
    """Merge ``ids`` into ``into``; returns the recorded change."""
    return merge_groups(store, [(ids, into)], who, reason, scores=[score], features=[features])[0]


def merge_groups(store: GraphStore, groups: Sequence[tuple[Sequence[str], str]], who: str,
                 reason: str | Sequence[str], *, scores: Sequence[float | None] | None = None,
                 features: Sequence[dict[str, Any] | None] | None = None) -> list[Change]:
    """Several merges in a fixed number of round trips (the resolver's batch path)."""
    reasons = [reason] * len(groups) if isinstance(reason, str) else list(reason)
    groups = [(list(dict.fromkeys(i for i in ids if i != into)), into) for ids, into in groups]
    groups = [(ids, into) for ids, into in groups if ids]
    if not groups:
        return []
    redirect: dict[str, str] = {}
    for ids, into in groups:
        for i in ids:
            if i in redirect:
                raise ResolutionError(f"{i} appears in two merges of one batch; merge it once")
            redirect[i] = into
    intos = {into for _, into in groups}
    if intos & set(redirect):
        raise ResolutionError("a node cannot be merged away and kept in the same batch; "
                              f"check {sorted(intos & set(redirect))}")
    nodes = store.get_nodes([*redirect, *intos])
    missing = [i for i in [*redirect, *intos] if i not in nodes]
    if missing:
        raise NotFound(f"cannot merge: no entity with id {', '.join(missing)}")
    for ids, into in groups:
        for i in ids:
            if nodes[i].type != nodes[into].type and nodes[i].type not in nodes[into].labels:
                raise ResolutionError(f"cannot merge {i} ({nodes[i].type}) into {into} ({nodes[into].type}): "
                                      "entities of different types are never the same")
    edges = store.edges_of([*redirect, *intos])
    before = {e.id: {s.encode() for s in e.sources} for e in edges}
    moved: dict[str, dict[str, list[str]]] = {into: {} for into in intos}
    created: dict[str, set[str]] = {into: set() for into in intos}
    snapshot_edges: dict[str, list[dict[str, Any]]] = {into: [] for into in intos}
    rows: list[EdgeRow] = []
    for edge in edges:
        touched = {redirect[x] for x in (edge.source, edge.target) if x in redirect}
        if not touched:
            continue
        for into in touched:
            snapshot_edges[into].append(edge.to_json())
        source, target = redirect.get(edge.source, edge.source), redirect.get(edge.target, edge.target)
        if source == target:
            continue  # an edge between merged nodes becomes a loop: dropped, kept in the snapshot
        row = EdgeRow(edge.type, source, target, list(edge.sources), dict(edge.attrs))
        rows.append(row)
        for into in touched:
            new = [s.encode() for s in edge.sources if s.encode() not in before.get(row.id, set())]
            moved[into].setdefault(row.id, []).extend(new)
            if row.id not in before:
                created[into].add(row.id)
    into_rows: list[NodeRow] = []
    for ids, into in groups:
        keep = node_row(nodes[into])
        names = [n for i in ids for n in (nodes[i].name, *nodes[i].aliases)]
        keep.aliases = list(dict.fromkeys([*keep.aliases, *(n for n in names if n and n != keep.name)]))
        keep.labels = sorted({*keep.labels, *(lab for i in ids for lab in nodes[i].labels)})
        merged_attrs: dict[str, Any] = {}
        for i in ids:
            merged_attrs.update(nodes[i].attrs)
        keep.attrs = {**merged_attrs, **keep.attrs}
        into_rows.append(keep)
    store.upsert(into_rows, rows)
    store.delete_nodes(list(redirect))
    changes: list[Change] = []
    judgements: list[Judgement] = []
    for n, (ids, into) in enumerate(groups):
        feats = (features[n] if features else None) or {}
        score = scores[n] if scores else None
        payload: dict[str, Any] = {
            "into": into, "merged": ids, "nodes": [nodes[i].to_json() for i in ids],
            "into_before": nodes[into].to_json(),
            "edges": list({e["id"]: e for e in snapshot_edges[into]}.values()),
            "moved": {k: sorted(set(v)) for k, v in moved[into].items() if v},
            "created": sorted(created[into]), "features": feats,
        }
        if score is not None:
            payload["score"] = score
        changes.append(Change("merge", [into, *ids], who, reasons[n], payload))
        judgements.extend(Judgement(i, into, "same", who, reasons[n], 100.0 if score is None else score, feats)
                          for i in ids)
    store.record_changes(changes)
    store.record_judgements(judgements)
    return changes


def find_merge(store: GraphStore, ref: str) -> Change:
    """The merge change ``ref`` names: its id, or the id of an entity it merged away (the latest)."""
    split_done = set()
    candidates = []
    for change in store.changes(limit=MERGE_SCAN):  # newest first
        if change.action == "split":
            split_done.add(str(change.payload.get("merge", "")))
        elif change.action == "merge":
            if change.id == ref:
                if change.id in split_done:
                    raise ResolutionError(f"merge {ref} was already split")
                return change
            if ref in change.payload.get("merged", []) and change.id not in split_done:
                candidates.append(change)
    if candidates:
        return candidates[0]
    raise NotFound(f"no merge to undo for {ref!r}: give the id of a merged-away entity or of a merge change "
                   "(see `changes` for an entity)")


def split(store: GraphStore, ref: str, who: str, reason: str) -> Change:
    """Undo the merge ``ref`` names (every entity it merged away comes back)."""
    change = find_merge(store, ref)
    p = change.payload
    into = str(p["into"])
    current = store.get_node(into)
    if current is None:
        raise ResolutionError(f"{into} no longer exists (merged again later?); split that later merge first")
    restored = [str(i) for i in p["merged"]]
    present = store.get_nodes(restored)
    if present:
        raise ResolutionError(f"cannot split: {', '.join(present)} exist again; merge or delete them first")
    before = p["into_before"]
    merged_names = {n for snap in p["nodes"] for n in (snap["name"], *snap.get("aliases", []))}
    row = node_row(current)
    added = merged_names - {before["name"], *before.get("aliases", [])}
    row.aliases = [a for a in current.aliases if a not in added]
    if row.name in added:
        row.aliases = [a for a in row.aliases if a != before["name"]]
        row.name = before["name"]
    row.labels = sorted(set(before.get("labels") or []) | (set(current.labels) - {
        lab for snap in p["nodes"] for lab in snap.get("labels", [])}))
    row.attrs = dict(before.get("attrs") or {})
    moved = {k: set(v) for k, v in p.get("moved", {}).items()}
    created = set(p.get("created", []))
    edge_rows: list[EdgeRow] = []
    for edge in store.edges_of([into]):
        keep = [s for s in edge.sources if s.encode() not in moved.get(edge.id, set())]
        if not keep and edge.id in created:
            continue
        edge_rows.append(EdgeRow(edge.type, edge.source, edge.target, keep, dict(edge.attrs)))
    edge_rows.extend(edge_row(e) for e in p.get("edges", []))
    store.delete_nodes([into])  # the only way to drop aliases the merge added; edges are rewritten below
    store.upsert([row, *(node_row(snap) for snap in p["nodes"])], edge_rows)
    undo = Change("split", [into, *restored], who, reason, {"merge": change.id, "into": into, "restored": restored})
    store.record_changes([undo])
    store.record_judgements([Judgement(i, into, "not_same", who, reason) for i in restored])
    return undo


def add_alias(store: GraphStore, node_id: str, alias: str, who: str, reason: str) -> Change:
    """Add a name an entity is also known by."""
    alias = alias.strip()
    if not alias:
        raise ResolutionError("an alias cannot be empty")
    node = store.get_node(node_id)
    if node is None:
        raise NotFound(f"no entity with id {node_id!r}")
    store.upsert([NodeRow(id=node.id, type=node.type, name=node.name, labels=list(node.labels),
                          aliases=[alias])])
    change = Change("add_alias", [node_id], who, reason, {"alias": alias})
    store.record_changes([change])
    return change


def judge(store: GraphStore, a: str, b: str, decision: str, who: str, reason: str,
          score: float = 0.0, features: dict[str, Any] | None = None) -> Judgement:
    """Record a decision about a pair; ``same`` also merges ``b`` into ``a`` when both exist."""
    if a == b:
        raise ResolutionError("a judgement needs two different entities")
    try:
        judgement = Judgement(a, b, decision, who, reason, score, features or {})
    except ValueError as e:
        raise ResolutionError(str(e)) from e
    if decision == "same":
        nodes = store.get_nodes([a, b])
        if len(nodes) == 2:
            merge(store, [b], a, who, reason, score=score, features=features)
            return judgement
    store.record_judgements([judgement])
    return judgement
