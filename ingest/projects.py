"""Housing projects: brand-prefixed names, names before 项目/小区/楼盘, lists, strong name suffixes."""

from __future__ import annotations

import re

from .core import Doc, Span
from .lexicon import DEVELOPER_BRANDS, PROJECT_GENERIC, PROJECT_HEAD_SUFFIXES, PROJECT_LAST_CHARS, WEAK_BRANDS
from .orgs import scan_back
from .seg import verbal as _verbal
from .text import is_cjk

_HEAD_RE = re.compile(r"(?:等(?:[0-9一二三四五六七八九十百余几数多]+)?个?)?(项目|小区|楼盘)")
_BRAND_RE = re.compile("|".join(re.escape(b) for b in sorted(DEVELOPER_BRANDS, key=len, reverse=True)))
_STRONG_RE = re.compile(r"(花园|花苑|家园|公馆|华庭|名邸|山庄|苑)")
_STOPS = (
    "新区", "全市", "本市", "该市", "市区", "城区", "在", "的", "为", "类", "是", "和", "与", "及", "对", "将", "该", "由", "把", "了", "到", "来到", "着", "属",
    "项目", "小区", "楼盘", "个", "等", "从", "向", "于", "有", "即", "也", "均", "都", "还", "批次",
)
_FORWARD_STOPS = ("项目", "小区", "楼盘", "的", "也", "在", "已", "等", "是", "和", "与", "及", "业主", "工地", "售楼", "现场", "位于", "于", "将", "被", "从", "停工", "复工", "延期", "交房", "交付", "烂尾")
_GENERIC_WHOLE = {"新", "老", "旧", "同", "好", "大", "该", "本", "此", "各", "首个", "重大"}


def name_of(t: str, s: int, e: int) -> str:
    return t[s:e]


def generic(x: str) -> bool:
    if x in _GENERIC_WHOLE or len(x) < 2:
        return True
    if any(ch.isdigit() for ch in x):
        return True
    return any(g in x for g in PROJECT_GENERIC if len(g) >= 2) or x[:1] in "该本此各"


def _named(core: str) -> bool:
    """A project name on its own: ends the way estate names end."""
    return core.endswith(PROJECT_HEAD_SUFFIXES) or core[-1:] in PROJECT_LAST_CHARS


def _core_key(doc: Doc, s: int, e: int) -> tuple[int, str]:
    """Skip a leading place inside a project name (闽侯奥莱 → 奥莱)."""
    p = doc.covered(s, {"Place"})
    if p is not None and p.start == s and p.end < e:
        return p.end, doc.t[p.end : e]
    return s, doc.t[s:e]


def _add_project(doc: Doc, s: int, e: int, head_end: int | None = None, *, listed: bool = False) -> bool:
    t = doc.t
    cs, core = _core_key(doc, s, e)
    if generic(core):
        return False
    known = any(sp.key == "proj:" + core for sp in doc.of_type("Project"))
    if not (known or listed or cs > s or _named(core)) or (not known and not listed and _verbal(core)):
        return False
    end = e
    if len(core) <= 2 and head_end is not None:
        end = head_end  # a two-character name is not a name without 项目: 奥莱项目
    name = t[s:end]
    for sp in doc.overlapping(s, e):
        if sp.type == "Place" and s <= sp.start and sp.end <= e and sp.start > s:
            return False  # a place inside a name that does not start with it: not a project
    if cs == s:
        doc.remove_inside(s, end, {"Place"})
    return doc.add(Span(s, end, "Project", "proj:" + core, name, {}))


_INTRO_RE = re.compile(r"(?:项目|楼盘|小区)(?:分别)?(?:有|为|包括|是)[:]?")
_ITEM_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]{2,12}")


