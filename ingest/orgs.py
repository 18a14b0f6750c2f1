"""Outlets, companies (developers), government agencies and task forces."""

from __future__ import annotations

import re
from typing import Any

from .core import Doc, Span
from .lexicon import (
    AGENCY_HEADS,
    COMPANY_ENDINGS,
    DEVELOPER_BRANDS,
    DEVELOPER_WORDS,
    ENGLISH_BRANDS,
    HEAD_CANON,
    NATIONAL_AGENCIES,
    ORG_SUFFIXES,
    OUTLET_CONTEXT_AFTER,
    OUTLET_SUFFIXES,
    OUTLETS,
    TASKFORCE_HEADS,
    WEAK_BRANDS,
)
from .seg import verbal
from .text import is_cjk

_HEADS = sorted(AGENCY_HEADS, key=len, reverse=True)
_HEAD_RE = re.compile("|".join(re.escape(h) for h in _HEADS))
_NATIONAL_RE = re.compile("|".join(re.escape(h) for h in sorted(NATIONAL_AGENCIES, key=len, reverse=True)))
_OUTLET_RE = re.compile("|".join(re.escape(h) for h in sorted(OUTLETS, key=len, reverse=True)))
_OUTLET_SUFFIX_RE = re.compile("|".join(re.escape(h) for h in sorted(OUTLET_SUFFIXES, key=len, reverse=True)))
_COMPANY_RE = re.compile("|".join(re.escape(h) for h in COMPANY_ENDINGS))
_TF_RE = re.compile("|".join(re.escape(h) for h in TASKFORCE_HEADS))
# words where a backwards scan for a name must stop (they precede names, they are not in them)
_STOP_WORDS = (
    "开发商", "新投资方", "投资方", "承建方", "施工方", "建设单位", "房企", "企业", "公司", "由", "被", "与", "和",
    "及", "对", "向", "将", "在", "为", "是", "的", "了", "据", "经", "从", "把", "给", "让", "以", "于", "等",
    "成立", "组建", "设立", "建立", "形成", "各", "该", "其", "由于", "因", "通过", "收到", "联合", "会同", "来到",
    "受理", "裁定", "起诉", "约谈", "督促", "要求", "协调", "帮助", "支持", "推动", "指导", "引进", "引入", "接手",
    "收购", "旗下", "属于", "认定", "宣告", "指定", "委托", "聘请",
)
_LEVEL_PREFIX = set("省市县区州镇乡")
_GENERIC_ORG = {"政策性", "商业", "国有", "地方", "相关", "合作", "贷款", "开户", "部分", "多家", "涉事", "各家", "股份制", "城商", "农商"}
_TF_STOPS = ("召开", "主持", "出席", "参加", "要", "强化", "加强", "优化", "调整", "抽调", "派驻", "牵头", "依托", "实行", "实施", "落实", "组成")
# companies in the trade that do not develop: agents, property managers, consultants
_BRAND_AT = re.compile("|".join(re.escape(b) for b in sorted(DEVELOPER_BRANDS, key=len, reverse=True)))
_NOT_DEVELOPER = ("服务", "经纪", "中介", "物业", "咨询", "评估", "代理", "营销", "策划", "估价")


def scan_back(t: str, end: int, limit: int, stops: tuple[str, ...] = _STOP_WORDS, *, allow: str = "") -> int:
    """Start of the name that ends at `end`: go back over CJK characters until punctuation or a stop word."""
    s = end
    while s > 0 and end - s < limit:
        ch = t[s - 1]
        if not (is_cjk(ch) or ch in allow or ch.isalnum()):
            break
        if any(t.startswith(w, s - len(w)) and s - len(w) >= 0 for w in stops):
            break
        s -= 1
    return s


# --- outlets ----------------------------------------------------------------------------------
def find_outlets(doc: Doc) -> None:
    t = doc.t
    for m in _OUTLET_RE.finditer(t):
        s, e = m.start(), m.end()
        if s and t[s - 1] == "·":
            continue
        _add_outlet(doc, s, e)
    for m in _OUTLET_SUFFIX_RE.finditer(t):
        e = m.end()
        after = t[e : e + 3]
        before2 = t[max(0, m.start() - 8) : m.start()]
        quoted = t[m.start() - 0 : e + 1].endswith("》")
        if not (after.startswith(OUTLET_CONTEXT_AFTER) or quoted or re.search(r"据[^,。]*$", before2)):
            continue
        if t[m.start() - 1 : e].endswith(("官网", "门户网", "政务网")):
            continue
        if m.group() == "报" and t[e : e + 1] in ("道", "告", "名", "送", "表", "价", "案", "警", "批", "备"):
            continue
        if doc.covered(m.start(), {"Outlet"}):
            continue
        s = scan_back(t, m.start(), 10, ("据", "另据", "来源", "转自", "转载", "在", "于", "和", "与", "及", "的", "了", "是"), allow="·")
        if s < m.start() - 0 and m.start() - s >= 2 and not (s and t[s - 1].isdigit()):
            if m.group() in ("网", "报", "新闻") and m.start() - s < 2:
                continue
            doc.remove_inside(s, e, {"Outlet"})
            _add_outlet(doc, s, e)


