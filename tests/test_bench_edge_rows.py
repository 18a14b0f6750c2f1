"""bench/edge_rows.py writes the dialect's edge rows and node rows back as the map literals they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from loupan.graph.cypher import neo4j as dialect

from .scripts import load_script

script = load_script(Path(__file__).resolve().parent.parent / "bench" / "edge_rows.py")


def test_rows_become_maps_again() -> None:
    text, _ = dialect.edges_with_ends(["a"], ["HANDLES"], "both", {"name"})
    maps = script.as_maps(text)
    assert "collect({id: id, type: type, source: source, target: target, attrs: attrs, sources: sources})" in maps
    assert "[n IN ends | {id: n.id, type: n.type, name: n.name}] AS nodes" in maps
    assert "[n.id" not in maps
    text, _ = dialect.developer_projects_with_edges("d", 4, ["LOCATED_IN"], {"name"}, {"name", "code"}, True)
    maps = script.as_maps(text)
    assert "[n IN ends + ups | {id: n.id, type: n.type, name: n.name, code: n.code}] AS nodes" in maps
    assert "[e.id, n.id, n.type, n.name]" in maps  # the projects' rows stay rows
    with pytest.raises(ValueError):
        script.as_maps("RETURN 1")
