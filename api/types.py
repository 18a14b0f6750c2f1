"""GraphQL object types. Resolvers read through the per-request DataLoaders in ``info.context``."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from typing import Annotated, Any, Self, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from loupan.api.execution import decided_by_class
from loupan.graph import queries
from loupan.graph.model import Edge, Node
from loupan.graph.model import Source as SourceRow

MAX_PAGE = 100


@strawberry.enum
class Direction(Enum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


@strawberry.type(description="A source document: a news report or a structured record file.")
class Report:
    id: strawberry.ID
    title: str
    url: str | None
    outlet: str | None
    published_at: str | None
    kind: str | None


def report_of(node: Node | None, report_id: str) -> Report:
    if node is None:
        return Report(id=strawberry.ID(report_id), title="", url=None, outlet=None, published_at=None, kind=None)
    return Report(id=strawberry.ID(node.id), title=node.name, url=node.attrs.get("url"),
                  outlet=node.attrs.get("outlet"), published_at=node.date or None, kind=node.attrs.get("kind"))


@strawberry.type(description="Where a fact came from: the report, and the quote and span (text) or the "
                             "record and field (structured data) in it.")
class Source:
    row: strawberry.Private[SourceRow]

    @strawberry.field
    async def report(self, info: Info) -> Report:
        return report_of(await info.context.node(self.row.report), self.row.report)

    @strawberry.field
    def quote(self) -> str:
        return self.row.quote

    @strawberry.field(description="Character span [start, end) of the quote in the report's text.")
    def span(self) -> list[int] | None:
        return [self.row.start, self.row.end] if self.row.start is not None and self.row.end is not None else None

    @strawberry.field(description="Record reference (file#index) for structured data.")
    def record(self) -> str | None:
        return self.row.record

    @strawberry.field(description="For records, the field; for text mentions, the surface form.")
    def field(self) -> str | None:
        return self.row.field

    @strawberry.field
    def extracted_by(self) -> str:
        return self.row.by


def _page(first: int) -> int:
    if first < 0 or first > MAX_PAGE:
        raise ValueError(f"first must be between 0 and {MAX_PAGE}; ask for the next page with `after`")
    return first


@strawberry.interface(description="Any node of the graph.")
class EntityInterface:
    """A view of a node: ``Entity.of(n)``. The scalar fields are plain fields (strawberry answers a
    field without a resolver with one ``getattr``, where a resolver method costs a call through its
    argument and extension machinery for every field of every object in a list), each read from the
    node by a property (``_NODE_VIEWS``, installed below the class) instead of copied into the
    entity: a flagship answer holds about 4,000 entities of which one field is read, a big answer
    10,000 of which three are."""

    node: strawberry.Private[Node]
    id: strawberry.ID = strawberry.field(default=None)
    type: str = strawberry.field(default=None, description="Primary label: Developer, Project, Person, Official, "
                                                          "Agency, …")
    labels: list[str] = strawberry.field(default=None)
    name: str = strawberry.field(default=None)
    aliases: list[str] = strawberry.field(default=None)
    code: str | None = strawberry.field(default=None, description="GB/T 2260 division code (of the place itself, "
                                                                "or of the place the entity is keyed under).")
    level: str | None = strawberry.field(default=None)
    date: str | None = strawberry.field(default=None)

    @classmethod
    def of(cls, node: Node) -> Self:
        """``cls(node=node)`` without the dataclass ``__init__`` (which passes every field's default
        to its property)."""
        entity = cls.__new__(cls)
        entity.node = node
        return entity

    @strawberry.field
    def attrs(self) -> JSON:
        return cast(JSON, self.node.attrs)

    @strawberry.field(description="The place this entity is in (LOCATED_IN), or a place's parent (PART_OF).")
    async def place(self, info: Info) -> Entity | None:
        rel = "PART_OF" if self.node.type == "Place" else "LOCATED_IN"
        edges = await info.context.edges_of(self.node.id, [rel], "out")
        target = await info.context.node(edges[0].target) if edges else None
        return Entity.of(target) if target else None

    @strawberry.field(description="The reports that mention this entity, with the quote or field of each mention.")
    async def sources(self, info: Info, first: int = 20) -> list[Source]:
        edges = await info.context.edges_of(self.node.id, ["MENTIONS"], "in")
        return [Source(row=s) for e in edges for s in e.sources][: _page(first)]

    @strawberry.field(description="Relationships touching this entity (MENTIONS excluded unless asked for), "
                                  "in the order of their ids: the next page starts `after` the last id of this one.")
    async def relations(self, info: Info, types: list[str] | None = None, direction: Direction = Direction.BOTH,
                        first: int = 50, after: str | None = None) -> list[Relation]:
        edges = await info.context.edges_of(self.node.id, types or [], direction.value)
        if not types:
            edges = [e for e in edges if e.type != "MENTIONS"]
        if after is not None:  # GraphStore.edges_of sorts by id, so a page ends where the next begins
            edges = [e for e in edges if e.id > after]
        return [Relation(edge=e) for e in edges[: _page(first)]]

    @strawberry.field(description="Entities one relationship away.")
    async def neighbors(self, info: Info, types: list[str] | None = None, direction: Direction = Direction.BOTH,
                        first: int = 50) -> list[Entity]:
        edges = await info.context.edges_of(self.node.id, types or [], direction.value)
        if not types:
            edges = [e for e in edges if e.type != "MENTIONS"]
        others = await info.context.nodes_of([e.target if e.source == self.node.id else e.source
                                              for e in edges[: _page(first)]])
        return [Entity.of(n) for n in others if n]


def _view(what: str, name: str, read: Callable[[Any], Any]) -> property:
    """A property reading field ``name`` of an API object from the store's object it wraps."""
    def refuse(self: Any, value: Any) -> None:
        if value is not None:  # the dataclass __init__ passes each field's default, None
            raise AttributeError(f"{what}'s {name} is read from it, not set: construct it from the {what} alone")
    return property(read, refuse, doc=f"the {what}'s {name}")


