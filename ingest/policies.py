"""Quoted phrases (mechanisms, project names, account names, meeting names) and 《…》 documents."""

from __future__ import annotations

import re
from typing import Any

from .core import Doc, Span
from .lexicon import (
    ACCOUNT_ABBREV,
    DOC_ENDINGS,
    MEETING_HEADS,
    POLICY_RE,
    POLICY_TERMS,
    PROJECT_HEAD_SUFFIXES,
    PROJECT_LAST_CHARS,
)
from .orgs import scan_back
from .projects import generic
from .seg import verbal

_QUOTE_RE = re.compile(r"“([^“”\n]{1,40})”")
_BOOK_RE = re.compile(r"《([^《》\n]{2,80})》")
_NUM_MECH_RE = re.compile(r"^(?:的)?([一二三四五六七八九十两]+(?:大|项|个|条|种)?[\u4e00-\u9fff]{0,8}?(?:机制|模式|制度|措施|举措))")
_POLICY_NOUN_RE = re.compile(r"^(帮扶政策|专项借款|政策|帮扶机制|帮扶|挂联)")
_MECH_AFTER_RE = re.compile(r"^(?:的)?(?:工作)?(?:机制|模式|举措|工作举措|制度|政策|要求)")
_LOAN_RE = re.compile(r"专项借款")
_ACCOUNT_BEFORE = ("公众号", "微信号", "官方微信", "微博", "抖音号", "视频号", "头条号")
_TERMS = set(POLICY_TERMS)
_PROJECT_AFTER = ("项目", "小区", "楼盘", "工地")


def _policy_like(c: str) -> bool:
    if c in _TERMS or POLICY_RE.match(c):
        return True
    parts = re.split(r"[、,+]", c)
    return len(parts) > 1 and any(p in _TERMS or POLICY_RE.match(p) for p in parts)


def _add_policy(doc: Doc, s: int, e: int, name: str, kind: str, key: str | None = None, **extra: Any) -> Span | None:
    sp = Span(s, e, "Policy", key or "name:" + name, name, {"kind": kind, **extra})
    return sp if doc.add(sp) else None


def find_documents(doc: Doc) -> None:
    t = doc.t
    for m in _BOOK_RE.finditer(t):
        title = m.group(1)
        s, e = m.start(), m.end()
        if title.endswith(DOC_ENDINGS) or re.search(r"(印发|转发|发布|出台|制定)[^》]*$", t[max(0, s - 6) : s]) and title.endswith(DOC_ENDINGS):
            _add_policy(doc, s, e, t[s:e], "document", title=title)
        elif re.search(r"(日报|晚报|时报|商报|报|网|周刊|新闻)$", title) and len(title) <= 12:
            doc.add(Span(m.start(1), m.end(1), "Outlet", "name:" + title, title, {}))


def find_quotes(doc: Doc) -> None:
    t = doc.t
    for m in _QUOTE_RE.finditer(t):
        c = m.group(1)
        qs, qe = m.start(), m.end()
        after = t[qe : qe + 16]
        before = t[max(0, qs - 6) : qs]
        if before.endswith(_ACCOUNT_BEFORE):
            doc.add(Span(m.start(1), m.end(1), "Account", "name:" + c, c, {}))
            continue
        if c.endswith(MEETING_HEADS) and len(c) >= 5:
            doc.add(Span(m.start(1), m.end(1), "Event", "meeting:" + c, c, {"kind": "meeting"}))
            continue
        num = _NUM_MECH_RE.match(after)
        if num and ("、" in c or _policy_like(c)):
            name = num.group(1)
            sp = _add_policy(doc, qs, qe + num.end(), name, "mechanism")
            if sp is not None and c in _TERMS:
                pass
            continue
        noun = _POLICY_NOUN_RE.match(after)
        if noun and (_policy_like(c) or len(c) <= 6) and not after.startswith(_PROJECT_AFTER):
            if c in _TERMS:
                # a named instrument built on a slogan: “保交楼”专项借款
                end = qe + noun.end()
                _add_policy(doc, qs, end, t[qs:end], "mechanism")
            else:
                # “一对一”帮扶政策, “一对一”帮扶, “一对一”挂联: one mechanism under its quoted name
                name = c + noun.group(1)
                _add_policy(doc, qs, qe + noun.end(), name, "mechanism", key="name:" + c, alias=c)
            continue
        if _policy_like(c) or (_MECH_AFTER_RE.match(after) and ("、" in c or "+" in c or len(c) <= 8) and not after.startswith(_PROJECT_AFTER)):
            _add_policy(doc, m.start(1), m.end(1), c, "mechanism")
            continue
        if _project_like(c, after, before) and not generic(c):
            doc.add(Span(m.start(1), m.end(1), "Project", "name:" + c, c, {"quoted": True}))


