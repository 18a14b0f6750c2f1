"""The GraphQL schema: queries analysts ask in one request each."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from loupan.api.types import (
    MAX_PAGE,
    Developer,
    Entity,
    EntityConnection,
    EntityEdge,
    PageInfo,
    Path,
    Relation,
    SearchHit,
    Stats,
    decode_cursor,
    encode_cursor,
)

DEVELOPER_NAME_MIN_SCORE = 80.0


def _check_first(first: int) -> int:
    if first < 0 or first > MAX_PAGE:
        raise ValueError(f"first must be between 0 and {MAX_PAGE}; page with `after`")
    return first


@strawberry.type
class Query:
    @strawberry.field(description="Search names and aliases: Chinese, short forms, typos, homophones, pinyin.")
    async def search(self, info: Info, query: str, types: list[str] | None = None, first: int = 10) -> list[SearchHit]:
        index = await info.context.run(info.context.index.get)
        hits = index.search(query, types, _check_first(first))
        out = []
        for hit in hits:
            node = await info.context.node(hit.id)
            if node:
                out.append(SearchHit(entity=Entity(node=node), score=hit.score, matched=hit.matched))
        return out

    @strawberry.field(description="One entity by id.")
    async def entity(self, info: Info, id: strawberry.ID) -> Entity | None:
        node = await info.context.node(str(id))
        return Entity(node=node) if node else None

    @strawberry.field(description="A developer by id, or by name (resolved through aliases and fuzzy matching).")
    async def developer(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Developer | None:
        if id is None and not name:
            raise ValueError("developer needs `id` or `name`")
        if id is not None:
            node = await info.context.node(str(id))
        else:
            index = await info.context.run(info.context.index.get)
            hits = [h for h in index.search(name or "", ["Developer"], 5) if h.score >= DEVELOPER_NAME_MIN_SCORE]
            node = await info.context.node(hits[0].id) if hits else None
        if node is None or "Developer" not in node.labels:
            return None
        return Developer(node=node)

    @strawberry.field(description="Entities, optionally of some types and inside a division (by code), paginated.")
    async def entities(self, info: Info, types: list[str] | None = None, place_code: str | None = None,
                       first: int = 20, after: str | None = None) -> EntityConnection:
        from loupan.graph.queries import code_prefix

        offset = decode_cursor(after)
        prefixes = [code_prefix(place_code)] if place_code else None
        store = info.context.store
        total = await info.context.run(store.count_nodes, types, prefixes)
        nodes = await info.context.run(store.list_nodes, types, prefixes, offset, _check_first(first))
        info.context.prime(nodes)
        edges = [EntityEdge(cursor=encode_cursor(offset + i), node=Entity(node=n)) for i, n in enumerate(nodes)]
        return EntityConnection(total_count=total, edges=edges, page_info=PageInfo(
            has_next_page=offset + len(nodes) < total, end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Shortest paths between two entities (undirected).")
    async def paths(self, info: Info, source: strawberry.ID, target: strawberry.ID, max_hops: int = 4,
                    first: int = 5) -> list[Path]:
        if not 1 <= max_hops <= 6:
            raise ValueError("maxHops must be between 1 and 6")
        found = await info.context.run(info.context.store.shortest_paths, str(source), str(target), max_hops,
                                       _check_first(first))
        out = []
        for edges in found:
            order = [str(source)]
            for e in edges:
                order.append(e.target if e.source == order[-1] else e.source)
            nodes = [await info.context.node(i) for i in order]
            out.append(Path(length=len(edges), nodes=[Entity(node=n) for n in nodes if n],
                            relations=[Relation(edge=e) for e in edges]))
        return out

    @strawberry.field
    async def stats(self, info: Info) -> Stats:
        nodes, relations = await info.context.run(info.context.store.counts)
        return Stats(nodes=nodes, relations=relations)


schema = strawberry.Schema(query=Query, types=[Entity, Developer])
