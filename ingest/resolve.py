"""Entity resolution at write time, and the review queue it feeds.

Before rows are written, :meth:`Resolver.resolve` rewrites ids that earlier merges redirected (a
merged-away entity never comes back through re-ingestion). After they are written,
:meth:`Resolver.after_write` matches the entities that are new to the store against the registry
of known ones (:mod:`loupan.ingest.matching`: blocks, then rules, then rapidfuzz inside blocks) and
acts on what the scores say:

- at or above ``AUTO_MERGE`` with one clear candidate: merge, as a recorded, undoable graph
  operation (:func:`loupan.graph.merge.merge_groups`, who = ``resolver``);
- from ``REVIEW_MIN``: an ``unsure`` judgement by ``resolver`` — the review queue, kept in the
  store beside the graph, so it survives restarts;
- a pair judged ``not_same`` is never merged again, by anyone's automation; one judged ``same``
  is merged whenever both sides turn up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from loupan.errors import ResolutionError
from loupan.graph.audit import Change, Judgement
from loupan.graph.merge import RESOLVER, merge, merge_groups
from loupan.graph.store import GraphStore
from loupan.ingest.build import Rows, region_names
from loupan.ingest.matching import (
    AUTO_MERGE,
    BRANDS,
    REVIEW_MIN,
    Candidate,
    Entry,
    Matcher,
    developer_key,
    entry_for,
)

RESOLVED = ("Project", "Developer", "Agency", "Person", "Official")
REFRESH_SCAN = 500  # recent changes read before each write to catch up with reviewers
MAX_QUEUED = 3  # review candidates recorded per new entity


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass(slots=True)
class Outcome:
    merged: list[tuple[str, str, float]] = field(default_factory=list)   # (merged id, into, score)
    queued: list[Candidate] = field(default_factory=list)


class Resolver:
    """One per ingestion run; reads merges and judgements once, then keeps them current."""

    def __init__(self, store: GraphStore, *, auto_merge: bool = True,
                 names: list[dict[str, Any]] | None = None) -> None:
        """``names``: the store's :meth:`~GraphStore.name_rows`, when the caller has just read them (a
        full scan: at a million nodes, worth doing once); the registry is then built at once from
        them. Otherwise the names are read when the registry is first needed."""
        self.store = store
        self.auto_merge = auto_merge
        self._names = names
        self.redirects: dict[str, str] = {}
        self.decisions: dict[tuple[str, str], str] = {}
        self._seen: set[str] = set()
        self._matcher: Matcher | None = None
        self._brands: tuple[str, ...] = BRANDS
        self._apply(store.changes(limit=100000))
        self._read_judgements()
        if names is not None:
            self.matcher  # noqa: B018  (built now, from the names as they were read)

    def _apply(self, changes: list[Change]) -> bool:
        """Follow merges and splits (given newest first) not seen yet; whether there were any."""
        fresh = [c for c in changes if c.id not in self._seen]
        for change in reversed(fresh):
            self._seen.add(change.id)
            if change.action == "merge":
                into = str(change.payload.get("into", ""))
                for merged in change.payload.get("merged", []):
                    self.redirects[str(merged)] = into
                    self._forget(str(merged))
            elif change.action == "split":
                for restored in change.payload.get("restored", []):
                    self.redirects.pop(str(restored), None)
        return bool(fresh)

    def _forget(self, node_id: str) -> None:
        if self._matcher is not None:
            self._matcher.remove(node_id)

    def forget(self, ids: Iterable[str]) -> None:
        """Entities deleted from the store: out of the registry, so nothing new merges into them."""
        for node_id in ids:
            self._forget(node_id)

    def _read_judgements(self) -> None:
        self.decisions = {}
        for j in self.store.judgements():  # oldest first: the newest decision for a pair wins
            self.decisions[pair(j.a, j.b)] = j.decision

    def refresh(self) -> None:
        """Catch up with merges, splits and judgements others made since (an API process keeps one
        resolver for its lifetime; reviewers act beside it)."""
        if self._apply(self.store.changes(limit=REFRESH_SCAN)):
            self._read_judgements()

    # -- before writing ----------------------------------------------------------------------
    def canonical(self, node_id: str) -> str:
        seen = set()
        while node_id in self.redirects and node_id not in seen:
            seen.add(node_id)
            node_id = self.redirects[node_id]
        return node_id

    def resolve(self, rows: Rows) -> Rows:
        if self._matcher is None:
            self.matcher  # noqa: B018  (the registry is read before these rows are written)
        else:
            self.refresh()
        if not self.redirects:
            return rows
        for node in rows.nodes:
            node.id = self.canonical(node.id)
        for edge in rows.edges:
            edge.source, edge.target = self.canonical(edge.source), self.canonical(edge.target)
        rows.edges = [e for e in rows.edges if e.source != e.target]
        return rows

    # -- after writing -----------------------------------------------------------------------
    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            names, self._names = self._names, None
            rows = [r for r in (names if names is not None else self.store.name_rows()) if r["type"] in RESOLVED]
            devs = {developer_key(r.get("name") or "", region_names()) for r in rows if r["type"] == "Developer"}
            self._brands = tuple(sorted({*BRANDS, *(d for d in devs if 2 <= len(d) <= 4)}))
            self._matcher = Matcher()
            for r in rows:
                entry = self._entry(r["id"], r["type"], r.get("name") or "", r.get("aliases") or [],
                                    r.get("code") or "")
                if entry is not None:
                    self._matcher.add(entry)
        return self._matcher

    def _entry(self, node_id: str, type_: str, name: str, aliases: Iterable[str], code: str) -> Entry | None:
        return entry_for(node_id, type_, name, aliases, code, brands=self._brands, regions=region_names())

    def decided(self, a: str, b: str) -> str | None:
        return self.decisions.get(pair(a, b))

    def after_write(self, rows: Rows) -> Outcome:
        """Match the entities of ``rows`` that are new to the registry; merge or queue them."""
        matcher = self.matcher
        outcome = Outcome()
        fresh: dict[str, Entry] = {}
        for node in rows.nodes:
            if node.type not in RESOLVED:
                continue
            entry = self._entry(node.id, node.type, node.name, node.aliases, node.code)
            if entry is None:
                continue
            if node.id in matcher.by_id:
                matcher.add(entry)  # known: learn its new names
            elif node.id in fresh:
                fresh[node.id] = Entry(entry.id, entry.type, entry.scope,
                                       tuple(dict.fromkeys((*fresh[node.id].forms, *entry.forms))), entry.province)
            else:
                fresh[node.id] = entry
        groups: dict[str, list[str]] = {}
        scores: dict[str, tuple[float, dict[str, Any]]] = {}
        queued: list[Judgement] = []
        for entry in fresh.values():
            into, cands = self._decide(entry)
            if into is not None:
                groups.setdefault(into, []).append(entry.id)
                scores[entry.id] = (cands[0].score, {**cands[0].features, "new": entry.id, "existing": into})
                matcher.add(Entry(into, entry.type, entry.scope, entry.forms, entry.province))
                continue
            matcher.add(entry)
            for cand in cands[:MAX_QUEUED]:
                if self.decided(cand.a, cand.b) is None:
                    feats = {**cand.features, "new": cand.a, "existing": cand.b}
                    queued.append(Judgement(cand.a, cand.b, "unsure", RESOLVER,
                                            "the resolver's score is in the review band", cand.score, feats))
                    self.decisions[pair(cand.a, cand.b)] = "unsure"
                    outcome.queued.append(cand)
        if groups:
            order = list(groups.items())
            merge_groups(self.store, [(ids, into) for into, ids in order], RESOLVER,
                         [f"auto-merge: {', '.join(scores[i][1].get('match', '') for i in ids)}" for _, ids in order],
                         scores=[max(scores[i][0] for i in ids) for _, ids in order],
                         features=[scores[ids[0]][1] for _, ids in order])
            for into, ids in order:
                for i in ids:
                    self.redirects[i] = into
                    self.decisions[pair(i, into)] = "same"
                    outcome.merged.append((i, into, scores[i][0]))
        self.store.record_judgements(queued)
        return outcome

    def _decide(self, entry: Entry) -> tuple[str | None, list[Candidate]]:
        """Where a new entry goes: (the id to merge it into, or None; the candidates considered)."""
        cands = []
        for cand in self.matcher.match(entry, REVIEW_MIN):
            target = self.canonical(cand.b)
            if target == entry.id:
                continue
            decision = self.decided(entry.id, target)
            if decision == "not_same":
                continue
            if decision == "same":
                return target, [Candidate(entry.id, target, 100.0, {"match": "judged same"})]
            cands.append(Candidate(entry.id, target, cand.score, cand.features))
        if not cands or not self.auto_merge:
            return None, cands
        best = cands[0]
        rivals = [c for c in cands[1:] if c.score >= AUTO_MERGE and c.b != best.b]
        if best.score >= AUTO_MERGE and not rivals:
            return best.b, cands
        return None, cands


# -- the review queue ----------------------------------------------------------------------

@dataclass(slots=True)
class ReviewItem:
    a: str
    b: str
    score: float
    features: dict[str, Any]
    judgement: Judgement


def review_queue(store: GraphStore, type_: str | None = None, first: int = 20) -> list[ReviewItem]:
    """Pairs whose newest judgement is ``unsure`` and whose two entities both still exist, best first."""
    newest: dict[tuple[str, str], Judgement] = {}
    for j in store.judgements():
        newest[pair(j.a, j.b)] = j
    open_ = [j for j in newest.values() if j.decision == "unsure"]
    if type_:
        open_ = [j for j in open_ if j.a.split(":", 1)[0] == type_ or j.b.split(":", 1)[0] == type_]
    present = store.get_nodes([x for j in open_ for x in (j.a, j.b)])
    items = [ReviewItem(j.a, j.b, j.score, j.features, j) for j in open_ if j.a in present and j.b in present]
    if type_:
        items = [i for i in items if type_ in present[i.a].labels]
    items.sort(key=lambda i: (-i.score, i.a, i.b))
    return items[:first]


@dataclass(slots=True)
class Decision:
    judgement: Judgement
    change: Change
    into: str | None  # the surviving entity when the pair was merged


def decide(store: GraphStore, a: str, b: str, decision: str, who: str, reason: str) -> Decision:
    """A reviewer's decision on a pair; ``same`` merges the newer entity into the one that was there
    first (or ``b`` into ``a`` when the queue does not say)."""
    if decision not in ("same", "not_same", "unsure"):
        raise ResolutionError(f"decision must be same, not_same or unsure, not {decision!r}")
    if a == b:
        raise ResolutionError("a judgement needs two different entities")
    nodes = store.get_nodes([a, b])
    queued = [j for j in store.judgements([a]) if pair(j.a, j.b) == pair(a, b)]
    features: dict[str, Any] = dict(queued[-1].features) if queued else {}
    score = queued[-1].score if queued else 0.0
    if decision == "same" and len(nodes) == 2:
        into = str(features.get("existing") or a)
        other = b if into == a else a
        change = merge(store, [other], into, who, reason, score=score, features=features)
        return Decision(Judgement(other, into, "same", who, reason, score, features, at=change.at), change, into)
    judgement = Judgement(a, b, decision, who, reason, score, features)
    store.record_judgements([judgement])
    change = Change("judge", [a, b], who, reason, {"decision": decision, "judgement": judgement.id})
    store.record_changes([change])
    return Decision(judgement, change, None)
