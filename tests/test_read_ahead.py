"""A developer asked for with its ``taskForcesByCity`` is read in that answer's statement
(``loupan.api.types.read_with_groups``): the answers are those of reading it first, on both stores,
and on Neo4j the flagship is one statement; a request's context goes with its answer; and a name
resolves to the best hit whose node is still there, as the name index may be a generation behind."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest

from loupan.api import types
from loupan.api.context import Context
from loupan.api.schema import schema
from loupan.cli import sample_dir
from loupan.graph.queries import GroupFields
from loupan.graph.search import CachedIndex, NameIndex
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor

GROUPS = "taskForcesByCity { cityCode city { name code } projects { name } taskForces { via taskForce { name } } }"
QUERIES: list[tuple[str, dict[str, Any]]] = [
    (f"query($id: ID!) {{ developer(id: $id) {{ name {GROUPS} }} }}", {"id": "Developer:恒大"}),
    (f'{{ developer(name: "融创") {{ id aliases {GROUPS} }} }}', {}),
    # the argument filters what was read; two places name the field, with different properties
    ('{ developer(name: "恒大") { a: taskForcesByCity(onlyWithTaskForces: true) { projects { name } } '
     "b: taskForcesByCity { projects { code } city { id } taskForces { taskForce { id labels } } } } }", {}),
    # the same developer twice, each asking for other properties: the answer kept for one does not
    # hold what the other asks for, which reads its own
    ('{ x: developer(name: "恒大") { taskForcesByCity { projects { name } } } '
     'y: developer(name: "恒大") { taskForcesByCity { projects { code date } } } }', {}),
    # through a fragment, and through `node`, for a developer and for what is not one
    ("query($id: ID!) { node(id: $id) { id ... on Developer { ...G } } } "
     f"fragment G on Developer {{ {GROUPS} }}", {"id": "Developer:绿地"}),
    (f"query($id: ID!) {{ node(id: $id) {{ id name ... on Developer {{ {GROUPS} }} }} }}", {"id": "Place:410100"}),
    (f"query($id: ID!) {{ developer(id: $id) {{ name {GROUPS} }} }}", {"id": "Place:410100"}),
    (f"query($id: ID!) {{ developer(id: $id) {{ name {GROUPS} }} }}", {"id": "Developer:no such developer"}),
]


@pytest.fixture(scope="module")
def sample(module_store: GraphStore) -> GraphStore:
    summary = Ingestor(module_store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    assert summary.errors == []
    return module_store


def execute(store: GraphStore, query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The query's data and the store's round trips for it."""
    async def go() -> dict[str, Any]:
        result = await schema.execute(query, variable_values=variables,
                                      context_value=Context(store=store, index=CachedIndex(store)))
        assert not result.errors, result.errors
        return dict(result.data or {})

    asyncio.run(go())  # the name index built, the first time
    before = store.round_trips
    data = asyncio.run(go())
    return data, store.round_trips - before