def _project_like(c: str, after: str, before: str) -> bool:
    if not (2 <= len(c) <= 12) or re.search(r"[,。、!?:\s]", c):
        return False
    if after.startswith(_PROJECT_AFTER) and not c.endswith(("楼", "房")):
        return True
    return c.endswith(PROJECT_HEAD_SUFFIXES) or (c[-1] in PROJECT_LAST_CHARS and len(c) >= 3 and before.endswith(("楼盘", "项目", "小区")))


def find_policy_terms(doc: Doc) -> None:
    """Known slogans and the policies already found, wherever else they occur; 专项借款 instruments."""
    t = doc.t
    names: dict[str, Span] = {}
    for sp in doc.of_type("Policy"):
        if sp.attrs.get("kind") == "mechanism":
            names.setdefault(sp.name, sp)
            alias = sp.attrs.get("alias")
            if alias:
                names.setdefault(alias, sp)
    for term in POLICY_TERMS:
        names.setdefault(term, Span(0, 0, "Policy", "name:" + term, term, {"kind": "mechanism"}))
    for form in sorted(names, key=len, reverse=True):
        target = names[form]
        for m in re.finditer(re.escape(form), t):
            s, e = m.start(), m.end()
            if doc.covered(s, {"Policy"}) is not None or doc.covered(e - 1, {"Policy"}) is not None:
                continue
            if s and t[s - 1] == "一" and form.startswith("一"):
                continue
            doc.add(Span(s, e, "Policy", target.key, target.name, {"kind": "mechanism"}))
    for m in _LOAN_RE.finditer(t):
        e = m.end()
        if doc.covered(m.start(), {"Policy"}) is not None:
            continue
        s = scan_back(t, m.start(), 12, ("申请", "获批", "通过", "利用", "使用", "争取", "获得", "的", "以", "和", "与", "及", "为", "等"))
        lead = t[s : m.start()]
        if len(lead) < 2 or verbal(lead, strict=True) or any(w in lead for w in ("批", "该", "此", "各", "相关")):
            continue
        name = t[s:e]
        doc.add(Span(s, e, "Policy", "name:" + name, name, {"kind": "mechanism"}))


def link_accounts(doc: Doc) -> None:
    """An official account named <place><abbreviation> (咸阳住建) is the matching agency's account."""
    agencies = doc.of_type("Agency")
    for acc in doc.of_type("Account"):
        matched = None
        for abbrev, heads in ACCOUNT_ABBREV.items():
            if acc.name.endswith(abbrev):
                place_part = acc.name[: -len(abbrev)]
                for a in agencies:
                    pl = doc.t[a.start : a.end]
                    if a.attrs.get("head") in heads and place_part and place_part in pl:
                        matched = a
                        break
            if matched:
                break
        doc.remove(acc)
        if matched is not None:
            doc.add(Span(acc.start, acc.end, "Agency", matched.key, matched.name, {"account": True}), force=True)
        else:
            doc.add(Span(acc.start, acc.end, "Outlet", "name:" + acc.name, acc.name, {"account": True}), force=True)
