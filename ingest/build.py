"""Turn parsed inputs (structured records, text extractions) into graph rows with provenance.

Node ids are ``Type:key`` with keys from :mod:`loupan.ingest.normalize`; every edge carries the
:class:`Source` it came from, and every entity gets a ``MENTIONS`` edge from its report carrying
the quote (text) or the field (records) that named it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from loupan.graph.model import EdgeRow, NodeRow, Source
from loupan.ingest import matching
from loupan.ingest.matching import developer_key
from loupan.ingest.normalize import agency_core, clean_name, fold, node_id
from loupan.ingest.places import Division, gazetteer
from loupan.ingest.records import Record

RECORDS_VERSION = "records-1"
GAZETTEER_REPORT = "Report:gb-t-2260"
MUNICIPALITIES = ("11", "12", "31", "50")


@dataclass(slots=True)
class Rows:
    nodes: list[NodeRow] = field(default_factory=list)
    edges: list[EdgeRow] = field(default_factory=list)

    def extend(self, other: Rows) -> None:
        self.nodes.extend(other.nodes)
        self.edges.extend(other.edges)


def content_hash(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def report_id(identity: str) -> str:
    """A report is identified by its URL when it has one, else by its content hash."""
    return "Report:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20]


@cache
def region_names() -> frozenset[str]:
    names: set[str] = set()
    for div in gazetteer():
        if div.level in ("province", "prefecture"):
            names.update((div.name, div.short))
    return frozenset(n for n in names if len(n) >= 2)


def city_of(code: str) -> Division | None:
    """The prefecture-level unit a division belongs to (a municipality for its districts)."""
    chain = gazetteer().chain(code)
    if not chain:
        return None
    for div in chain:
        if div.level == "prefecture":
            return div
    if chain[0].code[:2] in MUNICIPALITIES:
        return chain[0]
    return chain[-1]


def place_rows(code: str) -> Rows:
    """The Place nodes from a division up to its province, with PART_OF between them."""
    rows = Rows()
    chain = gazetteer().chain(code)
    for div in chain:
        rows.nodes.append(NodeRow(
            id=node_id("Place", div.code), type="Place", name=div.name,
            aliases=[a for a in (div.short, gazetteer().display_name(div.code)) if a and a != div.name],
            key=div.code, code=div.code, level=div.level,
            attrs={"full_name": gazetteer().display_name(div.code)},
        ))
    for child, parent in zip(chain[1:], chain, strict=False):
        rows.edges.append(EdgeRow("PART_OF", node_id("Place", child.code), node_id("Place", parent.code),
                                  [Source(GAZETTEER_REPORT, quote=gazetteer().display_name(child.code),
                                          field="parent_code", by="gazetteer")]))
    return rows


def gazetteer_report() -> NodeRow:
    return NodeRow(id=GAZETTEER_REPORT, type="Report", name="GB/T 2260 中华人民共和国行政区划代码",
                   attrs={"kind": "reference"})


def developer_row(name: str) -> NodeRow:
    core = developer_key(name, region_names())
    aliases = [a for a in {fold(name), core} if a != name]
    return NodeRow(id=node_id("Developer", core), type="Developer", name=name, aliases=aliases, key=core)


def project_key(name: str, code: str) -> str:
    """``<city code>:<core>``: the prefecture-level city (so 涿州市 and 保定市 meet), the core
    without bracket notes, leading place names or Arabic phase numbers (see ``matching``)."""
    return matching.project_key(name, code)


def records_rows(records: Iterable[Record], report: NodeRow) -> tuple[Rows, list[tuple[str, str]]]:
    """Rows for structured records, and (record ref, problem) for records that could not be placed."""
    rows = Rows(nodes=[report, gazetteer_report()])
    problems: list[tuple[str, str]] = []
    for rec in records:
        f = rec.fields
        place = gazetteer().resolve(f.get("province"), f.get("city"), f.get("district"))
        if place is None:
            place = gazetteer().resolve(f.get("province"), None) if f.get("province") else None
            kept = f"in {place.name} alone" if place else "without a place"
            problems.append((rec.ref, f"cannot place province={f.get('province')!r} city={f.get('city')!r} "
                                      f"in the GB/T 2260 gazetteer; the project was kept {kept}"))
        code = place.code if place else ""

        def src(field_name: str, rec: Record = rec) -> Source:
            return Source(report.id, quote=rec.fields.get(field_name, ""), record=rec.ref, field=field_name,
                          by=RECORDS_VERSION)

        cleaned = clean_name(f["name"])
        key = project_key(f["name"], code)
        attrs: dict[str, Any] = {**rec.extra}
        if cleaned.notes:
            attrs["notes"] = list(cleaned.notes)
        project = NodeRow(id=node_id("Project", key), type="Project", name=cleaned.core,
                          aliases=[*cleaned.aliases, *([f["name"]] if f["name"] != cleaned.core else [])],
                          key=key, code=code, attrs=attrs)
        rows.nodes.append(project)
        rows.edges.append(EdgeRow("MENTIONS", report.id, project.id, [src("name")]))
        if place:
            rows.extend(place_rows(code))
            place_id = node_id("Place", code)
            rows.edges.append(EdgeRow("LOCATED_IN", project.id, place_id, [src("city")]))
            rows.edges.append(EdgeRow("MENTIONS", report.id, place_id, [src("city")]))
        developer = developer_row(f["developer"]) if f.get("developer") else None
        if developer:
            rows.nodes.append(developer)
            rows.edges.append(EdgeRow("MENTIONS", report.id, developer.id, [src("developer")]))
        if f.get("subsidiary"):
            sub = developer_row(f["subsidiary"])
            rows.nodes.append(sub)
            rows.edges.append(EdgeRow("MENTIONS", report.id, sub.id, [src("subsidiary")]))
            rows.edges.append(EdgeRow("DEVELOPS", sub.id, project.id, [src("subsidiary")]))
            if developer and developer.id != sub.id:
                rows.edges.append(EdgeRow("SUBSIDIARY_OF", sub.id, developer.id, [src("subsidiary")]))
        elif developer:
            rows.edges.append(EdgeRow("DEVELOPS", developer.id, project.id, [src("developer")]))
    return rows, problems


CONTEXT_CHARS = 24
KEYED_BY_PLACE = ("Agency", "TaskForce", "Organization", "Person", "Official", "Project", "Event")


def _context(text: str, start: int, end: int) -> tuple[str, int, int]:
    lo, hi = max(0, start - CONTEXT_CHARS), min(len(text), end + CONTEXT_CHARS)
    return text[lo:hi], lo, hi


def _name_code(name: str) -> str:
    """The division a name starts with, following a chain of places to the deepest one
    (平顶山市住建局 → 410400, 平顶山市新华区住建局 → 410402), when that is unambiguous."""
    from loupan.ingest.matching import place_chain_prefix

    text = fold(name)
    code, _ = place_chain_prefix(text)
    if code:
        return code
    for length in range(min(12, len(text)), 1, -1):
        found = gazetteer().find(text[:length])
        if len(found) == 1:
            return found[0].code
    return ""


# Relationships through which an entity without a place of its own takes its partner's place:
# the agency that leads a task force, the task force an official belongs to, and so on.
PLACE_CARRYING = ("LEADS", "MEMBER_OF", "HOLDS_POSITION", "PART_OF", "HANDLES", "LOCATED_IN")


def entity_codes(extraction: Any) -> dict[str, str]:
    """A division code for every extracted entity that can be placed, by attribute, by a relation to
    a Place, by its name, or through a related entity that is placed (two rounds)."""
    codes: dict[str, str] = {}
    for ent in extraction.entities:
        code = str(ent.attrs.get("code") or "")
        if not code and ent.type not in ("Place", "Policy", "Outlet", "Developer"):
            code = _name_code(ent.name)
        if code:
            codes[ent.id] = code
    surfaces = {fold(x): e.id for e in extraction.entities for x in (e.name, *(m.text for m in e.mentions))}
    for ent in extraction.entities:  # a person takes the place of the body named as theirs (区长 of 新华区)
        org = surfaces.get(fold(str(ent.attrs.get("org") or "")))
        if ent.type in ("Official", "Person") and ent.id not in codes and org in codes:
            codes[ent.id] = codes[org]
    for _ in range(2):
        for rel in extraction.relations:
            if rel.type not in PLACE_CARRYING:
                continue
            for a, b in ((rel.source, rel.target), (rel.target, rel.source)):
                if a not in codes and b in codes:
                    codes[a] = codes[b]
    return codes


def _graph_node(ent: Any, code: str, report_id: str) -> NodeRow:
    """The node for an extracted entity; its id depends only on type, normalized key and, for an
    entity that is neither placed nor distinctive by name (工作专班, a person with no place), the
    report it came from: such names are never merged across reports on the name alone."""
    name, typ = ent.name, ent.type
    local = report_id.removeprefix("Report:")[:12]
    attrs = {k: v for k, v in ent.attrs.items() if k not in ("code", "level", "date")}
    aliases = [m.text for m in ent.mentions if m.text != name]
    if typ == "Place":
        if code:
            return NodeRow(id=node_id("Place", code), type="Place", name=gazetteer().get(code).name  # type: ignore[union-attr]
                           if gazetteer().get(code) else name, aliases=aliases, key=code, code=code,
                           level=str(ent.attrs.get("level") or ""), attrs=attrs)
        return NodeRow(id=node_id("Place", fold(name)), type="Place", name=name, aliases=aliases, key=fold(name))
    if typ in ("Person", "Official"):
        key = f"{fold(name)}@{code or local}"
        labels = ["Person", "Official"] if typ == "Official" else ["Person"]
        return NodeRow(id=node_id("Person", key), type=typ, name=name, labels=labels, aliases=aliases,
                       key=key, code=code, attrs=attrs)
    if typ == "Developer":
        row = developer_row(name)
        row.aliases.extend(aliases)
        row.attrs = attrs
        return row
    if typ == "Project":
        key = project_key(name, code)
        cleaned = clean_name(name)
        return NodeRow(id=node_id("Project", key), type="Project", name=cleaned.core or name,
                       aliases=[*aliases, *cleaned.aliases], key=key, code=code, attrs=attrs)
    if typ == "Agency":
        core = agency_core(name)
        key = f"{code}:{core}" if code else core
    elif typ == "Event":
        date = str(ent.attrs.get("date") or "")
        key = f"{date or local}:{code}:{fold(name)}"
        return NodeRow(id=node_id("Event", key), type="Event", name=name, aliases=aliases, key=key,
                       code=code, date=date, attrs=attrs)
    elif typ in ("TaskForce", "Organization"):
        key = f"{code or local}:{fold(name)}"
        place = gazetteer().get(code) if code else None
        if typ == "TaskForce" and place and not _name_code(name):
            # 工作专班 set up by 闽侯县委县政府 is shown as 闽侯县工作专班; the bare name stays an alias
            aliases.append(name)
            name = place.name + name
    else:  # Policy, Outlet: national vocabulary, keyed by name alone
        key = fold(name).strip("“”\"《》")
    return NodeRow(id=node_id(typ, key), type=typ, name=name, aliases=aliases, key=key, code=code, attrs=attrs)


def extraction_rows(extraction: Any, report: NodeRow, text: str, extractor: str) -> Rows:
    """Rows for one report's extraction: its entities, relations, and a MENTIONS per entity."""
    rows = Rows(nodes=[report])
    codes = entity_codes(extraction)
    ids: dict[str, str] = {}
    for ent in extraction.entities:
        node = _graph_node(ent, codes.get(ent.id, ""), report.id)
        ids[ent.id] = node.id
        rows.nodes.append(node)
        if node.type == "Place" and node.code:
            rows.extend(place_rows(node.code))
        mention_sources = []
        for m in ent.mentions:
            quote, lo, hi = _context(text, m.start, m.end)
            mention_sources.append(Source(report.id, quote=quote, start=lo, end=hi, field=m.text, by=extractor))
        rows.edges.append(EdgeRow("MENTIONS", report.id, node.id, mention_sources))
        if ent.type == "Outlet" and ent.attrs.get("publisher"):
            rows.edges.append(EdgeRow("PUBLISHED_BY", report.id, node.id, mention_sources[:1]))
    for rel in extraction.relations:
        source, target = ids.get(rel.source), ids.get(rel.target)
        if not source or not target or source == target:
            continue
        ev = rel.evidence
        rows.edges.append(EdgeRow(rel.type, source, target,
                                  [Source(report.id, quote=ev.text, start=ev.start, end=ev.end, by=extractor)]))
    rows.edges.extend(position_edges(extraction, ids, report, text, extractor))
    return rows


