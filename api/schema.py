"""The GraphQL schema: queries analysts ask in one request each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any

import strawberry
from graphql import default_field_resolver, parse
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.scalars import JSON
from strawberry.schema.schema import validate_document
from strawberry.types import Info

from loupan.api.analysis import (
    Adoption,
    Neighbourhood,
    TimelineItem,
    TypeCount,
    adoptions,
    neighbourhood,
    timeline,
)
from loupan.api.execution import LeafFastPathExecutor
from loupan.api.resolution import ResolutionMutation, ResolutionQuery
from loupan.api.types import (
    MAX_PAGE,
    Developer,
    Entity,
    EntityConnection,
    EntityEdge,
    EntityInterface,
    PageInfo,
    Path,
    Relation,
    SearchHit,
    Stats,
    decode_cursor,
    encode_cursor,
    read_with_groups,
)

DEVELOPER_NAME_MIN_SCORE = 80.0
MAX_QUERY_DEPTH = 12
MAX_QUERY_TOKENS = 3000
MAX_ALIASES = 20


def _check_first(first: int) -> int:
    if first < 0 or first > MAX_PAGE:
        raise ValueError(f"first must be between 0 and {MAX_PAGE}; page with `after`")
    return first


@strawberry.type
class Query(ResolutionQuery):
    @strawberry.field(description="Search names and aliases: Chinese, short forms, typos, homophones, pinyin.")
    async def search(self, info: Info, query: str, types: list[str] | None = None, first: int = 10) -> list[SearchHit]:
        index = await info.context.run(info.context.index.get)
        hits = index.search(query, types, _check_first(first))
        nodes = await info.context.nodes_of([hit.id for hit in hits])  # one batch, not one per hit
        return [SearchHit(entity=Entity.of(node), score=hit.score, matched=hit.matched)
                for hit, node in zip(hits, nodes, strict=True) if node]

    @strawberry.field(description="One entity by id.")
    async def entity(self, info: Info, id: strawberry.ID) -> Entity | None:
        node = await info.context.node(str(id))
        return Entity.of(node) if node else None

    @strawberry.field(description="Any node by id; a Developer resolves to the Developer type.")
    async def node(self, info: Info, id: strawberry.ID) -> EntityInterface | None:
        node = await read_with_groups(info, str(id))
        if node is None:
            return None
        return Developer.of(node) if "Developer" in node.labels else Entity.of(node)

    @strawberry.field(description="Everything within `depth` (≤ 3) relationships of an entity.")
    async def neighbors(self, info: Info, id: strawberry.ID, depth: int = 1,
                        types: list[str] | None = None) -> Neighbourhood:
        return await neighbourhood(info, str(id), depth, types)

    @strawberry.field(description="Events and dated facts about an entity or inside a division, oldest first; "
                                  "`from`/`to` are ISO dates or prefixes (2022, 2022-07).")
    async def timeline(self, info: Info, entity_id: strawberry.ID | None = None, place_code: str | None = None,
                       from_: Annotated[str | None, strawberry.argument(name="from")] = None,
                       to: str | None = None) -> list[TimelineItem]:
        return await timeline(info, str(entity_id) if entity_id else None, place_code, from_, to)

    @strawberry.field(description="Which places and agencies adopted a policy, in which city, and when. "
                                  "`policy` is an id or a name (resolved like search).")
    async def adoptions(self, info: Info, policy: str) -> list[Adoption]:
        node = await info.context.node(policy)
        if node is None:
            index = await info.context.run(info.context.index.get)
            hits = index.search(policy, ["Policy"], 5)
            # the best hit whose node is still there (the index may be a generation behind)
            nodes = await info.context.nodes_of([hit.id for hit in hits])
            found = next((n for n in nodes if n is not None), None)
            if found is None:
                return []
            policy = found.id
        return await adoptions(info, policy)

    @strawberry.field(description="A developer by id, or by name (resolved through aliases and fuzzy matching).")
    async def developer(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Developer | None:
        if id is None and not name:
            raise ValueError("developer needs `id` or `name`")
        if id is not None:
            node = await read_with_groups(info, str(id))
        else:
            index = await info.context.run(info.context.index.get)
            node = None
            # the best hit whose node is still there: the index may be a generation behind the
            # store while it is rebuilt (``CachedIndex``), with a name merged away still in it
            for hit in index.search(name or "", ["Developer"], 5):
                if hit.score < DEVELOPER_NAME_MIN_SCORE:
                    break
                node = await read_with_groups(info, hit.id)
                if node is not None:
                    break
        if node is None or "Developer" not in node.labels:
            return None
        return Developer.of(node)

    @strawberry.field(description="Entities, paginated, filtered by types, by division (`placeCode`: everything "
                                  "inside it), by date range (`dateFrom`/`dateTo`: ISO dates or prefixes) and by "
                                  "developer (`developer`: the projects it or its subsidiaries develop).")
    async def entities(self, info: Info, types: list[str] | None = None, place_code: str | None = None,
                       date_from: str | None = None, date_to: str | None = None,
                       developer: strawberry.ID | None = None, first: int = 20,
                       after: str | None = None) -> EntityConnection:
        from loupan.graph.model import code_prefix
        from loupan.graph.queries import projects_of

        offset = decode_cursor(after)
        first = _check_first(first)
        prefixes = [code_prefix(place_code)] if place_code else None
        store = info.context.store
        if developer is not None:
            projects = await info.context.run(projects_of, store, str(developer))
            prefix = prefixes[0] if prefixes else ""
            hi = (date_to or "") + "~"
            matching = sorted((p for p in projects
                               if (not types or set(types) & set(p.labels)) and p.code.startswith(prefix)
                               and (not date_from or (p.date and p.date >= date_from))
                               and (not date_to or (p.date and p.date <= hi))), key=lambda p: p.id)
            total, nodes = len(matching), matching[offset: offset + first]
        else:
            total = await info.context.run(store.count_nodes, types, prefixes, date_from or "", date_to or "")
            nodes = await info.context.run(store.list_nodes, types, prefixes, offset, first,
                                           date_from or "", date_to or "")
        info.context.prime(nodes)
        edges = [EntityEdge(cursor=encode_cursor(offset + i), node=Entity.of(n)) for i, n in enumerate(nodes)]
        return EntityConnection(total_count=total, edges=edges, page_info=PageInfo(
            has_next_page=offset + len(nodes) < total, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Shortest paths between two entities (undirected).")
    async def paths(self, info: Info, source: strawberry.ID, target: strawberry.ID, max_hops: int = 4,
                    first: int = 5) -> list[Path]:
        if not 1 <= max_hops <= 6:
            raise ValueError("maxHops must be between 1 and 6")
        found = await info.context.run(info.context.store.shortest_paths, str(source), str(target), max_hops,
                                       _check_first(first))
        orders = []
        for edges in found:
            order = [str(source)]
            for e in edges:
                order.append(e.target if e.source == order[-1] else e.source)
            orders.append(order)
        loaded = await info.context.nodes_of([i for order in orders for i in order])  # one batch
        by_id = {n.id: n for n in loaded if n}
        out = []
        for edges, order in zip(found, orders, strict=True):
            nodes = [by_id.get(i) for i in order]
            out.append(Path(length=len(edges), nodes=[Entity.of(n) for n in nodes if n],
                            relations=[Relation(edge=e) for e in edges]))
        return out

    @strawberry.field
    async def stats(self, info: Info) -> Stats:
        nodes, relations = await info.context.run(info.context.store.counts)
        return Stats(nodes=nodes, relations=relations)

    @strawberry.field(description="How many nodes carry each label.")
    async def type_counts(self, info: Info) -> list[TypeCount]:
        from loupan.graph.model import node_labels

        store = info.context.store
        return [TypeCount(type=t, count=await info.context.run(store.count_nodes, [t])) for t in node_labels()]


@strawberry.type
class IngestResult:
    report: Entity | None
    records: int
    errors: list[str]
    nodes: int
    relations: int


@strawberry.type
class Mutation(ResolutionMutation):
    @strawberry.mutation(description="Extract one news report and add it to the graph (editor).")
    async def ingest_report(self, info: Info, text: str, url: str | None = None, title: str | None = None,
                            published_at: str | None = None, outlet: str | None = None) -> IngestResult:
        who = info.context.require("editor")
        report_id = await info.context.ingest("report", who, text=text, url=url, title=title,
                                              published=published_at, outlet=outlet)
        nodes, relations = await info.context.run(info.context.store.counts)
        node = await info.context.run(info.context.store.get_node, report_id)
        return IngestResult(report=Entity.of(node) if node else None, records=0, errors=[], nodes=nodes,
                            relations=relations)

    @strawberry.mutation(description="Add structured project records (a JSON list of objects with name, "
                                     "city, province, developer …) to the graph (editor).")
    async def ingest_records(self, info: Info, records: JSON, source: str = "api") -> IngestResult:
        who = info.context.require("editor")
        if not isinstance(records, list):
            raise ValueError("records must be a JSON list of objects")
        summary = await info.context.ingest("records", who, text=json.dumps(records, ensure_ascii=False),
                                            source=f"{source}.json")
        nodes, relations = await info.context.run(info.context.store.counts)
        return IngestResult(report=None, records=summary.records, errors=[str(e) for e in summary.errors],
                            nodes=nodes, relations=relations)


def _reader_required(resolve: Any) -> Any:
    def resolver(root: Any, info: Any, **kwargs: Any) -> Any:
        info.context.require("reader")
        return resolve(root, info, **kwargs)

    resolver._is_default = getattr(resolve, "_is_default", False)  # type: ignore[attr-defined]
    return resolver


def require_reader(built: strawberry.Schema) -> strawberry.Schema:
    """Every top-level field needs the reader role (mutations check for editor themselves).

    The check wraps the root fields' resolvers, not every field's: a schema extension's ``resolve``
    hook would run for each field of each object of a response (tens of thousands in a long list)."""
    graphql_schema = built._schema
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        for field in (root.fields.values() if root else ()):
            field.resolve = _reader_required(field.resolve or default_field_resolver)
    return built


# The limits' validation rules are made once: each limiter builds a new rule class when constructed,
# and the validation cache is keyed by the rules, so per-request rules would never hit it. Parsing and
# validating a query text cost about as much as answering a small query (neighbours: 10 of 21 ms).
# Both caches are bounded (distinct texts beyond CACHED_QUERIES are parsed and validated again).
CACHED_QUERIES = 512
_LIMIT_RULES = (*QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules,
                *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules)
_parse = lru_cache(maxsize=CACHED_QUERIES)(parse)
_validate = lru_cache(maxsize=CACHED_QUERIES)(validate_document)


class OperationLimits(SchemaExtension):
    """What strawberry's ``MaxTokensLimiter``, ``AddValidationRules`` (with the depth and alias
    limits' rules), ``ParserCache`` and ``ValidationCache`` do, in one extension: the text parsed with
    at most ``MAX_QUERY_TOKENS`` tokens and validated with the limits' rules added, each through an
    LRU cache of ``CACHED_QUERIES`` entries. strawberry makes every extension anew for each request,
    looks each one's hook up for each of the four stages of a request (operation, parsing,
    validation, execution) and wraps every hook found in a context manager of its own: the four made
    four objects, sixteen look-ups and four wrapped hooks per request; this one makes one, four and
    two (``bench/README.md``, item 1 of "One extension for the limits and the caches; …")."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = _parse(context.query, **{**context.parse_options,
                                                             "max_tokens": MAX_QUERY_TOKENS})
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *_LIMIT_RULES)
        context.pre_execution_errors = _validate(context.schema._schema, context.graphql_document,
                                                 context.validation_rules)
        yield


schema = require_reader(strawberry.Schema(
    query=Query, mutation=Mutation, types=[Entity, Developer], execution_context_class=LeafFastPathExecutor,
    extensions=[OperationLimits],
))
