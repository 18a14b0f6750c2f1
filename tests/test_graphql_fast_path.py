"""The leaf fast path of ``loupan.api.execution`` answers exactly as graphql-core does without it.

Every query runs twice, fast path on and off, and the two responses must be byte-identical (data,
errors, key order): over HTTP against the app on the bundled sample (each store), and in-process
against a small schema built to break things (nulls in non-null fields, values a leaf type refuses,
exceptions, awaitables, permission classes, field extensions, unions, enums, nested lists)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from enum import Enum
from typing import Annotated, Any

import httpx
import pytest
import strawberry
from graphql.pyutils import Undefined
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.permission import BasePermission

from loupan.api import execution
from loupan.api.app import create_app
from loupan.api.execution import LeafFastPathExecutor, decided_by_class
from loupan.cli import sample_dir
from loupan.config import Settings
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor

from .server import running


@pytest.fixture
def fast_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the objects the fast path completed (so a test can tell it was taken): every
    completion compiled while it is in force counts its calls."""
    calls: list[int] = []
    original = execution.compile_plan.__wrapped__

    def compiling(*args: Any) -> Any:
        complete = original(*args)

        def counting(source: Any, info: Any) -> Any:
            result = complete(source, info)
            calls.append(1)
            return result
        return counting

    monkeypatch.setattr(execution, "compile_plan", compiling)
    return calls


def both_ways(monkeypatch: pytest.MonkeyPatch, fast_calls: list[int], run: Any) -> tuple[Any, int]:
    """``run()`` with the fast path off, then on; asserts equal results and returns them with the
    number of objects the fast path completed."""
    monkeypatch.setattr(execution, "FAST_PATH", False)
    slow = run()
    assert not fast_calls
    monkeypatch.setattr(execution, "FAST_PATH", True)
    fast = run()
    assert fast == slow
    taken = len(fast_calls)
    fast_calls.clear()
    return fast, taken


# -- the app over the sample, through HTTP --------------------------------------------------------

