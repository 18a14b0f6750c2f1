"""Offline extraction of typed entities and relations from a Chinese news report.

Rules, gazetteers and segmentation only; no model is downloaded. The text is width- and
script-folded character by character (see `text.fold`), so every span found in the folded text is
the same span in the original and every mention quotes the original.

    ex = extract(text, published="2022-07-14")
    json.dumps(ex.to_json(), ensure_ascii=False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from . import events, orgs, people, placematch, policies, projects
from .core import Doc, Span
from .dates import find_dates
from .relations import ekey, relate
from .seg import common_word
from .text import fold, is_cjk

EXTRACTOR_VERSION = "rules-2"

ENTITY_TYPES = ("Developer", "Project", "Person", "Official", "Agency", "Organization", "TaskForce", "Policy", "Place", "Event", "Outlet")


@dataclass(slots=True)
class Mention:
    text: str
    start: int
    end: int


@dataclass(slots=True)
class XEntity:
    id: str
    type: str
    name: str
    mentions: list[Mention]
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class XRelation:
    type: str
    source: str
    target: str
    evidence: Mention


@dataclass(slots=True)
class Extraction:
    entities: list[XEntity]
    relations: list[XRelation]

    def to_json(self) -> dict[str, Any]:
        return {
            "extractor": EXTRACTOR_VERSION,
            "entities": [
                {
                    "id": e.id,
                    "type": e.type,
                    "name": e.name,
                    "mentions": [{"text": m.text, "start": m.start, "end": m.end} for m in e.mentions],
                    "attrs": e.attrs,
                }
                for e in self.entities
            ],
            "relations": [
                {
                    "type": r.type,
                    "source": r.source,
                    "target": r.target,
                    "evidence": {"text": r.evidence.text, "start": r.evidence.start, "end": r.evidence.end},
                }
                for r in self.relations
            ],
        }


class KnownNames:
    """Names the graph already has. `add` is cheap; the automaton is rebuilt on the next use."""

    def __init__(self) -> None:
        self._names: dict[str, tuple[str, str]] = {}
        self._auto: Any = None

    def add(self, surface: str, type: str, canonical: str) -> None:
        key = fold(surface.strip())
        if len(key) < 2 or type not in ENTITY_TYPES:
            return
        if self._names.get(key) != (type, canonical):
            self._names[key] = (type, canonical)
            self._auto = None

    def __len__(self) -> int:
        return len(self._names)

    def matches(self, folded: str) -> list[tuple[int, int, str, str]]:
        if not self._names:
            return []
        if self._auto is None:
            auto = ahocorasick.Automaton()
            for surface, (typ, canonical) in self._names.items():
                auto.add_word(surface, (surface, typ, canonical))
            auto.make_automaton()
            self._auto = auto
        found = [(end + 1 - len(s), end + 1, typ, can) for end, (s, typ, can) in self._auto.iter(folded)]
        found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
        out: list[tuple[int, int, str, str]] = []
        last = -1
        for s, e, typ, can in found:
            if s >= last:
                out.append((s, e, typ, can))
                last = e
        return out


_BOUNDARY = set("在于和与及到从是对据为了的将由向被让、")
_CONTEXT_AFTER = ("项目", "小区", "楼盘", "集团", "公司", "地产", "置业", "控股", "”", "业主")


def _known(doc: Doc, known: KnownNames | None) -> None:
    """Names the graph has: rule-found spans take the graph's canonical name; the rest fill gaps."""
    if known is None or not len(known):
        return
    hits = known.matches(doc.t)
    exact = {(s, e): (typ, can) for s, e, typ, can in hits}
    for sp in doc.spans:
        got = exact.get((sp.start, sp.end))
        if got is not None and got[0] == sp.type and sp.type != "Place":
            sp.key, sp.name = "known:" + fold(got[1]), got[1]
            sp.attrs["known"] = True
    for s, e, typ, canonical in hits:
        if typ == "Place" or (s, e) in {(x.start, x.end) for x in doc.overlapping(s, e)}:
            continue
        surface = doc.t[s:e]
        prev = doc.t[s - 1 : s]
        if len(surface) <= 3 and prev and is_cjk(prev) and prev not in _BOUNDARY and doc.covered(s - 1) is None:
            continue  # inside a longer word (璀璨时代 for a known 时代)
        if len(surface) <= 3 and common_word(surface) and not doc.t.startswith(_CONTEXT_AFTER, e):
            continue  # a name that is also an ordinary word (时代, 中心) needs a project or company word after it
        doc.add(Span(s, e, typ, "known:" + fold(canonical), canonical, {"known": True}))