def merge_outlets(doc: Doc) -> None:
    """顶端新闻·河南商报: outlets joined by a middle dot are one outlet."""
    outs = doc.of_type("Outlet")
    for a, b in zip(outs, outs[1:], strict=False):
        if a.end + 1 == b.start and doc.t[a.end] == "·" and a in doc.spans and b in doc.spans:
            doc.remove(a)
            doc.remove(b)
            name = doc.t[a.start : b.end]
            doc.add(Span(a.start, b.end, "Outlet", "name:" + name, name, {}))


def _add_outlet(doc: Doc, s: int, e: int) -> None:
    name = doc.t[s:e]
    doc.add(Span(s, e, "Outlet", "name:" + name, name, {}))


# --- companies --------------------------------------------------------------------------------
def find_companies(doc: Doc) -> None:
    t = doc.t
    for m in _COMPANY_RE.finditer(t):
        e = m.end()
        if m.group() == "集团" and e < len(t) and t[e] in "公有":
            continue
        s = scan_back(t, m.start(), 24, allow="()")
        while s < m.start() and t[s] in "()":
            s += 1
        for k in (1, 2, 3):  # the scan stopped inside a brand (美的置业: 的 is a stop word)
            b = _BRAND_AT.match(t, max(0, s - k))
            if b and b.start() < s < b.end():
                s = b.start()
                break
        core = t[s : m.start()]
        if len(core) < 2:
            continue
        is_dev = any(w in core for w in DEVELOPER_WORDS) or any(core.startswith(b) for b in DEVELOPER_BRANDS)
        if not is_dev or any(w in core for w in _NOT_DEVELOPER):
            continue
        name = t[s:e]
        attrs: dict[str, Any] = {"core": company_core(name)}
        doc.add(Span(s, e, "Developer", "name:" + name, name, attrs))
    # short forms: 盛地公司 for 中山盛地房地产开发有限公司
    for sp in list(doc.of_type("Developer")):
        core = sp.attrs.get("core", "")
        if len(core) < 2:
            continue
        for m in re.finditer(re.escape(core) + "(公司|集团)", t):
            doc.add(Span(m.start(), m.end(), "Developer", sp.key, sp.name, dict(sp.attrs)))
    # brands before a company word or alone when unambiguous
    brand_re = re.compile("|".join(re.escape(b) for b in sorted(DEVELOPER_BRANDS, key=len, reverse=True)))
    for m in brand_re.finditer(t):
        s, e = m.start(), m.end()
        brand = m.group()
        follow = t[e : e + 2]
        company_follow = follow.startswith(("集团", "地产", "控股", "置业", "公司", "系", "旗下", "债务", "暴雷"))
        if brand in WEAK_BRANDS and not company_follow:
            continue
        if doc.covered(s) is not None:
            continue
        if not company_follow and (s and is_cjk(t[s - 1]) and t[s - 1] not in "的在和与及、是为被由对向"):
            continue
        if not company_follow and follow[:1] and is_cjk(follow[0]):
            continue  # may be a project name starting with the brand; handled with projects
        doc.add(Span(s, e, "Developer", "brand:" + brand, brand, {"brand": True}))


_EN_BRAND_RE = re.compile(r"\b(" + "|".join(re.escape(b) for b in sorted(ENGLISH_BRANDS, key=len, reverse=True)) + r")\b")


def find_english_brands(doc: Doc) -> None:
    for m in _EN_BRAND_RE.finditer(doc.t):
        brand = ENGLISH_BRANDS[m.group(1)]
        doc.add(Span(m.start(), m.end(), "Developer", "brand:" + brand, brand, {"brand": True}))


def company_core(name: str) -> str:
    core = name
    for end in COMPANY_ENDINGS:
        if core.endswith(end):
            core = core[: -len(end)]
            break
    for w in ("房地产开发", "房地产投资", "房地产", "置业", "地产", "投资", "开发", "实业", "发展", "建设", "控股"):
        i = core.find(w)
        if i >= 2:
            core = core[:i]
            break
    # drop a leading place name (中山盛地 → 盛地) when what remains is a name of two or more characters
    for pre in ("市", "省", "县", "区"):
        i = core.find(pre)
        if 2 <= i <= 4 and len(core) - i - 1 >= 2:
            return core[i + 1 :]
    if len(core) >= 4:
        return core[2:]
    return core


