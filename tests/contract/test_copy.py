"""Copying a store into another (embedded → each backend) keeps every node, edge, change and judgement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loupan.graph.audit import Change, Judgement
from loupan.graph.copy import copy_store
from loupan.graph.ladybug_store import LadybugStore
from loupan.graph.model import EdgeRow, NodeRow
from loupan.graph.store import GraphStore

from .test_store_contract import sample_rows


@pytest.fixture
def source(tmp_path: Path) -> Iterator[LadybugStore]:
    src = LadybugStore(tmp_path / "source")
    nodes, edges = sample_rows()
    # more rows than one batch, so the copy really streams
    nodes += [NodeRow(f"Project:{i}", "Project", f"项目{i}", code="410102") for i in range(23)]
    edges += [EdgeRow("LOCATED_IN", f"Project:{i}", "Place:410102") for i in range(23)]
    src.upsert(nodes, edges)
    src.record_changes([Change("add_alias", ["Developer:恒大"], "editor:alice", "常用简称", {"alias": "恒大"})])
    src.record_judgements([Judgement("Developer:b", "Developer:a", "not_same", "editor:alice", "不同公司", 71.5)])
    yield src
    src.close()


def snapshot(store: GraphStore) -> dict[str, Any]:
    return {
        "counts": store.counts(),
        "nodes": {n.id: n.to_json() for n in store.iter_nodes()},
        "edges": {e.id: e.to_json() for e in store.iter_edges()},
        "changes": sorted((c.id, c.action, c.at, tuple(c.targets)) for c in store.changes(limit=1000)),
        "judgements": sorted((j.id, j.a, j.b, j.decision, j.score) for j in store.judgements()),
    }


def _normalized(snap: dict[str, Any]) -> dict[str, Any]:
    """Label and alias order is not part of the contract."""
    nodes = {k: {**v, "labels": sorted(v["labels"]), "aliases": sorted(v["aliases"])} for k, v in snap["nodes"].items()}
    return {**snap, "nodes": nodes}


def test_copy_keeps_everything_and_is_idempotent(source: LadybugStore, store: GraphStore) -> None:
    store.batch_size = 2
    seen: list[tuple[str, int]] = []
    assert copy_store(source, store, progress=lambda kind, n: seen.append((kind, n))) == (31, 30)
    assert seen[-1] == ("edges", 30) and ("nodes", 31) in seen and len(seen) > 2
    expected = _normalized(snapshot(source))
    assert _normalized(snapshot(store)) == expected
    assert copy_store(source, store) == (31, 30)
    assert _normalized(snapshot(store)) == expected