@pytest.mark.parametrize(("query", "variables"), QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_reading_ahead_answers_as_reading_the_developer_first(sample: GraphStore, monkeypatch: pytest.MonkeyPatch,
                                                              query: str, variables: dict[str, Any]) -> None:
    # the embedded store reads the developer apart, so the API does not read ahead there; made to,
    # it answers alike all the same
    monkeypatch.setattr(sample, "developer_in_projects_read", True)
    ahead, trips = execute(sample, query, variables)
    with monkeypatch.context() as off:
        off.setattr(types, "selects", lambda info, name: False)
        first, trips_first = execute(sample, query, variables)
    assert ahead == first
    if sample.name == "neo4j":
        assert trips <= trips_first


def test_on_neo4j_the_flagship_is_one_statement(sample: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    query, variables = QUERIES[0]
    data, trips = execute(sample, query, variables)
    assert data["developer"]["name"] and data["developer"]["taskForcesByCity"]
    with monkeypatch.context() as off:
        off.setattr(types, "selects", lambda info, name: False)
        _, trips_first = execute(sample, query, variables)
    if sample.name == "neo4j":  # the developer, its projects, their places and cities, the cities' task forces
        assert (trips, trips_first) == (1, 2)
    else:  # the generic store would read the developer apart: the API reads it first, as before
        assert not sample.developer_in_projects_read and trips == trips_first


def test_an_answer_kept_serves_a_selection_only_if_it_holds_all_it_reads() -> None:
    some = GroupFields(projects={"name"}, cities={"name", "code"}, task_forces={"name"})
    assert GroupFields().covers(some) and GroupFields().covers(GroupFields())
    assert some.covers(GroupFields(projects={"name"}, cities={"code"}, task_forces=set()))
    assert not some.covers(GroupFields(projects={"name", "code"}, cities={"name"}, task_forces={"name"}))
    assert not some.covers(GroupFields(projects=None, cities={"name"}, task_forces={"name"}))
    assert not some.covers(GroupFields())


@pytest.mark.parametrize("query", [QUERIES[0][0], 'query($id: ID!) { developer(id: $id) { projects { id name } } }'])
def test_a_request_s_context_is_freed_as_its_answer_leaves(sample: GraphStore, monkeypatch: pytest.MonkeyPatch,
                                                           query: str) -> None:
    """Without the cyclic collector: the executor's reference cycle (``LeafFastPathExecutor.build_response``)
    and the loaders' (``Context``) are broken, so what a request read ahead or primed goes with it."""
    monkeypatch.setattr(sample, "developer_in_projects_read", True)
    monkeypatch.setattr(types, "PROPERTY_FIELDS", frozenset())  # whole nodes read, and primed

    async def go() -> tuple[weakref.ref[Context], dict[str, Any]]:
        context = Context(store=sample, index=CachedIndex(sample))
        result = await schema.execute(query, variable_values={"id": "Developer:恒大"}, context_value=context)
        assert not result.errors, result.errors
        assert context.groups_ahead or context.primed  # it held something worth freeing
        return weakref.ref(context), dict(result.data or {})

    gc.collect()
    gc.disable()
    try:
        freed, data = asyncio.run(go())
        assert data["developer"]
        assert freed() is None
    finally:
        gc.enable()


class _Behind:
    """A name index a generation behind its store: it still holds a developer merged away."""

    def __init__(self, index: NameIndex) -> None:
        self.index = index

    def get(self) -> NameIndex:
        return self.index


def test_a_developer_by_name_skips_hits_whose_node_is_gone(sample: GraphStore) -> None:
    rows = [{"id": "Developer:ghost", "type": "Developer", "name": "恒大"},
            {"id": "Developer:恒大", "type": "Developer", "name": "恒大"}]
    index = NameIndex(rows)
    assert [h.id for h in index.search("恒大", ["Developer"])] == ["Developer:ghost", "Developer:恒大"]

    async def go() -> dict[str, Any]:
        result = await schema.execute(f'{{ developer(name: "恒大") {{ id {GROUPS} }} }}',
                                      context_value=Context(store=sample, index=_Behind(index)))  # type: ignore[arg-type]
        assert not result.errors, result.errors
        return dict(result.data or {})

    found = asyncio.run(go())["developer"]
    assert found["id"] == "Developer:恒大" and found["taskForcesByCity"]


def test_adoptions_by_name_skip_hits_whose_node_is_gone(sample: GraphStore) -> None:
    real = CachedIndex(sample).get().search("一楼一策一专班", ["Policy"], 1)[0]
    rows = [{"id": "Policy:!ghost", "type": "Policy", "name": real.name},
            {"id": real.id, "type": "Policy", "name": real.name}]
    index = NameIndex(rows)
    assert [h.id for h in index.search("一楼一策一专班", ["Policy"])] == ["Policy:!ghost", real.id]

    async def go(context_index: Any) -> list[Any]:
        result = await schema.execute('{ adoptions(policy: "一楼一策一专班") { date adopter { id } } }',
                                      context_value=Context(store=sample, index=context_index))
        assert not result.errors, result.errors
        return list((result.data or {})["adoptions"])

    behind, current = asyncio.run(go(_Behind(index))), asyncio.run(go(CachedIndex(sample)))
    assert behind == current and current