def _introduced_lists(doc: Doc) -> None:
    """涉及的项目分别有A、B、C: every item of a list introduced as projects."""
    t = doc.t
    for m in _INTRO_RE.finditer(t):
        pos = m.end()
        items: list[tuple[int, int]] = []
        while True:
            it = _ITEM_RE.match(t, pos)
            if it is None:
                break
            items.append((it.start(), it.end()))
            if t[it.end() : it.end() + 1] != "、":
                break
            pos = it.end() + 1
        if len(items) < 2:
            continue
        for s, e in items:
            if doc.covered(s, {"Project"}) is None:
                doc.remove_inside(s, e, {"Developer", "Place"})
                if _add_project(doc, s, e, listed=True):
                    b = _BRAND_RE.match(t, s)
                    if b and e - b.end() >= 2 and b.group() not in WEAK_BRANDS:
                        doc.add(Span(s, b.end(), "Developer", "brand:" + b.group(), b.group(), {"brand": True}))


def find_projects(doc: Doc) -> None:
    _introduced_lists(doc)
    _brand_projects(doc)
    t = doc.t
    for m in _HEAD_RE.finditer(t):
        hs = m.start()
        if doc.covered(hs - 1, {"Project"}) is not None:
            continue
        listed = m.group().startswith("等")
        s = scan_back(t, hs, 12, _STOPS, allow="·")
        if hs - s < 2:
            continue
        if doc.covered(s) is not None and doc.covered(s, {"Place"}) is None:
            continue
        ok = _add_project(doc, s, hs, None if listed else m.end(), listed=listed)
        # the other items of a list: A、B、C等项目 / A、B项目
        if not ok:
            continue
        pos = s
        while pos >= 2 and t[pos - 1] == "、":
            ps = scan_back(t, pos - 1, 12, _STOPS)
            if pos - 1 - ps < 2 or not _add_project(doc, ps, pos - 1, listed=True):
                break
            pos = ps
    for m in _STRONG_RE.finditer(t):
        e = m.end()
        if doc.covered(m.start()) is not None:
            continue
        s = scan_back(t, m.start(), 5, _STOPS)
        if m.start() - s < 1 or e - s < 3:
            continue
        prev = t[s - 1 : s]
        if prev and is_cjk(prev) and not any(t.startswith(w, s - len(w)) for w in _STOPS):
            continue
        _add_project(doc, s, e)


def nest_projects(doc: Doc) -> None:
    """融创春风十里云澜苑 is 云澜苑, a part of 融创春风十里, when both names occur on their own."""
    spans = doc.of_type("Project")
    names = {s.name: s.key for s in spans}
    for p in spans:
        for q_name, q_key in names.items():
            if len(q_name) >= 3 and len(p.name) > len(q_name) and p.name.endswith(q_name) and q_key != p.key:
                prefix = p.name[: -len(q_name)]
                p.key = q_key
                if prefix in names:
                    p.attrs["part_of"] = names[prefix]
                break


def _brand_projects(doc: Doc) -> None:
    t = doc.t
    for m in _BRAND_RE.finditer(t):
        s, be = m.start(), m.end()
        if doc.covered(s) is not None:
            continue
        e = be
        while e < len(t) and is_cjk(t[e]) and e - be < 8 and not t.startswith(_FORWARD_STOPS, e):
            e += 1
        if e - be < 2:
            continue
        strong = t.startswith(("项目", "小区", "楼盘", "业主", "售楼", "工地"), e)
        tail = t[be:e]
        if not strong and not (tail.endswith(PROJECT_HEAD_SUFFIXES) or tail[-1] in PROJECT_LAST_CHARS):
            continue
        if m.group() in WEAK_BRANDS and not (strong and _named(tail) and not _verbal(name_of(t, s, e), strict=True)):
            continue
        if (
            s
            and is_cjk(t[s - 1])
            and not any(t.startswith(w, s - len(w)) for w in _STOPS)
            and doc.covered(s - 1, {"Place"}) is None
            and not (s >= 2 and _verbal(t[s - 2 : s], strict=True))
        ):
            continue  # the brand is inside a longer name (高新金茂悦园)
        if any(w in tail for w in ("集团", "地产", "公司", "控股", "置业")):
            continue
        name = t[s:e]
        # a longer name that ends with a name already known is that project (融创春风十里云澜苑)
        if doc.add(Span(s, e, "Project", "proj:" + name, name, {"brand": m.group()})):
            doc.add(Span(s, be, "Developer", "brand:" + m.group(), m.group(), {"brand": True}))