# The fields an entity reads from its node. ``attrgetter`` reads a dotted path in C; the properties
# that are empty strings in the store are null in the API.
_NODE_VIEWS: dict[str, Callable[[Any], Any]] = {
    **{name: attrgetter(f"node.{name}") for name in ("id", "type", "labels", "name", "aliases")},
    "code": lambda self: self.node.code or None,
    "level": lambda self: self.node.level or None,
    "date": lambda self: self.node.date or None,
}
for _name, _read in _NODE_VIEWS.items():  # after the dataclass has made its fields and their defaults
    setattr(EntityInterface, _name, _view("node", _name, _read))


@strawberry.type
class Entity(EntityInterface):
    @classmethod
    @decided_by_class
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        """strawberry's own test for a type with an interface (an instance of the type or of the
        interface) without its look-up of a ``strawberry.cast`` mark on every object: nothing here
        is cast, so the class decides, and the fast path asks once per class."""
        return isinstance(obj, EntityInterface)


# The fields of an entity that read one node property each (the property of the same name), and
# those that read nothing of the node but its id and type. Any other field makes a selection read
# the whole node; so does a field moved from the second set to read more (``test_selection.py``
# compares every field read both ways).
PROPERTY_FIELDS = frozenset({"id", "type", "labels", "name", "aliases", "code", "level", "date", "attrs"})
ID_ONLY_FIELDS = frozenset({"__typename", "place", "sources", "relations", "neighbors"})


def _fields_in(selections: list[Selection], path: tuple[str, ...], wanted: set[str]) -> bool:
    """Add to ``wanted`` the properties the entities at ``path`` below ``selections`` are read for;
    False when one of their selected fields may read more."""
    for selection in selections:
        if not isinstance(selection, SelectedField):  # a fragment: its fields are the field's own
            if not _fields_in(selection.selections, path, wanted):
                return False
        elif path:
            if selection.name == path[0] and not _fields_in(selection.selections, path[1:], wanted):
                return False
        elif selection.name in PROPERTY_FIELDS:
            wanted.add(selection.name)
        elif selection.name not in ID_ONLY_FIELDS:
            return False
    return True


