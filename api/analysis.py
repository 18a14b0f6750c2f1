"""Analyst queries beyond look-ups: neighbourhoods, timelines, policy adoptions, statistics."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from strawberry.types import Info

from loupan.api.types import Entity, Relation, Source, node_fields
from loupan.graph.model import Edge, Node, city_code, code_prefix, relationship_types

MAX_DEPTH = 3
MAX_NEIGHBOURHOOD = 1000


@strawberry.type
class Neighbourhood:
    nodes: list[Entity]
    relations: list[Relation]
    truncated: bool


@strawberry.type(description="One dated item about an entity or a place.")
class TimelineItem:
    date: str
    kind: str = strawberry.field(description="event | relation | report")
    entity: Entity | None
    relation: Relation | None
    sources: list[Source]


@strawberry.type
class Adoption:
    adopter: Entity
    city: Entity | None
    date: str | None = strawberry.field(description="When, as precisely as the sources say.")
    relation: Relation


@strawberry.type
class TypeCount:
    type: str
    count: int


@dataclass(slots=True)
class _Dated:
    date: str
    kind: str
    node: Node | None
    edge: Edge | None


def _in_range(date: str, start: str | None, end: str | None) -> bool:
    if not date:
        return False
    if start and date[: len(start)] < start[: len(date)]:
        return False
    return not (end and date[: len(end)] > end[: len(date)])


async def neighbourhood(info: Info, node_id: str, depth: int, types: list[str] | None,
                        limit: int = MAX_NEIGHBOURHOOD) -> Neighbourhood:
    """Breadth-first, one batched store call per level, which also reads the nodes at the ends of
    that level's edges: round trips grow with depth, not size. MENTIONS edges (reports) are left out
    unless ``types`` asks for them."""
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}")
    store = info.context.store
    fields = node_fields(info, "nodes")
    types = types or [t for t in relationship_types() if t != "MENTIONS"]
    seen = {node_id: True}  # in the order found
    nodes: dict[str, Node] = {}
    edges: dict[str, Edge] = {}
    frontier = [node_id]
    truncated = False
    for _ in range(depth):
        found, ends = await info.context.read(store.aedges_with_ends, frontier, types, "both", fields)
        nodes.update(ends)
        frontier = []
        for e in found:
            edges.setdefault(e.id, e)
            for end in (e.source, e.target):
                if end not in seen:
                    if len(seen) >= limit:
                        truncated = True
                        continue
                    seen[end] = True
                    frontier.append(end)
        if not frontier:
            break
    if node_id not in nodes:  # no edges: read the node alone
        nodes.update(await info.context.read(store.aget_nodes, [node_id], fields))
    kept = {i: nodes[i] for i in seen if i in nodes}
    if fields is None:  # nodes read in part are never primed: another field could want the rest
        info.context.prime(list(kept.values()))
    return Neighbourhood(nodes=[Entity.of(n) for n in kept.values()],
                         relations=[Relation(edge=e) for e in edges.values()
                                    if e.source in kept and e.target in kept], truncated=truncated)


async def timeline(info: Info, entity_id: str | None, place_code: str | None, start: str | None,
                   end: str | None) -> list[TimelineItem]:
    if not entity_id and not place_code:
        raise ValueError("timeline needs entityId or placeCode")
    store = info.context.store
    items: list[_Dated] = []
    anchor_ids: list[str] = []
    if entity_id:
        anchor_ids.append(entity_id)
    if place_code:
        prefix = code_prefix(place_code)
        for event in await info.context.run(store.list_nodes, ["Event"], [prefix], 0, 1000):
            items.append(_Dated(event.date, "event", event, None))
    if anchor_ids:
        edges = await info.context.run(store.edges_of, anchor_ids, [], "both")
        others = await info.context.run(store.get_nodes, [e.source if e.target in anchor_ids else e.target
                                                          for e in edges])
        for e in edges:
            other = others.get(e.source if e.target in anchor_ids else e.target)
            if other is None:
                continue
            if other.type == "Event":
                items.append(_Dated(other.date, "event", other, e))
            elif other.type == "Report" and e.type == "MENTIONS":
                items.append(_Dated(other.date, "report", other, e))
            elif e.attrs.get("date"):
                items.append(_Dated(str(e.attrs["date"]), "relation", other, e))
    seen: set[tuple[str, str]] = set()
    out = []
    for item in sorted(items, key=lambda d: (d.date, d.kind, d.node.id if d.node else "")):
        key = (item.kind, item.node.id if item.node else item.edge.id if item.edge else "")
        if key in seen or not _in_range(item.date, start, end):
            continue
        seen.add(key)
        out.append(TimelineItem(
            date=item.date, kind=item.kind, entity=Entity.of(item.node) if item.node else None,
            relation=Relation(edge=item.edge) if item.edge else None,
            sources=[Source(row=s) for s in (item.edge.sources if item.edge else [])][:5],
        ))
    return out


async def adoptions(info: Info, policy_id: str) -> list[Adoption]:
    """Who adopted a policy, in which city, and when (the edge's date, else its earliest report's)."""
    edges = await info.context.edges_of(policy_id, ["ADOPTED"], "in")
    adopters = await info.context.run(info.context.store.get_nodes, [e.source for e in edges])
    report_ids = [s.report for e in edges for s in e.sources]
    reports = await info.context.run(info.context.store.get_nodes, report_ids)
    cities = await info.context.run(info.context.store.get_nodes,
                                    [f"Place:{city_code(a.code)}" for a in adopters.values() if a.code])
    out = []
    for e in edges:
        adopter = adopters.get(e.source)
        if adopter is None:
            continue
        dates = sorted(d for d in (reports[s.report].date for s in e.sources if s.report in reports) if d)
        date = str(e.attrs.get("date") or "") or (dates[0] if dates else "")
        city = cities.get(f"Place:{city_code(adopter.code)}") if adopter.code else None
        out.append(Adoption(adopter=Entity.of(adopter), city=Entity.of(city) if city else None,
                            date=date or None, relation=Relation(edge=e)))
    return sorted(out, key=lambda a: (a.date or "9999", a.adopter.node.name))