@pytest.fixture(scope="module")
def base(module_store: GraphStore) -> Iterator[str]:
    summary = Ingestor(module_store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    assert summary.errors == []
    with running(create_app(Settings(), module_store)) as url:
        yield url


ENTITY_FIELDS = "id type labels name aliases code level date"

# (query, variables, whether the fast path must complete some objects; None: either)
APP_QUERIES: list[tuple[str, dict[str, Any], bool | None]] = [
    ('{ developer(name: "恒大") { id name projects { id name code } } }', {}, True),
    (f'{{ developer(name: "恒大") {{ {ENTITY_FIELDS} projects {{ {ENTITY_FIELDS} __typename }} }} }}', {}, True),
    # aliases, a field selected twice (also under an alias), __typename first
    ('{ developer(name: "恒大") { projects { __typename pid: id id name n: name id code c2: code } } }', {}, True),
    # fragments and inline fragments on the interface and on the object types
    ("""query($id: ID!) { node(id: $id) { __typename ...I ... on Developer { projects { ...I ...E } }
         ... on Entity { level } } }
        fragment I on EntityInterface { id name aliases }
        fragment E on Entity { code ... on EntityInterface { labels } }""", {"id": "Developer:恒大"}, True),
    ("""query($id: ID!) { node(id: $id) { ... on Entity { id type } ... on Developer { name } } }""",
     {"id": "Place:410100"}, True),
    # @skip / @include with variables, on fields, fragments and inline fragments
    ("""query($yes: Boolean!, $no: Boolean!) { developer(name: "恒大") { projects {
          id name @include(if: $yes) code @skip(if: $yes) level @include(if: $no) date @skip(if: $no)
          ... @include(if: $no) { labels } ...F @skip(if: $no) } } }
        fragment F on Entity { aliases }""", {"yes": True, "no": False}, True),
    ("""query($yes: Boolean!) { developer(name: "恒大") { projects { id place @include(if: $yes) { name } } } }""",
     {"yes": False}, True),
    # nested objects: the list goes the normal way, the leaf-only objects inside it the fast way
    ('{ developer(name: "恒大") { projects { id name place { id name code level } } } }', {}, True),
    ('{ search(query: "郑州", first: 5) { score matched entity { id type labels code level date } } }', {}, True),
    ("""{ entities(types: ["Project"], first: 5) { totalCount edges { cursor node { id name date aliases } }
          pageInfo { hasNextPage endCursor } } }""", {}, True),
    ("""query($id: ID!) { neighbors(id: $id) { truncated nodes { id name type } relations { id type
          source { id } target { id name } } } }""", {"id": "Developer:恒大"}, True),
    # relations asking only for id and type: plain fields read from the edge
    ("""query($id: ID!) { neighbors(id: $id) { relations { id type } } }""", {"id": "Developer:恒大"}, True),
    ('{ developer(name: "恒大") { taskForcesByCity { cityCode city { name code } projects { name } '
     "taskForces { via taskForce { id name } relations { type sources { quote field record "
     "report { id title url outlet publishedAt kind } } } } } } }", {}, True),
    ('{ stats { nodes relations } typeCounts { type count } }', {}, True),
    ('{ candidates(first: 5) { score judgementId features a { id name } b { id name } } }', {}, True),
    ('{ entity(id: "no such id") { id name } }', {}, False),
    # errors: a bad argument (null propagation into the parent), a missing argument, two top-level fields
    ('{ entities(first: 1000) { totalCount edges { node { id } } } }', {}, False),
    ('{ developer { id name } stats { nodes } }', {}, True),
    # (the error nulls the whole response; whether the other field's objects were completed is timing)
    ('{ developer(name: "恒大") { id projects { id } subsidiaries { id name } } entities(after: "bad") { totalCount } }',
     {}, None),
    # validation still runs: unknown field, depth limit
    ('{ developer(name: "恒大") { projects { id nope } } }', {}, False),
    ("{ developer(name: \"恒大\") { projects { place { place { place { place { place { place { place { place "
     "{ place { place { place { id } } } } } } } } } } } } } }", {}, False),
]


@pytest.mark.parametrize(("query", "variables", "fast"), APP_QUERIES, ids=[f"app{i}" for i in range(len(APP_QUERIES))])
def test_app_responses_are_identical(base: str, monkeypatch: pytest.MonkeyPatch, fast_calls: list[int],
                                     query: str, variables: dict[str, Any], fast: bool | None) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        def post() -> tuple[int, bytes]:
            response = client.post("/graphql", json={"query": query, "variables": variables})
            return response.status_code, response.content

        (status, body), taken = both_ways(monkeypatch, fast_calls, post)
    assert status == 200 or not fast, body
    assert fast is None or (taken > 0) == fast, (taken, body[:300])


def test_the_big_list_takes_the_fast_path_for_every_item(base: str, monkeypatch: pytest.MonkeyPatch,
                                                         fast_calls: list[int]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        def post() -> bytes:
            return client.post("/graphql", json={"query": '{ developer(name: "恒大") { projects { id name code } } }'}).content

        body, taken = both_ways(monkeypatch, fast_calls, post)
    projects = json.loads(body)["data"]["developer"]["projects"]
    assert len(projects) > 50 and taken == len(projects)


# -- a schema made to break things, in-process ----------------------------------------------------

@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"


class Deny(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.interface
class Thing:
    id: strawberry.ID


@strawberry.type
class Item(Thing):
    name: str
    note: str | None = None
    colour: Colour = Colour.RED
    colours: list[Colour] = strawberry.field(default_factory=list)
    tags: list[str] = strawberry.field(default_factory=list)
    maybe_tags: list[str | None] | None = None
    grid: list[list[int]] = strawberry.field(default_factory=list)
    score: float = 0.5
    count: int = 1
    flag: bool = True
    secret: str = strawberry.field(default="s", permission_classes=[Deny])
    loud: str = strawberry.field(default="quiet", extensions=[Shout()])
    child: Item | None = None
    kids: list[Item] = strawberry.field(default_factory=list)
    pal: Thing | None = None  # an interface: resolved per value, never planned

    @strawberry.field
    def upper(self) -> str:
        return self.name.upper()


@strawberry.type
class Plain:  # no interface, so no is_type_of
    label: str
    size: int | None = None


IS_TYPE_OF_ASKED: list[str] = []  # the classes Counted.is_type_of was asked about, in order


@strawberry.type
class Counted(Thing):  # an is_type_of its class decides: the fast path asks it once per class
    name: str
    child: Counted | None = None

    @classmethod
    @decided_by_class
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        IS_TYPE_OF_ASKED.append(type(obj).__name__)
        return isinstance(obj, Counted)


class CountedToo(Counted):
    pass


class Exploding(Item):
    def __getattribute__(self, name: str) -> Any:
        if name == "note":
            raise RuntimeError("note exploded")
        return super().__getattribute__(name)


async def later(value: Any) -> Any:
    return value


def good(i: int) -> Item:
    return Item(id=strawberry.ID(f"i{i}"), name=f"item {i}", note=None if i % 2 else f"note {i}",
                colour=Colour.GREEN if i % 3 else Colour.RED, colours=[Colour.RED, Colour.GREEN], tags=["a", "b"],
                maybe_tags=[None, "x"] if i % 2 else None, grid=[[i, i + 1], []], score=i / 3, count=i, flag=i % 2 == 0,
                child=Item(id=strawberry.ID(f"c{i}"), name=f"child {i}") if i == 1 else None,
                kids=[Item(id=strawberry.ID(f"k{i}.{j}"), name=f"kid {j}", kids=[]) for j in range(i % 3)],
                pal=Item(id=strawberry.ID(f"p{i}"), name=f"pal {i}") if i == 1 else None)


BAD_VALUES: dict[str, tuple[str, Any]] = {  # kind: (attribute, value), a value made fresh for each query
    "null_name": ("name", lambda: None), "bad_enum": ("colour", lambda: "purple"),
    "bad_int": ("count", lambda: "many"), "null_tag": ("tags", lambda: ["a", None]),
    "tags_not_list": ("tags", lambda: "abc"), "bad_float": ("score", lambda: "nan?"),
    "awaitable_note": ("note", lambda: later("awaited")), "awaitable_tags": ("tags", lambda: [later("t")]),
    "exception": ("note", lambda: ValueError("stored error")), "null_grid_row": ("grid", lambda: [[1], None]),
    "tags_generator": ("tags", lambda: (t for t in "xy")), "int_as_name": ("name", lambda: 12),
    "undefined_note": ("note", lambda: Undefined), "undefined_name": ("name", lambda: Undefined),
    "undefined_tag": ("tags", lambda: ["a", Undefined]), "undefined_in_maybe_tags": ("maybe_tags", lambda: [Undefined]),
}


NESTED_BAD: dict[str, Any] = {  # kind: a value for ``kids`` (a non-null list of non-null Items)
    "null_kid": lambda: [Item(id=strawberry.ID("k"), name="k"), None],
    "kid_with_null_name": lambda: [Item(id=strawberry.ID("k"), name=None)],  # type: ignore[arg-type]
    "plain_as_kid": lambda: [Plain(label="p")],
    "kids_generator": lambda: (k for k in [Item(id=strawberry.ID("k"), name="k")]),
    "kids_null": lambda: None,
    "awaitable_kid": lambda: [later(Item(id=strawberry.ID("k"), name="k"))],
}


def bad(kind: str) -> Any:
    if kind in NESTED_BAD:
        item = good(7)
        item.kids = NESTED_BAD[kind]()
        return item
    if kind == "exploding":
        return Exploding(id=strawberry.ID("x"), name="boom")
    item = good(7)
    attr, make = BAD_VALUES[kind]
    setattr(item, attr, make())
    return item


BAD = [*BAD_VALUES, "exploding"]

Either = Annotated[Item | Plain, strawberry.union("Either")]


@strawberry.type
class Query:
    @strawberry.field
    def items(self, n: int = 4) -> list[Item]:
        return [good(i) for i in range(n)]

    @strawberry.field
    def maybe_items(self) -> list[Item | None] | None:
        return [good(0), None, good(1)]

    @strawberry.field
    def items_with(self, bad_kind: str) -> list[Item]:
        return [good(0), bad(bad_kind), good(2)]

    @strawberry.field
    def nullable_items_with(self, bad_kind: str) -> list[Item | None]:
        return [good(0), bad(bad_kind), good(2)]

    @strawberry.field
    def one_with(self, bad_kind: str) -> Item | None:
        return bad(bad_kind)  # type: ignore[no-any-return]

    @strawberry.field
    def plains(self) -> list[Plain]:
        return [Plain(label="p", size=None), Plain(label="q", size=3)]

    @strawberry.field
    def mixed(self) -> list[Either]:
        return [good(0), Plain(label="p"), good(1)]

    @strawberry.field
    def things(self) -> list[Thing]:
        return [good(0), good(1)]

    @strawberry.field
    async def later_items(self) -> list[Item]:
        return [good(0), good(1)]

    @strawberry.field
    def counted(self, n: int = 3, stranger: bool = False) -> list[Counted]:
        out = [Counted(id=strawberry.ID(f"c{i}"), name=f"counted {i}",
                       child=CountedToo(id=strawberry.ID(f"t{i}"), name=f"too {i}")) for i in range(n)]
        return [*out, good(9)] if stranger else out  # type: ignore[list-item]  # an Item where a Counted goes

    @strawberry.field
    def one_counted(self, stranger: bool = False) -> Counted:
        return good(9) if stranger else CountedToo(id=strawberry.ID("t"), name="too")  # type: ignore[return-value]

    @strawberry.field
    def generated(self) -> list[Item]:
        return (good(i) for i in range(2))  # type: ignore[return-value]


test_schema = strawberry.Schema(query=Query, types=[Item, Plain, Counted], execution_context_class=LeafFastPathExecutor)

LEAVES = "id name note colour colours tags maybeTags grid score count flag"

SCHEMA_QUERIES: list[tuple[str, dict[str, Any], bool]] = [
    (f"{{ items {{ {LEAVES} __typename }} }}", {}, True),
    (f"{{ maybeItems {{ {LEAVES} }} }}", {}, True),
    ("{ items { a: id b: id id name x: name } }", {}, True),
    ("{ items { id child { id name } } }", {}, True),  # the list the normal way, the child the fast way
    # objects and lists of objects in plain attributes are planned too, to any depth
    ("{ items { id child { id name child { id } } } }", {}, True),
    ("{ items(n: 6) { id kids { id name kids { id } child { name } } child { kids { id } } } }", {}, True),
    ("{ items { id pal { id } } }", {}, True),  # items the normal way (pal is an interface), pal's Item fast
    ("{ items { id child { id upper } } }", {}, False),  # a resolver below: the whole item the normal way
    ("{ items { id upper } }", {}, False),
    ("{ items { id secret } }", {}, False),
    ("{ items { id loud } }", {}, False),
    ("""query($y: Boolean!) { items { id name @skip(if: $y) note @include(if: $y) ...F @include(if: $y)
          ... on Item @skip(if: $y) { tags } } } fragment F on Thing { id ... on Item { count } }""",
     {"y": True}, True),
    ("{ plains { label size __typename } }", {}, True),
    ("{ mixed { __typename ... on Item { id name } ... on Plain { label } } }", {}, True),
    ("{ things { __typename id ... on Item { colour } } }", {}, True),
    ("{ laterItems { id name } generated { id } }", {}, True),
    ("{ items(n: 0) { id } }", {}, False),
    ("{ counted { id name child { id name } } oneCounted { name } }", {}, True),
    # an object of another class where a Counted goes: refused by is_type_of either way, the same error
    ("{ counted(stranger: true) { id name } }", {}, True),
    ("{ oneCounted(stranger: true) { name } }", {}, False),
    ("{ a: counted { name } b: oneCounted(stranger: true) { name } }", {}, True),
]
FAST_ALONE = {"int_as_name", "undefined_note", "undefined_in_maybe_tags"}  # coerced or null, as graphql-core does
for kind in BAD:
    # in a list the good items around the bad one are completed fast (after the list falls back); alone,
    # the bad item is completed the normal way, unless graphql-core's coercion accepts it
    for field in ("itemsWith", "nullableItemsWith"):
        SCHEMA_QUERIES.append((f'{{ {field}(badKind: "{kind}") {{ {LEAVES} }} }}', {}, True))
    SCHEMA_QUERIES.append((f'{{ oneWith(badKind: "{kind}") {{ {LEAVES} }} }}', {}, kind in FAST_ALONE))
    SCHEMA_QUERIES.append((f'{{ a: oneWith(badKind: "{kind}") {{ {LEAVES} }} b: items(n: 2) {{ id }} }}', {}, True))
for kind in NESTED_BAD:
    SCHEMA_QUERIES.append((f'{{ itemsWith(badKind: "{kind}") {{ id kids {{ id name }} }} }}', {}, True))
    SCHEMA_QUERIES.append((f'{{ nullableItemsWith(badKind: "{kind}") {{ id kids {{ id name }} }} }}', {}, True))
    # alone, the item falls back; its kids (when there are good ones) are completed fast
    SCHEMA_QUERIES.append((f'{{ oneWith(badKind: "{kind}") {{ id kids {{ id name }} }} }}', {},
                           kind in {"null_kid", "kids_generator", "awaitable_kid"}))


def run_test_schema(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> str:
    result = asyncio.run(schema.execute(query, variable_values=variables))
    return json.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]})


@pytest.mark.parametrize(("query", "variables", "fast"), SCHEMA_QUERIES,
                         ids=[f"schema{i}" for i in range(len(SCHEMA_QUERIES))])
def test_schema_results_are_identical(monkeypatch: pytest.MonkeyPatch, fast_calls: list[int], query: str,
                                      variables: dict[str, Any], fast: bool) -> None:
    _, taken = both_ways(monkeypatch, fast_calls, lambda: run_test_schema(test_schema, query, variables))
    assert (taken > 0) == fast


def test_the_error_cases_do_fail() -> None:
    """The battery above compares errors, so it must contain some: each bad kind gives one."""
    fine = {"awaitable_note", "awaitable_tags", "tags_generator", "int_as_name", "undefined_note",
            "undefined_in_maybe_tags"}  # graphql-core copes
    in_nullable_field = {"exception", "exploding"}  # the error nulls `note`, not the item
    for kind in BAD:
        out = json.loads(run_test_schema(test_schema, f'{{ itemsWith(badKind: "{kind}") {{ {LEAVES} }} }}', {}))
        if kind in fine:
            assert not out["errors"] and out["data"]["itemsWith"][1], (kind, out)
        elif kind in in_nullable_field:
            assert out["errors"] and out["data"]["itemsWith"][1]["note"] is None, (kind, out)
        else:
            assert out["errors"] and out["data"] is None, (kind, out)  # propagated to the root
    for kind in NESTED_BAD:
        out = json.loads(run_test_schema(test_schema, f'{{ itemsWith(badKind: "{kind}") {{ id kids {{ id name }} }} }}', {}))
        if kind in {"kids_generator", "awaitable_kid"}:  # graphql-core copes
            assert not out["errors"] and out["data"]["itemsWith"][1]["kids"] == [{"id": "k", "name": "k"}], (kind, out)
        else:
            assert out["errors"] and out["data"] is None, (kind, out)


class Spy(SchemaExtension):
    def resolve(self, next_: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return next_(root, info, *args, **kwargs)


def test_a_resolve_hook_sees_every_field(monkeypatch: pytest.MonkeyPatch, fast_calls: list[int]) -> None:
    """A schema extension with a ``resolve`` hook is a middleware on every field: no fast path."""
    spied = strawberry.Schema(query=Query, types=[Item, Plain], extensions=[Spy],
                              execution_context_class=LeafFastPathExecutor)
    query = f"{{ items {{ {LEAVES} }} }}"
    out, taken = both_ways(monkeypatch, fast_calls, lambda: run_test_schema(spied, query, {}))
    assert taken == 0 and json.loads(out)["data"]["items"]


def test_a_completion_is_compiled_once_for_every_request_with_its_selection() -> None:
    """Each request plans anew, but the same selection's plan is the same key: compiled once."""
    query = "{ items(n: 3) { id name kids { id name } child { id } } }"
    run_test_schema(test_schema, query, {})
    before = execution.compile_plan.cache_info()
    first = run_test_schema(test_schema, query, {})
    again = execution.compile_plan.cache_info()
    assert run_test_schema(test_schema, query, {}) == first
    after = execution.compile_plan.cache_info()
    assert again.currsize == before.currsize == after.currsize  # nothing new compiled
    assert after.hits - again.hits == again.hits - before.hits > 0
    assert json.loads(first)["data"]["items"][2]["kids"]


def test_an_is_type_of_decided_by_class_is_asked_once_per_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """graphql-core asks ``is_type_of`` about every object; the fast path asks one decided by the
    object's class once per class and remembers a yes (never a no: a stranger is asked each time)."""
    monkeypatch.setattr(execution, "_ACCEPTED", {})
    execution.compile_plan.cache_clear()  # compiled completions hold the classes accepted before
    query = "{ counted(n: 4) { id child { name } } }"
    monkeypatch.setattr(execution, "FAST_PATH", False)
    IS_TYPE_OF_ASKED.clear()
    slow = run_test_schema(test_schema, query, {})
    assert sorted(IS_TYPE_OF_ASKED) == ["Counted"] * 4 + ["CountedToo"] * 4
    monkeypatch.setattr(execution, "FAST_PATH", True)
    IS_TYPE_OF_ASKED.clear()
    assert run_test_schema(test_schema, query, {}) == slow
    assert sorted(IS_TYPE_OF_ASKED) == ["Counted", "CountedToo"]
    IS_TYPE_OF_ASKED.clear()
    assert run_test_schema(test_schema, query, {}) == slow
    assert IS_TYPE_OF_ASKED == []
    for _ in range(2):
        assert "Expected value of type 'Counted'" in run_test_schema(test_schema, "{ counted(stranger: true) { id } }", {})
    assert IS_TYPE_OF_ASKED.count("Item") >= 2