def node_fields(info: Info, *path: str) -> frozenset[str] | None:
    """The node properties (besides id and type) the entities this field returns are read for, or,
    with ``path``, those nested that many fields below it (``"projects"`` of a city group); None when
    the selection may read more than the properties (a store read then returns the whole node).
    Directives are not evaluated: a field under ``@skip`` still counts, which reads more, never less."""
    wanted: set[str] = set()
    # info.selected_fields holds this field itself (once per place the query names it)
    here = [s for field in info.selected_fields if isinstance(field, SelectedField) for s in field.selections]
    return frozenset(wanted) if _fields_in(here, path, wanted) else None


def selects(info: Info, name: str) -> bool:
    """Whether the selection below this field names field ``name`` (in a fragment too); directives
    are not evaluated, as in :func:`node_fields`."""
    def within(selections: list[Selection]) -> bool:
        return any(within(s.selections) if not isinstance(s, SelectedField) else s.name == name
                   for s in selections)
    return any(within(field.selections) for field in info.selected_fields if isinstance(field, SelectedField))


def group_fields(info: Info, *path: str) -> queries.GroupFields:
    """What each part of a ``taskForcesByCity`` answer is read for: of this field's, or with ``path``
    (``"taskForcesByCity"``) of that field below this one (every place the query names it)."""
    return queries.GroupFields(projects=node_fields(info, *path, "projects"), cities=node_fields(info, *path, "city"),
                               task_forces=node_fields(info, *path, "taskForces", "taskForce"))


async def read_with_groups(info: Info, node_id: str) -> Node | None:
    """The node of ``node_id`` for a field returning a developer. When the query asks for its
    ``taskForcesByCity``, and the store reads the node in that answer's statement
    (``GraphStore.developer_in_projects_read``), it does (one round trip, not two) and the answer is
    kept for that field (``Context.groups_ahead``); a node that is no developer wastes the read. Measured in
    ``bench/README.md`` ("One statement for the developer and its cities")."""
    context = info.context
    node: Node | None
    if not (context.store.developer_in_projects_read and selects(info, "taskForcesByCity")) or node_id in context.primed:
        node = await context.node(node_id)
        return node
    fields = group_fields(info, "taskForcesByCity")
    node, groups = await context.run(queries.developer_with_task_forces_by_city, context.store, node_id, fields)
    if node is not None:
        context.prime([node])
        context.groups_ahead[node_id] = (fields, groups)
    return node


@strawberry.type(description="A position held (HOLDS_POSITION): the title, and the span of time the sources "
                             "attest it (the earliest and latest publication dates of the reports that say so).")
class Role:
    title: str
    from_: str | None = strawberry.field(name="from")
    to: str | None


@strawberry.type(description="A relationship, with the sources that assert it.")
class Relation:
    """A view of an edge: ``Relation(edge=e)``. ``id`` and ``type`` are plain fields read from the
    edge by properties (as an entity's are from its node), so a list of relations asking for no more
    takes the fast path of ``loupan.api.execution``."""

    edge: strawberry.Private[Edge]
    id: strawberry.ID = strawberry.field(default=None)
    type: str = strawberry.field(default=None)

    @strawberry.field
    async def source(self, info: Info) -> Entity | None:
        node = await info.context.node(self.edge.source)
        return Entity.of(node) if node else None

    @strawberry.field
    async def target(self, info: Info) -> Entity | None:
        node = await info.context.node(self.edge.target)
        return Entity.of(node) if node else None

    @strawberry.field
    def attrs(self) -> JSON:
        return cast(JSON, self.edge.attrs)

    @strawberry.field
    def sources(self) -> list[Source]:
        return [Source(row=s) for s in self.edge.sources]

    @strawberry.field(description="For HOLDS_POSITION: the title and when the sources attest it.")
    async def role(self, info: Info) -> Role | None:
        if self.edge.type != "HOLDS_POSITION":
            return None
        reports = await asyncio.gather(*(info.context.node(s.report) for s in self.edge.sources))
        dates = sorted(r.date for r in reports if r is not None and r.date)
        return Role(title=str(self.edge.attrs.get("title") or ""), from_=dates[0] if dates else None,
                    to=dates[-1] if dates else None)


for _name in ("id", "type"):
    setattr(Relation, _name, _view("edge", _name, attrgetter(f"edge.{_name}")))


