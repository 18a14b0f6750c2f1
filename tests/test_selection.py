"""Reading only the node properties a GraphQL selection asks for (``loupan.api.types.node_fields``)
answers exactly as reading whole nodes does.

Every query runs twice over HTTP against the app on the bundled sample (each store): with the
projection off (every field unknown, so whole nodes are read) and on; the responses must be
byte-identical. The store's reads are recorded, so each query also shows whether the projection was
taken (more reads that name some node properties but not all)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from loupan.api import types
from loupan.api.app import create_app
from loupan.cli import sample_dir
from loupan.config import Settings
from loupan.graph.model import NODE_PROPERTIES, Edge, Node
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor

from .server import running

ENTITY = "id type labels name aliases code level date"


@pytest.fixture(scope="module")
def served(module_store: GraphStore) -> Iterator[tuple[str, GraphStore]]:
    summary = Ingestor(module_store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    assert summary.errors == []
    with running(create_app(Settings(), module_store)) as url:
        yield url, module_store


@pytest.fixture
def reads(served: tuple[str, GraphStore], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every read the store runs (as dicts, or as nodes from positional rows; blocking or
    awaited)."""
    store = served[1]
    seen: list[str] = []

    def recorded(original: Any) -> Any:
        def read(query: tuple[str, dict[str, Any]]) -> Any:
            seen.append(query[0])
            return original(query)
        return read

    def recorded_async(original: Any) -> Any:
        async def read(query: tuple[str, dict[str, Any]]) -> Any:
            seen.append(query[0])
            return await original(query)
        return read

    monkeypatch.setattr(store, "read", recorded(store.read))
    monkeypatch.setattr(store, "read_nodes", recorded(store.read_nodes))
    monkeypatch.setattr(store, "aread", recorded_async(store.aread))  # the reads awaited on the loop
    monkeypatch.setattr(store, "aread_nodes", recorded_async(store.aread_nodes))
    return seen


def projected(texts: list[str]) -> int:
    """How many node reads among ``texts`` returned some node properties but not all of them (the
    search index's pages of names, which never read the rest, aside)."""
    def node_read(t: str) -> bool:  # columns, a map, or a list (a row of node_columns)
        return ("n.id AS id" in t or "id: n.id" in t or "[n.id, " in t) and "n.id > $after" not in t

    def whole(t: str) -> bool:
        return all(f"n.{p} AS {p}" in t or f"{p}: n.{p}" in t or f"n.{p}," in t or f"n.{p}]" in t
                   for p in NODE_PROPERTIES)

    return sum(node_read(t) and not whole(t) for t in texts)


# (query, variables, whether some node read must be projected)
QUERIES: list[tuple[str, dict[str, Any], bool]] = [
    ('{ developer(name: "恒大") { projects { id name code } } }', {}, True),
    (f'{{ developer(name: "恒大") {{ projects {{ {ENTITY} __typename }} }} }}', {}, True),
    ('{ developer(name: "恒大") { projects { n: name name c: code } } }', {}, True),
    ('{ developer(name: "恒大") { projects { id attrs } } }', {}, True),  # attrs asked for: read
    # fields resolved from the node's id: place, sources, relations, neighbors
    ('{ developer(name: "恒大") { projects { name place { name code } sources(first: 2) { quote } } } }', {}, True),
    ('{ developer(name: "恒大") { projects { id relations(first: 3) { type source { name } target { id } } '
     'neighbors(first: 3) { name } } } }', {}, True),
    # fragments, inline fragments, the interface
    ("""{ developer(name: "恒大") { projects { ...F ... on Entity { level } ... on EntityInterface { date } } } }
        fragment F on Entity { id name ... on EntityInterface { aliases } }""", {}, True),
    # directives are not evaluated: the skipped field is read, the answer is the same
    ("""query($no: Boolean!) { developer(name: "恒大") { projects { id labels @include(if: $no) } } }""",
     {"no": False}, True),
    ('{ developer(name: "恒大") { taskForcesByCity { cityCode city { name code } projects { name } '
     'taskForces { via taskForce { id name } relations { type } } } } }', {}, True),
    ('{ developer(name: "恒大") { taskForcesByCity { city { id } projects { id } taskForces { via '
     'taskForce { id } } } } }', {}, True),
    (f'{{ developer(name: "恒大") {{ taskForcesByCity {{ city {{ {ENTITY} attrs }} projects {{ {ENTITY} attrs }} '
     f'taskForces {{ via taskForce {{ {ENTITY} attrs }} }} }} }} }}', {}, True),  # all but key
    ('query($id: ID!) { neighbors(id: $id) { truncated nodes { id name type } relations { id type '
     'source { id name } target { name } } } }', {"id": "Developer:恒大"}, True),
    ('query($id: ID!) { neighbors(id: $id, depth: 2) { nodes { name code } relations { type } } }',
     {"id": "Place:410100"}, True),
    ('query($id: ID!) { neighbors(id: $id, types: ["MENTIONS"]) { nodes { name } relations { type } } }',
     {"id": "Developer:恒大"}, True),
    ('query($id: ID!) { neighbors(id: $id) { nodes { id attrs } } }', {"id": "Developer:恒大"}, True),
    ('query($id: ID!) { neighbors(id: $id) { nodes { name } } }', {"id": "no such id"}, True),
]


