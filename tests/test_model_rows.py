"""Nodes and edges read back from a store decode their JSON columns only when those are read."""

from __future__ import annotations

import json

import orjson
import pytest

from loupan.graph.model import NO_ITEMS, Edge, Node, Source
from loupan.graph.store import nodes_of_columns, nodes_of_rows

NODE_RECORD = {"id": "Project:a", "type": "Project", "labels": ["Project"], "name": "甲", "aliases": ["A"],
               "key": "a", "code": "410102", "level": "", "date": None, "attrs": '{"units": 3}'}
SOURCE = Source(report="Report:1", quote="甲项目", start=0, end=3, by="rules")
EDGE_RECORD = {"id": "DEVELOPS|Developer:x|Project:a", "type": "DEVELOPS", "source": "Developer:x",
               "target": "Project:a", "attrs": '{"share": 0.5}', "sources": [SOURCE.encode()]}


def test_node_reads_attrs_only_when_asked() -> None:
    broken = Node.from_record({**NODE_RECORD, "attrs": "{not json"})
    assert (broken.id, broken.name, broken.code, broken.date) == ("Project:a", "甲", "410102", "")
    with pytest.raises(json.JSONDecodeError):
        _ = broken.attrs
    node = Node.from_record(NODE_RECORD)
    assert node.attrs == {"units": 3}
    assert node.attrs is node.attrs  # decoded once
    assert Node.from_record({**NODE_RECORD, "attrs": None}).attrs == {}


def test_node_equality_and_json_include_attrs() -> None:
    assert Node.from_record(NODE_RECORD) == Node.from_record(dict(NODE_RECORD))
    assert Node.from_record(NODE_RECORD) != Node.from_record({**NODE_RECORD, "attrs": '{"units": 4}'})
    assert Node.from_record(NODE_RECORD).to_json() == {
        "id": "Project:a", "type": "Project", "labels": ["Project"], "name": "甲", "aliases": ["A"], "key": "a",
        "code": "410102", "level": "", "date": "", "attrs": {"units": 3}}
    assert "attrs={'units': 3}" in repr(Node.from_record(NODE_RECORD))
    node = Node.from_record(NODE_RECORD)
    node.attrs = {"units": 5}
    assert node.attrs == {"units": 5}


def test_edge_reads_attrs_and_sources_only_when_asked() -> None:
    broken = Edge.from_record({**EDGE_RECORD, "attrs": "{", "sources": ["["]})
    assert (broken.type, broken.source, broken.target) == ("DEVELOPS", "Developer:x", "Project:a")
    with pytest.raises(json.JSONDecodeError):
        _ = broken.sources
    edge = Edge.from_record(EDGE_RECORD)
    assert edge.attrs == {"share": 0.5}
    assert edge.sources == [SOURCE]
    assert edge == Edge.from_record(dict(EDGE_RECORD))
    assert edge != Edge.from_record({**EDGE_RECORD, "sources": []})
    assert edge.to_json()["sources"] == [json.loads(SOURCE.encode())]


@pytest.mark.parametrize("columns", [
    tuple(NODE_RECORD),                                   # every property
    ("id", "type", "name", "code"),                       # a projected read
    ("edge", "id", "type", "name"),                       # a column that is not a property: skipped
    ("attrs", "type", "labels", "id"),                    # any order
    ("id", "type"),
])
def test_nodes_from_positional_rows_equal_nodes_from_records(columns: tuple[str, ...]) -> None:
    record = {**NODE_RECORD, "edge": "DEVELOPS|x|a"}
    bare = [record[c] if c in ("id", "type") else None for c in columns]  # nulls: every property empty
    made = Node.maker(columns)([[record[c] for c in columns], bare, bare])
    assert made[0] == Node.from_record({c: record[c] for c in columns})
    assert made[1] == Node.from_record({c: (record[c] if c in ("id", "type") else None) for c in columns})
    assert made[1].labels == [] and made[1].name == "" and made[1].attrs == {}
    for name in ("labels", "aliases"):
        one, other = getattr(made[1], name), getattr(made[2], name)
        if name in columns:  # a null read: each node its own list
            assert one is not other
            one.append("x")
            assert other == []
        else:  # not read: one shared empty list, which refuses changes instead of showing them in every node
            assert one is other is NO_ITEMS
            with pytest.raises(TypeError, match="assign a new list"):
                one.append("x")
            with pytest.raises(TypeError):
                one += ["x"]
            assert NO_ITEMS == [] and json.dumps({"l": NO_ITEMS}) == '{"l": []}' and orjson.dumps(NO_ITEMS) == b"[]"
    if "attrs" in columns:
        assert made[0].attrs == {"units": 3}
    assert Node.maker(columns)([]) == []


def test_node_rows_need_an_id_and_a_type() -> None:
    with pytest.raises(ValueError, match="id and type"):
        Node.maker(("id", "name"))


def test_nodes_from_columns_equal_nodes_from_rows() -> None:
    columns = ("id", "type", "name", "labels")
    rows = [["TaskForce:1", "TaskForce", "甲专班", None], ["TaskForce:2", "TaskForce", None, ["TaskForce"]]]
    values = [list(column) for column in zip(*rows, strict=True)]
    assert nodes_of_columns(columns, values) == nodes_of_rows(columns, rows)
    assert nodes_of_columns(columns, []) == nodes_of_columns(columns, [[], [], [], []]) == []
    with pytest.raises(ValueError):  # columns of different lengths are a broken statement, not fewer nodes
        nodes_of_columns(columns, [["TaskForce:1", "TaskForce:2"], ["TaskForce"], ["甲"], [None]])
