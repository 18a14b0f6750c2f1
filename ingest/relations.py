"""Relations between the entities of one report, each with the sentence or phrase it rests on."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .core import Doc, Span
from .lexicon import ADOPT_VERBS, DEVELOPER_ROLES

Rel = tuple[str, str, str, int, int]  # type, source key, target key, evidence start, end
_ADOPT_RE = re.compile("(" + "|".join(sorted(ADOPT_VERBS, key=len, reverse=True)) + r")(?:了|好|的)?[^,。;]{0,6}$")
_ISSUE_RE = re.compile(r"(制定|印发|出台|发布|下发|联合印发|出台了|印发了)(?:的)?$")
_OUTSIDE = {"Project", "Developer", "Outlet", "Person", "Official", "Policy"}


def ekey(sp: Span) -> str:
    return f"{sp.type}|{sp.key}"


def _top(doc: Doc, sp: Span) -> bool:
    """Not nested inside a project, developer, outlet or document name."""
    return not any(o.type in _OUTSIDE for o in doc.containers(sp))


def _is_province(sp: Span) -> bool:
    return sp.type == "Place" and sp.attrs.get("level") == "province"


def relate(doc: Doc) -> list[Rel]:
    out: list[Rel] = []
    out += _structural(doc)
    out += _developers(doc)
    out += _project_places(doc)
    out += _events(doc)
    out += _policies(doc)
    out += _people(doc)
    out += _handles(doc)
    return out


def _structural(doc: Doc) -> Iterator[Rel]:
    places = {p.key: p for p in doc.of_type("Place")}
    for a in doc.of_type("Agency"):
        pk = a.attrs.get("place")
        if pk and pk in places and not _is_province(places[pk]):
            yield ("LOCATED_IN", ekey(a), "Place|" + pk, a.start, a.end)
    projects = doc.of_type("Project")
    for pr in projects:
        # 融创春风十里项目……两个住宅地块分别为云澜苑和云秀苑
        ss, se = doc.sentence_of(pr.start)
        m = re.compile(r"[^。;]{0,16}?(分别为|分为|包括|包含)").match(doc.t, pr.end)
        if m:
            pos = m.end()
            for q in projects:
                if q.start == pos and q.key != pr.key:
                    yield ("PART_OF", ekey(q), ekey(pr), pr.start, se)
                    pos = q.end + 1 if doc.t[q.end : q.end + 1] in ("和", "、", "及", "与") else -1
        if pr.attrs.get("part_of"):
            yield ("PART_OF", ekey(pr), "Project|" + pr.attrs["part_of"], pr.start, pr.end)
    for p in doc.of_type("Place"):
        for code in p.attrs.get("chain", []):
            parent = places.get("code:" + code)
            if parent is not None and not _is_province(parent):
                yield ("PART_OF", ekey(p), ekey(parent), p.start, p.end)
        par = p.attrs.get("parent")
        if par and "code:" + par in places:
            yield ("PART_OF", ekey(p), "Place|code:" + par, p.start, p.end)


def _sentence_spans(doc: Doc, pos: int, *types: str) -> list[Span]:
    ss, se = doc.sentence_of(pos)
    return [s for s in doc.of_type(*types) if ss <= s.start < se]


def _developers(doc: Doc) -> Iterator[Rel]:
    projects = doc.of_type("Project")
    devs = doc.of_type("Developer")
    for a, b in zip(devs, devs[1:], strict=False):  # 正商地产旗下河南正商置业有限公司
        gap = doc.t[a.end : b.start]
        if re.fullmatch(r"(集团|地产|控股|置业)?(旗下|下属|控股的|全资子公司|子公司)(的)?", gap) and a.key != b.key:
            yield ("SUBSIDIARY_OF", ekey(b), ekey(a), a.start, b.end)
    for d in doc.of_type("Developer"):
        inside = [p for p in projects if p.start <= d.start and d.end <= p.end]
        if inside:
            target = "Project|" + inside[0].attrs.get("part_of", inside[0].key)
            yield ("DEVELOPS", ekey(d), target, inside[0].start, inside[0].end)
            continue
        if not any(doc.t.endswith(r, 0, d.start) for r in DEVELOPER_ROLES):
            continue
        same = _sentence_spans(doc, d.start, "Project")
        before = [p for p in same if p.end <= d.start]
        target = before[-1] if before else (same[0] if same else None)
        if target is None:
            ps, _ = doc.paragraph_of(d.start)
            prior = [p for p in projects if ps <= p.start < d.start]
            target = prior[-1] if prior else None
        if target is not None:
            ss, se = doc.sentence_of(d.start)
            yield ("DEVELOPS", ekey(d), ekey(target), ss, se)


def _project_places(doc: Doc) -> Iterator[Rel]:
    located: set[str] = set()
    places = [p for p in doc.of_type("Place") if not _is_province(p)]
    projects = doc.of_type("Project")
    for p in projects:
        inner = [x for x in places if p.start <= x.start and x.end <= p.end]
        if inner:
            located.add(p.key)
            yield ("LOCATED_IN", ekey(p), ekey(inner[0]), p.start, p.end)
            continue
        after = doc.t[p.end : p.end + 8]
        m = re.match(r"(?:项目|小区|楼盘)?(?:位于|坐落于|地处)", after)
        if m:
            pos = p.end + m.end()
            here = [x for x in places if x.start == pos]
            if here:
                located.add(p.key)
                yield ("LOCATED_IN", ekey(p), ekey(here[0]), p.start, here[0].end)
    for p in projects:
        if p.key in located:
            continue
        ss, _ = doc.sentence_of(p.start)
        ps, _ = doc.paragraph_of(p.start)
        cands = [x for x in places if ss <= x.start < p.start and _top(doc, x) and doc.covered(x.start, {"Agency"}) is None]
        if not cands:
            cands = [x for x in places if ps <= x.start < p.start and _top(doc, x) and doc.covered(x.start, {"Agency"}) is None]
        if cands:
            located.add(p.key)
            ss2, se2 = doc.sentence_of(p.start)
            yield ("LOCATED_IN", ekey(p), ekey(cands[-1]), ss2, se2)


def _events(doc: Doc) -> Iterator[Rel]:
    for ev in doc.of_type("Event"):
        kind = ev.attrs.get("kind")
        if kind not in ("meeting", "inspection"):
            continue
        ss, se = doc.sentence_of(ev.start)
        for pl in doc.of_type("Place"):
            if ss <= pl.start < ev.end and not _is_province(pl) and _top(doc, pl):
                yield ("LOCATED_IN", ekey(ev), ekey(pl), ss, se)
        if kind == "inspection" and ev.attrs.get("leader"):
            yield ("LEADS", "Official|" + ev.attrs["leader"], ekey(ev), ss, se)
        if kind == "meeting":
            for o in doc.of_type("Official"):
                if ss <= o.start < ev.start and re.search(r"(主持|召开|组织)[^,。]{0,12}$", doc.t[o.end : ev.start]):
                    yield ("LEADS", ekey(o), ekey(ev), o.start, ev.end)


def _subjects(doc: Doc, pos: int, *, paragraph: bool, taskforce: bool = False) -> list[Span]:
    lo = doc.paragraph_of(pos)[0] if paragraph else doc.sentence_of(pos)[0]
    cands = [
        s for s in doc.of_type("Place", "Agency", "TaskForce", "Organization")
        if lo <= s.start and s.end <= pos and _top(doc, s) and not _is_province(s)
    ]
    # an agency whose place is nested in it counts once, as the agency
    cands = [c for c in cands if not (c.type == "Place" and doc.covered(c.start, {"Agency"}) is not None and doc.covered(c.start, {"Agency"}) is not c)]
    if not cands:
        return []
    if not taskforce:
        cands = [c for c in cands if c.type != "TaskForce"]
    if not cands:
        return []
    last = cands[-1]
    out = [last]
    for c in reversed(cands[:-1]):
        gap = doc.t[c.end : out[0].start]
        if c.type == last.type and re.fullmatch(r"(和|与|及|、)[\u4e00-\u9fff]{0,2}", gap):
            out.insert(0, c)
        else:
            break
    return out


def _policies(doc: Doc) -> Iterator[Rel]:
    t = doc.t
    for pol in doc.of_type("Policy"):
        if not _top(doc, pol):
            continue
        cs = pol.start
        while cs > 0 and t[cs - 1] not in ",。;!?\n":
            cs -= 1
        lead = t[cs : pol.start]
        if pol.attrs.get("kind") == "document":
            inner = [a for a in doc.of_type("Agency") if a.start == pol.start + 1]
            if inner:
                yield ("ISSUED", ekey(inner[0]), ekey(pol), pol.start, pol.end)
                continue
            if _ISSUE_RE.search(lead):
                subj = _subjects(doc, pol.start, paragraph=False)
                agencies = [s for s in subj if s.type != "Place"]
                for s in agencies or subj:
                    yield ("ISSUED", ekey(s), ekey(pol), s.start, pol.end)
            continue
        ce = pol.end
        while ce < len(t) and t[ce] not in ",。;!?\n":
            ce += 1
        alone = t[cs : ce].strip("“”") == t[pol.start : pol.end].strip("“”")
        if _ADOPT_RE.search(lead) or _ADOPT_RE.search(lead.rstrip("“")) or alone:
            subj = (
                _subjects(doc, pol.start, paragraph=False)
                or _subjects(doc, pol.start, paragraph=True)
                or _subjects(doc, doc.paragraph_of(pol.start)[0] - 1, paragraph=True)
                or _subjects(doc, pol.start, paragraph=False, taskforce=True)
            )
            for s in subj:
                yield ("ADOPTED", ekey(s), ekey(pol), min(s.start, cs), pol.end)
        # a policy naming a class of projects applies to the projects listed with it
        if re.match(r"”?(资金)?项目", t[pol.end : pol.end + 5]):
            ss, se = doc.sentence_of(pol.start)
            targets = [p for p in doc.of_type("Project") if ss <= p.start < se]
            if not targets and se < len(t):
                ns, ne = doc.sentence_of(se)
                targets = [p for p in doc.of_type("Project") if ns <= p.start < ne]
                se = ne
            for p in targets:
                yield ("APPLIES_TO", ekey(pol), ekey(p), ss, se)


def _people(doc: Doc) -> Iterator[Rel]:
    for o in doc.of_type("Official", "Person"):
        ok = o.attrs.get("org_key")
        if ok and o.attrs.get("org_type") in ("Agency", "TaskForce", "Organization"):
            yield ("MEMBER_OF", ekey(o), f"{o.attrs['org_type']}|{ok}", o.attrs.get("title_start", o.start), o.end)
    for tf in doc.of_type("TaskForce"):
        lead = doc.t[max(0, tf.start - 6) : tf.start]
        if re.search(r"(成立|组建|设立|组织成立)(了)?$", lead):
            subj = [s for s in _subjects(doc, tf.start, paragraph=False) if s.type == "Agency"]
            for s in subj:
                yield ("LEADS", ekey(s), ekey(tf), s.start, tf.end)


def _handles(doc: Doc) -> Iterator[Rel]:
    t = doc.t
    for a in doc.of_type("Agency", "Organization", "TaskForce"):
        ss, se = doc.sentence_of(a.start)
        for d in doc.of_type("Developer", "Project"):
            if a.end <= d.start < se and re.fullmatch(r"(依法)?(裁定)?(受理|审理|处置|督办|约谈)(了)?", t[a.end : d.start]):
                yield ("HANDLES", ekey(a), ekey(d), a.start, d.end)