@pytest.mark.parametrize(("query", "variables", "taken"), QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_projected_reads_answer_as_whole_nodes_do(served: tuple[str, GraphStore], reads: list[str],
                                                  monkeypatch: pytest.MonkeyPatch, query: str,
                                                  variables: dict[str, Any], taken: bool) -> None:
    with httpx.Client(base_url=served[0], timeout=60) as client:
        def post() -> bytes:
            response = client.post("/graphql", json={"query": query, "variables": variables})
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.text
            return response.content

        with monkeypatch.context() as off:
            off.setattr(types, "PROPERTY_FIELDS", frozenset())
            off.setattr(types, "ID_ONLY_FIELDS", frozenset())
            whole = post()
        internal = projected(reads)  # the flagship reads its projects' places for their codes alone
        reads.clear()
        assert post() == whole
    assert (projected(reads) > internal) == taken, reads


def test_neighbourhood_leaves_reports_out_unless_asked(served: tuple[str, GraphStore]) -> None:
    query = 'query($t: [String!]) { neighbors(id: "Developer:恒大", types: $t) { nodes { type } relations { type } } }'
    with httpx.Client(base_url=served[0], timeout=60) as client:
        plain = client.post("/graphql", json={"query": query, "variables": {"t": None}}).json()["data"]["neighbors"]
        mentions = client.post("/graphql", json={"query": query, "variables": {"t": ["MENTIONS"]}}).json()
    assert plain["relations"] and "MENTIONS" not in {r["type"] for r in plain["relations"]}
    assert "Report" not in {n["type"] for n in plain["nodes"]}
    hood = mentions["data"]["neighbors"]
    assert {r["type"] for r in hood["relations"]} == {"MENTIONS"}
    assert {n["type"] for n in hood["nodes"]} == {"Report", "Developer"}


def test_a_field_not_known_to_read_only_the_id_reads_whole_nodes(served: tuple[str, GraphStore], reads: list[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    query = '{ developer(name: "恒大") { projects { name place { name } } } }'
    with httpx.Client(base_url=served[0], timeout=60) as client:
        client.post("/graphql", json={"query": query})
        assert projected(reads)
        reads.clear()
        monkeypatch.setattr(types, "ID_ONLY_FIELDS", types.ID_ONLY_FIELDS - {"place"})  # as a new field would be
        client.post("/graphql", json={"query": query})
    assert reads and not projected(reads)


@pytest.mark.parametrize("field", ["subsidiaries", "neighbors(first: 30)"])
def test_subsidiaries_and_neighbors_read_their_nodes_together(served: tuple[str, GraphStore], reads: list[str],
                                                              field: str) -> None:
    query = f'{{ developer(name: "恒大") {{ {field} {{ id name }} }} }}'
    with httpx.Client(base_url=served[0], timeout=60) as client:
        data = client.post("/graphql", json={"query": query}).json()["data"]["developer"]
    assert len(next(iter(data.values()))) > 1
    by_id = [t for t in reads if "$ids" in t and ("n.id IN $ids" in t or "{id: i}" in t) and "e.id" not in t
             and "-[" not in t]
    assert len(by_id) == 2, by_id  # the developer found by name, then the list's nodes (not one read per node)


@pytest.mark.parametrize("cls", [types.Entity, types.Developer])
def test_entity_of_a_node_is_the_entity_its_constructor_makes(cls: type[types.EntityInterface]) -> None:
    node = Node("Developer:d", "Developer", "某地产", ["Developer"], ["某地产集团"], "d", "410100", "", "2022-07",
                attrs_text='{"url": "u"}')
    made, of = cls(node=node), cls.of(node)
    assert type(of) is cls and vars(of) == vars(made) == {"node": node}
    # every other field is the node's, read when asked; the store's empty strings are nulls
    assert {f.name: getattr(of, f.name) for f in dataclasses.fields(cls) if f.init and f.name != "node"} == {
        "id": "Developer:d", "type": "Developer", "labels": ["Developer"], "name": "某地产",
        "aliases": ["某地产集团"], "code": "410100", "level": None, "date": "2022-07"}
    with pytest.raises(AttributeError, match="read from it"):
        cls(node=node, name="另一个名字")  # type: ignore[call-arg]


def test_a_relation_reads_its_id_and_type_from_its_edge() -> None:
    edge = Edge("HANDLES|TaskForce:t|Project:p", "HANDLES", "TaskForce:t", "Project:p")
    relation = types.Relation(edge=edge)
    assert (relation.id, relation.type, vars(relation)) == (edge.id, "HANDLES", {"edge": edge})
    with pytest.raises(AttributeError, match="read from it"):
        types.Relation(edge=edge, type="OWNS")  # type: ignore[arg-type]
