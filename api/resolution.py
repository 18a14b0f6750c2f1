"""GraphQL for entity resolution: the review queue, judgements, the audit trail, and the editor's
merge / split / judge / add-alias mutations. ``Query`` inherits :class:`ResolutionQuery`; the
schema's ``Mutation`` is built from :class:`ResolutionMutation`. Every mutation needs the editor
role and returns the recorded change (who, when, why) with the entity it left behind."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loupan.api.types import MAX_PAGE, Entity
from loupan.graph.audit import Change, Judgement
from loupan.graph.merge import add_alias, merge, split
from loupan.ingest.resolve import decide, review_queue


def _page(first: int) -> int:
    if first < 0 or first > MAX_PAGE:
        raise ValueError(f"first must be between 0 and {MAX_PAGE}")
    return first


@strawberry.type(name="Judgement", description="A decision on whether two entities are one: same, "
                                               "not_same or unsure (the review queue), with who, when and why.")
class JudgementType:
    id: strawberry.ID
    a: strawberry.ID
    b: strawberry.ID
    decision: str
    who: str
    at: str
    reason: str
    score: float
    features: JSON

    @classmethod
    def of(cls, j: Judgement) -> JudgementType:
        return cls(id=strawberry.ID(j.id), a=strawberry.ID(j.a), b=strawberry.ID(j.b), decision=j.decision,
                   who=j.who, at=j.at, reason=j.reason, score=j.score, features=j.features)  # type: ignore[arg-type]


@strawberry.type(name="Change", description="One entry of the audit trail: a merge, split, judgement, "
                                            "alias or ingestion, with who, when and why.")
class ChangeType:
    id: strawberry.ID
    action: str
    targets: list[strawberry.ID]
    who: str
    at: str
    reason: str
    payload: JSON

    @classmethod
    def of(cls, c: Change) -> ChangeType:
        return cls(id=strawberry.ID(c.id), action=c.action, targets=[strawberry.ID(t) for t in c.targets],
                   who=c.who, at=c.at, reason=c.reason, payload=c.payload)  # type: ignore[arg-type]


@strawberry.type(description="A pair in the review queue: the resolver was unsure whether it is one entity.")
class Candidate:
    a: Entity
    b: Entity
    score: float
    features: JSON = strawberry.field(description="What matched: rule (key, alias, homophone, brand prefix, "
                                                  "fuzzy …), and the values that decided it.")
    judgement_id: strawberry.ID


@strawberry.type(description="What a resolution mutation did, and the entity it left behind.")
class ResolutionResult:
    change: ChangeType
    entity: Entity | None


@strawberry.type
class ResolutionQuery:
    @strawberry.field(description="The review queue: pairs the resolver was unsure of, best score first.")
    async def candidates(self, info: Info, type: str | None = None, first: int = 20) -> list[Candidate]:
        store = info.context.store
        items = await info.context.run(review_queue, store, type, _page(first))
        nodes = await info.context.run(store.get_nodes, [x for i in items for x in (i.a, i.b)])
        info.context.prime(list(nodes.values()))
        return [Candidate(a=Entity.of(nodes[i.a]), b=Entity.of(nodes[i.b]), score=i.score,
                          features=i.features, judgement_id=strawberry.ID(i.judgement.id))
                for i in items if i.a in nodes and i.b in nodes]

    @strawberry.field(description="Judgements touching an entity (all when no id), oldest first.")
    async def judgements(self, info: Info, id: strawberry.ID | None = None) -> list[JudgementType]:
        found = await info.context.run(info.context.store.judgements, [str(id)] if id else [])
        return [JudgementType.of(j) for j in found]

    @strawberry.field(description="The audit trail, newest first; of one entity when an id is given.")
    async def changes(self, info: Info, id: strawberry.ID | None = None, first: int = 20) -> list[ChangeType]:
        found = await info.context.run(info.context.store.changes, str(id) if id else None, 0, _page(first))
        return [ChangeType.of(c) for c in found]


async def _result(info: Info, change: Change, entity_id: str | None) -> ResolutionResult:
    node = await info.context.run(info.context.store.get_node, entity_id) if entity_id else None
    return ResolutionResult(change=ChangeType.of(change), entity=Entity.of(node) if node else None)


@strawberry.type
class ResolutionMutation:
    @strawberry.mutation(description="Merge entities into one (editor); every edge, source and alias moves.")
    async def merge_entities(self, info: Info, ids: list[strawberry.ID], into: strawberry.ID,
                             reason: str) -> ResolutionResult:
        who = info.context.require("editor")
        change = await info.context.run(merge, info.context.store, [str(i) for i in ids], str(into), who, reason)
        return await _result(info, change, str(into))

    @strawberry.mutation(description="Undo a merge (editor): give a merged-away entity's id or the merge "
                                     "change's id. The pair is then judged not the same.")
    async def split_entity(self, info: Info, id: strawberry.ID, reason: str) -> ResolutionResult:
        who = info.context.require("editor")
        change = await info.context.run(split, info.context.store, str(id), who, reason)
        restored = change.payload.get("restored") or []
        return await _result(info, change, str(id) if str(id) in restored else (restored[0] if restored else None))

    @strawberry.mutation(description="Judge a pair (editor): same (merges them), not_same (never merged "
                                     "automatically again) or unsure.")
    async def judge(self, info: Info, a: strawberry.ID, b: strawberry.ID, decision: str,
                    reason: str) -> ResolutionResult:
        who = info.context.require("editor")
        done = await info.context.run(decide, info.context.store, str(a), str(b), decision, who, reason)
        return await _result(info, done.change, done.into or str(a))

    @strawberry.mutation(description="Add a name an entity is also known by (editor).")
    async def add_alias(self, info: Info, id: strawberry.ID, alias: str, reason: str) -> ResolutionResult:
        who = info.context.require("editor")
        change = await info.context.run(add_alias, info.context.store, str(id), alias, who, reason)
        return await _result(info, change, str(id))