POSITION_HOLDERS = ("Official", "Person")
POSITION_PLACES = ("Agency", "Organization", "TaskForce", "Developer", "Place")


def position_edges(extraction: Any, ids: dict[str, str], report: NodeRow, text: str, extractor: str) -> list[EdgeRow]:
    """HOLDS_POSITION from a person with a title to the body the title is held in (副市长 of 平顶山市,
    副组长 of its 领导小组). The edge keeps the title; when it held is read from its sources' dates."""
    by_surface: dict[str, Any] = {}
    for ent in extraction.entities:
        if ent.type in POSITION_PLACES:
            for surface in (ent.name, *(m.text for m in ent.mentions)):
                by_surface.setdefault(fold(surface), ent)
    edges = []
    for ent in extraction.entities:
        title, org = str(ent.attrs.get("title") or ""), str(ent.attrs.get("org") or "")
        body = by_surface.get(fold(org)) if org else None
        if ent.type not in POSITION_HOLDERS or not title or body is None or ent.id not in ids or body.id not in ids:
            continue
        mention = ent.mentions[0]
        quote, lo, hi = _context(text, mention.start, mention.end)
        edges.append(EdgeRow("HOLDS_POSITION", ids[ent.id], ids[body.id],
                             [Source(report.id, quote=quote, start=lo, end=hi, field=title, by=extractor)],
                             attrs={"title": title}))
    return edges