# A city's thousands of links share this empty sequence (graphql-core and the fast path complete a
# tuple as a list), not a new list each.
_NO_RELATIONS = cast(list["Relation"], ())


@strawberry.type
class TaskForceLink:
    task_force: Entity
    via: str = strawberry.field(description="project: it handles one of these projects; "
                                            "city: it handles problem projects in this city")
    relations: list[Relation]

    @classmethod
    def of(cls, link: queries.TaskForceLink) -> Self:
        """Without the dataclass ``__init__``, as :meth:`EntityInterface.of`: a flagship answer at a
        million nodes holds about 4,000 of these (1.07 -> 0.4 us each)."""
        made = cls.__new__(cls)
        made.task_force, made.via = Entity.of(link.task_force), link.via
        made.relations = [Relation(edge=e) for e in link.edges] if link.edges else _NO_RELATIONS
        return made

    @staticmethod
    def in_city(task_forces: list[Node], links: list[TaskForceLink]) -> list[TaskForceLink]:
        """``links`` and after them the links of a city's own task forces (``CityGroup.in_city``): an
        entity and a link with one attribute each, made in one loop without a call per task force (a
        flagship answer at a million nodes holds 3,882 of these: 1.29 -> 0.73 ms)."""
        new, link_class, entity_class = object.__new__, _CityLink, Entity
        append = links.append
        for node in task_forces:
            entity = new(entity_class)
            entity.node = node
            link = new(link_class)
            link.task_force = entity
            append(link)
        return links


class _CityLink(TaskForceLink):
    """A city's own task force: ``via`` and ``relations`` are the class's."""

    via = "city"
    relations = _NO_RELATIONS


@strawberry.type
class CityTaskForces:
    city: Entity | None
    city_code: str | None
    projects: list[Entity]
    task_forces: list[TaskForceLink]


@strawberry.type(description="A developer (房企), with its projects and subsidiaries.")
class Developer(EntityInterface):
    @strawberry.field(description="Projects it or its subsidiaries develop.")
    async def projects(self, info: Info) -> list[Entity]:
        fields = node_fields(info)
        projects = await info.context.run(queries.projects_of, info.context.store, self.node.id, fields)
        if fields is None:  # nodes read in part are never primed: another field could want the rest
            info.context.prime(projects)
        return [Entity.of(p) for p in projects]

    @strawberry.field
    async def subsidiaries(self, info: Info) -> list[Entity]:
        edges = await info.context.edges_of(self.node.id, ["SUBSIDIARY_OF"], "in")
        return [Entity.of(n) for n in await info.context.nodes_of([e.source for e in edges]) if n]

    @strawberry.field(description="Its projects grouped by city, with the task forces that handle them.")
    async def task_forces_by_city(self, info: Info, only_with_task_forces: bool = False) -> list[CityTaskForces]:
        fields = group_fields(info)
        ahead = info.context.groups_ahead.get(self.node.id)
        if ahead is not None and ahead[0].covers(fields):  # read with the developer (read_with_groups)
            groups = ahead[1]
        else:
            groups = await info.context.run(queries.task_forces_by_city, info.context.store, self.node.id, fields)
        if only_with_task_forces:
            groups = [g for g in groups if g.task_force_count()]
        return [CityTaskForces(
            city=Entity.of(g.city) if g.city else None, city_code=g.city_code or None,
            projects=[Entity.of(p) for p in g.projects],
            task_forces=TaskForceLink.in_city(g.in_city, [*map(TaskForceLink.of, g.handling)]),
        ) for g in groups]


@strawberry.type
class SearchHit:
    entity: Entity
    score: float
    matched: str = strawberry.field(description="The name or alias that matched.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class EntityEdge:
    cursor: str
    node: Entity


@strawberry.type
class EntityConnection:
    total_count: int
    edges: list[EntityEdge]
    page_info: PageInfo


@strawberry.type
class Path:
    length: int
    nodes: list[Entity]
    relations: list[Relation]


@strawberry.type
class Stats:
    nodes: int
    relations: int


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith("o:"):
            raise ValueError
        return int(text[2:]) + 1
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"invalid cursor {cursor!r}: pass an endCursor from a previous page") from e


EntityLike = Annotated[EntityInterface, strawberry.lazy("loupan.api.types")]