# --- agencies ---------------------------------------------------------------------------------
def find_agencies(doc: Doc) -> None:
    t = doc.t
    for place in doc.of_type("Place"):
        m = _HEAD_RE.match(t, place.end)
        if m is None:
            continue
        s, e = m.start(), m.end()
        head = m.group()
        if doc.covered(s) is not None and doc.covered(s, {"Policy", "Event", "TaskForce"}) is None:
            # inside a company, outlet or person span
            continue
        # extend over a repeated head: 县委县政府, 党委政府
        if head in ("县委", "市委", "区委", "省委", "党委") and t.startswith(("县政府", "市政府", "区政府", "省政府", "政府"), e):
            e2 = e + (3 if t[e] != "政" else 2)
            head, e = t[s:e2], e2
        if head == "委" and place.name[-1:] not in "市县区省州":
            continue
        start = place.start
        while True:  # 四川省遂宁市住房城乡建设局: the province before the city belongs to the name
            outer = next((p for p in doc.of_type("Place") if p.end == start), None)
            if outer is None:
                break
            start = outer.start
        name = t[start:e]
        canon = HEAD_CANON.get(head, head)
        key = f"{place.key}|{canon}"
        # the mention keeps a leading province; the name starts at the place the body belongs to
        doc.add(Span(start, e, "Agency", key, t[place.start : e], {"place": place.key, "head": canon}))
    for m in _NATIONAL_RE.finditer(t):
        s, e = m.start(), m.end()
        if doc.covered(s) is not None and doc.covered(s, {"Policy", "Event", "TaskForce"}) is None:
            continue
        name = m.group()
        doc.add(Span(s, e, "Agency", "national:" + HEAD_CANON.get(name, name), name, {}))


_ORG_RE = re.compile("|".join(re.escape(h) for h in sorted(ORG_SUFFIXES, key=len, reverse=True)))


def find_organizations(doc: Doc) -> None:
    """Law firms, research institutes, banks, associations, owners' committees."""
    t = doc.t
    for m in _ORG_RE.finditer(t):
        s, e = m.start(), m.end()
        if doc.covered(s) is not None and doc.covered(s, {"Place"}) is None:
            continue
        start = scan_back(t, s, 16, allow="()")
        while start < s and t[start] in "()":
            start += 1
        if s - start < 2 or verbal(t[start:s], strict=True) or t[start:s] in _GENERIC_ORG:
            continue
        # a trailing 中心/部 of the same body: 易居研究院智库中心
        tail = re.match(r"[\u4e00-\u9fff]{0,4}(中心|研究部)", t[e:])
        if tail and not doc.covered(e):
            e += tail.end()
        legal_form = re.match(r"\([\u4e00-\u9fff]{2,8}\)", t[e:])  # (特殊普通合伙)
        if legal_form:
            e += legal_form.end()
        doc.remove_inside(start, e, {"Place"})
        name = t[start:e]
        doc.add(Span(start, e, "Organization", "name:" + name, name, {}))


def unify_courts(doc: Doc) -> None:
    """A bare 法院 after a place is that place's only court in the report (中山法院 = 中山中院)."""
    courts: dict[str, set[str]] = {}
    for a in doc.of_type("Agency"):
        if "法院" in a.attrs.get("head", "") or a.attrs.get("head") in ("中级人民法院", "高级人民法院"):
            courts.setdefault(a.attrs["place"], set()).add(a.attrs["head"])
    for a in doc.of_type("Agency"):
        if a.attrs.get("head") == "法院":
            specific = courts.get(a.attrs["place"], set()) - {"法院"}
            if len(specific) == 1:
                head = next(iter(specific))
                a.key = f"{a.attrs['place']}|{head}"
                a.attrs["head"] = head


# --- task forces ------------------------------------------------------------------------------
def find_taskforces(doc: Doc) -> None:
    t = doc.t
    for m in _TF_RE.finditer(t):
        s, e = m.start(), m.end()
        if doc.covered(s, {"Policy", "Outlet", "Developer"}) is not None:
            continue
        if t[s - 1 : s] == "一":  # 一项目一专班 is a mechanism
            continue
        start = scan_back(t, s, 16, (*_STOP_WORDS, *_TF_STOPS))
        # the scan may stop inside a place/agency; keep those whole
        for sp in doc.overlapping(start, start + 1):
            if sp.start < start < sp.end:
                start = sp.start
        if s - start < 2 and len(m.group()) < 4:
            continue
        name = t[start:e]
        prefix = t[start:s]
        if any(x in prefix for x in ("一", "个")):
            continue
        doc.add(Span(start, e, "TaskForce", "name:" + name, name, {}))


def level_prefix(ch: str) -> bool:
    return ch in _LEVEL_PREFIX