def extract(text: str, *, published: str | None = None, known: KnownNames | None = None) -> Extraction:
    doc = Doc(text=text, t=fold(text), published=published)
    dates = find_dates(doc.t, published)
    policies.find_documents(doc)
    policies.find_quotes(doc)
    orgs.find_outlets(doc)
    orgs.merge_outlets(doc)
    orgs.find_companies(doc)
    orgs.find_english_brands(doc)
    placematch.find_places(doc)
    orgs.find_agencies(doc)
    orgs.unify_courts(doc)
    orgs.find_organizations(doc)
    policies.link_accounts(doc)
    policies.find_policy_terms(doc)
    orgs.find_taskforces(doc)
    people.find_people(doc)
    projects.find_projects(doc)
    projects.nest_projects(doc)
    _known(doc, known)
    events.find_events(doc, dates)
    _drop_dangling_towns(doc)
    return _assemble(doc)


def _drop_dangling_towns(doc: Doc) -> None:
    """A town is a place of its own only where the text names it outside an agency name."""
    towns: dict[str, list[Span]] = {}
    for sp in doc.of_type("Place"):
        if sp.attrs.get("level") == "town":
            towns.setdefault(sp.key, []).append(sp)
    for spans in towns.values():
        if all(doc.covered(s.start, {"Agency"}) is not None for s in spans):
            for s in spans:
                s.attrs["internal"] = True


def _assemble(doc: Doc) -> Extraction:
    groups: dict[str, list[Span]] = {}
    for sp in sorted(doc.spans, key=lambda s: (s.start, -s.end)):
        if sp.type not in ENTITY_TYPES or sp.attrs.get("internal"):
            continue
        groups.setdefault(ekey(sp), []).append(sp)
    ids: dict[str, str] = {}
    entities: list[XEntity] = []
    for i, (key, spans) in enumerate(groups.items(), 1):
        eid = f"e{i}"
        ids[key] = eid
        first = spans[0]
        mentions = []
        seen: set[tuple[int, int]] = set()
        for s in spans:
            if (s.start, s.end) not in seen:
                seen.add((s.start, s.end))
                mentions.append(Mention(doc.text[s.start : s.end], s.start, s.end))
        attrs: dict[str, Any] = {}
        for s in spans:
            for k, v in s.attrs.items():
                if k in _PUBLIC_ATTRS and v not in (None, ""):
                    attrs.setdefault(k, v)
        entities.append(XEntity(eid, first.type, _entity_name(first, spans, doc), mentions, attrs))
    relations: list[XRelation] = []
    seen_rel: set[tuple[str, str, str]] = set()
    for typ, src, dst, ev_start, ev_end in relate(doc):
        if src not in ids or dst not in ids or src == dst:
            continue
        rk = (typ, ids[src], ids[dst])
        if rk in seen_rel:
            continue
        seen_rel.add(rk)
        relations.append(XRelation(typ, ids[src], ids[dst], Mention(doc.text[ev_start:ev_end], ev_start, ev_end)))
    return Extraction(entities, relations)


_PUBLIC_ATTRS = {"code", "level", "province", "title", "org", "date", "kind", "brand", "known", "account", "parent"}


def _entity_name(first: Span, spans: list[Span], doc: Doc) -> str:
    canonical = [s.name for s in spans if s.attrs.get("known")]
    if canonical:
        return canonical[0]
    if first.type == "Place":
        if first.attrs.get("code"):
            chained = [s for s in spans if s.attrs.get("chain")]
            if chained:
                return doc.t[chained[0].start : chained[0].end]
        return first.name
    if first.type == "Policy":
        named = [s.name for s in spans if s.name.endswith(("政策", "机制", "制度", "模式"))]
        return named[0] if named else max((s.name for s in spans), key=len)
    if first.type == "Agency":
        return max((s.name for s in spans), key=len)
    if first.type == "Project":
        longest = max(spans, key=lambda s: s.end - s.start)
        return doc.t[longest.start : longest.end]
    return first.name
