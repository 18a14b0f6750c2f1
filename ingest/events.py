"""Dated happenings: meetings, inspections, stoppages and restarts, bankruptcy acceptances."""

from __future__ import annotations

import re

from .core import Doc, Span
from .dates import DateHit
from .lexicon import INSPECTION_VERBS, MEETING_HEADS
from .orgs import scan_back

_MEETING_RE = re.compile("|".join(re.escape(h) for h in sorted(MEETING_HEADS, key=len, reverse=True)))
_MEETING_STOPS = (
    "召开", "主持召开", "组织召开", "举行", "在", "次", "了", "部分", "出席", "参加", "的", "和", "与", "及",
    "于", "上", "为", "是", "开展", "各", "对", "将", "通过", "主持",
)
_INSPECT_RE = re.compile("|".join(re.escape(v) for v in INSPECTION_VERBS))
_HAPPEN_RE = re.compile(
    r"(?:(?:裁定)?受理[\u4e00-\u9fff]{0,8}?破产(?:重整|清算)(?:一案|案)?)|复工续建|复工|停工|(?:集中)?交付|交房"
    r"|回复了?(?:业主|网友|网民|群众|购房人)的?(?:留言|诉求|投诉|来信|提问)"
)
_PLAN_WORDS = ("计划", "预计", "将于", "拟", "力争", "争取", "确保", "要求", "原定", "若", "如果", "不能", "未能", "能否", "是否", "之前")
_CLAUSE_END = set(",。;!?\n:")
_NOT_YET = ("未", "没有", "应该", "应", "无法", "难以", "不能", "延期", "逾期", "推迟")


def _deadline(t: str, d: DateHit) -> bool:
    """在9月底完成, 7月底之前: a target date, not when something happened."""
    after = t[d.end : d.end + 3]
    return after.startswith(("前", "之前", "底前", "底之前", "以前")) or (t[d.start - 1 : d.start] == "在" and after.startswith("底"))


def _date_before(doc: Doc, dates: list[DateHit], pos: int, *, paragraph: bool) -> list[DateHit]:
    ss, _ = doc.sentence_of(pos)
    if paragraph:
        ss, _ = doc.paragraph_of(pos)
    found = [d for d in dates if ss <= d.start and d.end <= pos and not _deadline(doc.t, d)]
    if not found:
        return []
    last = found[-1]
    # "11月26日和12月9日": a list of dates joined by 和/、
    group = [last]
    for d in reversed(found[:-1]):
        gap = doc.t[d.end : group[0].start]
        if gap in ("和", "、", "及", "与"):
            group.insert(0, d)
        else:
            break
    return group


def find_events(doc: Doc, dates: list[DateHit]) -> None:
    t = doc.t
    for m in _MEETING_RE.finditer(t):
        s, e = m.start(), m.end()
        if doc.covered(s, {"Event", "Policy", "Outlet"}) is not None:
            continue
        if t.startswith(("制度", "机制", "纪要", "精神"), e):
            continue
        start = scan_back(t, s, 24, _MEETING_STOPS)
        if s - start < 2 and m.group() not in ("复工仪式",):
            continue
        group = _date_before(doc, dates, start, paragraph=True)
        if not group:
            if re.search(r"(召开|举行|主持)了?$", t[max(0, start - 4) : start]):
                text = t[start:e]
                doc.add(Span(start, e, "Event", "meeting:" + text, text, {"kind": "meeting"}))
            continue
        text = t[start:e]
        if len(group) > 1 and re.search(r"[两二三四]次", t[group[-1].end : start]):
            for d in group:
                doc.add(Span(start, e, "Event", f"meeting:{text}|{d.iso}", text, {"kind": "meeting", "date": d.iso}), force=True)
            continue
        doc.add(Span(start, e, "Event", "meeting:" + text, text, {"kind": "meeting", "date": group[-1].iso}))
    for sp in doc.of_type("Event"):
        if "date" not in sp.attrs:
            group = _date_before(doc, dates, sp.start, paragraph=False)
            if group:
                sp.attrs["date"] = group[-1].iso
    _inspections(doc, dates)
    _happenings(doc, dates)
    _merge_meetings(doc)


def _inspections(doc: Doc, dates: list[DateHit]) -> None:
    t = doc.t
    officials = doc.of_type("Official")
    for m in _INSPECT_RE.finditer(t):
        s = m.start()
        ss, _ = doc.sentence_of(s)
        leader = [o for o in officials if ss <= o.start < s]
        if not leader or doc.covered(s) is not None:
            continue
        lead = leader[-1]
        between = t[lead.end : s]
        if not (
            re.fullmatch(r"(带队|率队|一行|实地|深入|先后)*", between)
            or re.fullmatch(r"(先后)?(到|赴|来到|前往|深入)[^,。;]{0,24}", between)
            or re.search(r"[,]$", between)
        ):
            continue
        e = s
        while e < len(t) and t[e] not in _CLAUSE_END:
            e += 1
        group = _date_before(doc, dates, s, paragraph=False)
        if not group or e - s < 4:
            continue
        text = t[s:e]
        doc.add(Span(s, e, "Event", "visit:" + text, text, {"kind": "inspection", "date": group[-1].iso, "leader": lead.key}))


def _happenings(doc: Doc, dates: list[DateHit]) -> None:
    t = doc.t
    for m in _HAPPEN_RE.finditer(t):
        s, e = m.start(), m.end()
        if doc.covered(s) is not None:
            continue
        ss, _ = doc.sentence_of(s)
        before = [d for d in dates if ss <= d.start and d.end <= s]
        if not before:
            continue
        d = before[-1]
        gap = t[d.end : s]
        if _deadline(t, d) or "“" in gap or "”" in gap or any(w in t[max(ss, d.start - 4) : s] for w in _PLAN_WORDS) or len(gap) > 70:
            continue
        cs = max(t.rfind(ch, 0, s) for ch in ",。;!?\n") + 1
        if any(w in t[cs:s] for w in _NOT_YET):
            continue
        if t.startswith(("复产", "复建"), e):
            continue
        text = t[s:e]
        if text.startswith("回复"):
            kind = "response"
        elif text.endswith(("交付", "交房")):
            if d.iso > (doc.published or "9999") or t.startswith(("条件", "标准", "时间", "日期", "计划"), e):
                continue  # a delivery date still ahead of the report is a plan
            kind = "delivery"
        else:
            kind = "restructuring" if "破产" in text else ("stoppage" if text == "停工" else "restart")
        doc.add(Span(s, e, "Event", f"{kind}:{d.iso}", text, {"kind": kind, "date": d.iso}))


def _merge_meetings(doc: Doc) -> None:
    """Two meeting names in one paragraph that share a long tail name the same meeting."""
    meetings = [s for s in doc.of_type("Event") if s.attrs.get("kind") == "meeting" and "|" not in s.key]
    for i, a in enumerate(meetings):
        for b in meetings[i + 1 :]:
            if doc.paragraph_of(a.start) != doc.paragraph_of(b.start):
                continue
            k = 0
            while k < min(len(a.name), len(b.name)) and a.name[-1 - k] == b.name[-1 - k]:
                k += 1
            if k >= 6:
                b.key = a.key
                if "date" in a.attrs or "date" in b.attrs:
                    a.attrs.setdefault("date", b.attrs.get("date"))
