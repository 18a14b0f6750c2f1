"""Place recognition over the GB/T 2260 gazetteer (`loupan.ingest.places`).

Rules: longest match; a full name of three or more characters stands on its own unless several
divisions share it (新华区, 鼓楼区), in which case one of them must have an ancestor in the text;
a short form (遂宁 for 遂宁市) or a two-character full name needs support: a following suffix or
agency word, its parent right before it, or its full name elsewhere in the report. Adjacent
divisions that nest (平顶山市新华区) form one chained mention of the innermost one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import ahocorasick

from loupan.errors import LoupanError

from . import places
from .core import Doc, Span
from .seg import tag, verbal
from .text import is_cjk

_LEVEL_RANK = {"province": 0, "prefecture": 1, "county": 2, "district": 3}
SHORT_FOLLOWERS: tuple[str, ...] = (
    "住建", "住房", "房管", "市委", "市政府", "县委", "县政府", "区委", "区政府", "州委", "政府", "法院", "中院",
    "全市", "全县", "全区", "全省", "市区", "城区", "中心城区", "主城区", "楼市", "市民", "本地", "当地",
    "等地", "两地", "各地", "警方", "官方", "人大", "政协", "银保监", "省", "市", "县", "区", "州", "盟",
)
BOUNDARY_BEFORE = set("在于和与及赴到至从是对据为了的将由向跟同把被让称及或、过")
TOWN_SUFFIX_RE = re.compile(r"镇|乡|街道")
ZONE_RE = re.compile(r"([\u4e00-\u9fff]{2})(新区|高新区|经开区)")
TOWN_BAD = set("的了在和与及是城个各等全该本新有将")


class DivisionLike(Protocol):
    code: str
    name: str
    short: str
    level: str
    parent: str | None


class GazetteerLike(Protocol):
    def get(self, code: str) -> Any: ...
    def chain(self, code: str) -> list[Any]: ...
    def surface_forms(self) -> Any: ...


_override: list[Callable[[], GazetteerLike | None]] = []


def use_gazetteer(factory: Callable[[], GazetteerLike | None]) -> None:
    """Install another gazetteer source (tests, tools); cleared caches follow."""
    _override[:] = [factory]
    _automaton.cache_clear()


def load_gazetteer() -> GazetteerLike | None:
    if _override:
        return _override[0]()
    try:
        return places.gazetteer()
    except (LoupanError, OSError, ValueError):  # no usable data file: extract without places
        return None


@dataclass(slots=True)
class _Index:
    gaz: GazetteerLike
    auto: Any  # ahocorasick.Automaton: surface -> (surface, tuple of codes)


@lru_cache(maxsize=1)
def _automaton() -> _Index | None:
    gaz = load_gazetteer()
    if gaz is None:
        return None
    forms: dict[str, set[str]] = {}
    for surface, code in gaz.surface_forms():
        if len(surface) >= 2:
            forms.setdefault(surface, set()).add(code)
    auto = ahocorasick.Automaton()
    for surface, codes in forms.items():
        auto.add_word(surface, (surface, tuple(sorted(codes))))
    auto.make_automaton()
    return _Index(gaz, auto)


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    surface: str
    codes: tuple[str, ...]
    code: str = ""


def _ancestors(gaz: GazetteerLike, code: str) -> list[str]:
    return [d.code for d in gaz.chain(code)[:-1]]


def find_places(doc: Doc) -> None:
    idx = _automaton()
    if idx is not None:
        _gazetteer_places(doc, idx)
        if sum(ch.isascii() and ch.isalpha() for ch in doc.t) > len(doc.t) // 3:
            _romanised_places(doc, idx.gaz)
    _towns(doc)


# Conventional English names that differ from plain pinyin of the short name
_ENGLISH = {
    "shaanxi": "610000", "inner mongolia": "150000", "tibet": "540000", "hong kong": "810000", "macau": "820000",
    "macao": "820000", "canton": "440100", "peking": "110000",
}
_ROMAN_RE = re.compile(r"\b[A-Z][a-z']+(?: [A-Z][a-z]+)?\b")


@lru_cache(maxsize=1)
def _roman_index() -> dict[str, str]:
    from pypinyin import lazy_pinyin

    gaz = load_gazetteer()
    if gaz is None:
        return {}
    seen: dict[str, set[str]] = {}
    for surface, code in gaz.surface_forms():
        d = gaz.get(code)
        if d is None or d.level not in ("province", "prefecture") or surface != d.short:
            continue
        key = "".join(lazy_pinyin(surface)).lower()
        seen.setdefault(key, set()).add(code)
    index = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}
    index.pop("shanxi", None)  # 山西 / 陕西: only the spelled-out forms are safe
    index["shanxi"] = "140000"
    index.update(_ENGLISH)
    return index


def _romanised_places(doc: Doc, gaz: GazetteerLike) -> None:
    """English reports: Zhengzhou, Guangdong, Hong Kong → divisions by pinyin of their short names."""
    index = _roman_index()
    for m in _ROMAN_RE.finditer(doc.t):
        for s, e in ((m.start(), m.end()), (m.start(), m.start() + len(m.group().split(" ")[0]))):
            key = doc.t[s:e].lower().replace("'", "")
            code = index.get(key)
            if code is not None and gaz.get(code) is not None:
                _add_place(doc, gaz, s, e, code=code, chain=[])
                break


def _gazetteer_places(doc: Doc, idx: _Index) -> None:
    t, gaz = doc.t, idx.gaz
    hits = [
        _Hit(end + 1 - len(surface), end + 1, surface, codes) for end, (surface, codes) in idx.auto.iter(t)
    ]
    full_in_text: set[str] = set()
    for h in hits:
        for c in h.codes:
            d = gaz.get(c)
            if d is not None and d.name == h.surface and len(h.surface) >= 3:
                full_in_text.add(c)
    starts: dict[int, list[_Hit]] = {}
    for h in hits:
        starts.setdefault(h.start, []).append(h)
    accepted: list[_Hit] = []
    accepted_codes: set[str] = set()
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    taken_until = -1
    prev_end_codes: dict[int, list[str]] = {}
    for h in hits:
        if h.start < taken_until:
            continue
        if doc.covered(h.start, {"Developer", "Project", "Outlet", "Person", "Official"}):
            continue
        child_codes = {
            a for nxt in starts.get(h.end, []) for c in nxt.codes for a in _ancestors(gaz, c)
        }
        code = _choose(
            doc, gaz=gaz, h=h, full_in_text=full_in_text, accepted=accepted_codes,
            prev_end=prev_end_codes, child_codes=child_codes,
        )
        if code is None:
            continue
        h.code = code
        accepted.append(h)
        accepted_codes.update([code, *_ancestors(gaz, code)])
        taken_until = h.end
        prev_end_codes[h.end] = [code, *_ancestors(gaz, code)]
    _emit(doc, gaz, accepted)


def _choose(
    doc: Doc,
    *,
    gaz: GazetteerLike,
    h: _Hit,
    full_in_text: set[str],
    accepted: set[str],
    prev_end: dict[int, list[str]],
    child_codes: set[str],
) -> str | None:
    t = doc.t
    before_codes = prev_end.get(h.start, [])
    after = t[h.end : h.end + 4]
    prev_ch = t[h.start - 1] if h.start else ""
    good: list[tuple[int, int, str]] = []
    for code in h.codes:
        d = gaz.get(code)
        if d is None:
            continue
        anc = _ancestors(gaz, code)
        parent_before = bool(before_codes) and any(a in before_codes for a in anc)
        anc_in_text = any(a in full_in_text or a in accepted or a in before_codes for a in anc)
        if code in child_codes:  # 四川遂宁: a province or city right before one of its divisions
            good.append((3, -_LEVEL_RANK.get(d.level, 3), code))
            continue
        full = d.name == h.surface
        shared = len(h.codes) > 1
        if full and len(h.surface) >= 3 and not shared:
            score = 2
        elif full and len(h.surface) >= 3 and (parent_before or anc_in_text):
            score = 3 if parent_before else 2
        elif full and len(h.surface) >= 3:
            continue
        else:
            boundary = not prev_ch or not is_cjk(prev_ch) or prev_ch in BOUNDARY_BEFORE or h.start in prev_end
            if not boundary:
                continue
            followed = after.startswith(SHORT_FOLLOWERS) and not after.startswith(("区域", "市场", "县级", "区县", "省份", "市民")[:4])
            if parent_before:
                score = 3
            elif code in full_in_text or followed or (
                d.level in ("province", "prefecture") and tag(h.surface) == "ns" and after[:1] not in ("区", "路", "街")
            ):
                score = 1 if shared and not anc_in_text else 2
            else:
                continue
            if shared and not (parent_before or anc_in_text) and d.level not in ("province", "prefecture"):
                continue
        good.append((score, -_LEVEL_RANK.get(d.level, 3), code))
    if not good:
        return None
    good.sort(reverse=True)
    return good[0][2]


def _emit(doc: Doc, gaz: GazetteerLike, hits: list[_Hit]) -> None:
    i = 0
    while i < len(hits):
        group = [hits[i]]
        while i + 1 < len(hits) and hits[i + 1].start == group[-1].end:
            nxt = hits[i + 1]
            if group[-1].code in _ancestors(gaz, nxt.code):
                group.append(nxt)
                i += 1
            else:
                break
        i += 1
        # provinces stay separate mentions; lower levels chain into the innermost division
        while len(group) > 1 and gaz.get(group[0].code).level == "province":
            _add_place(doc, gaz, group[0].start, group[0].end, code=group[0].code, chain=[])
            group = group[1:]
        last = group[-1]
        _add_place(doc, gaz, group[0].start, last.end, code=last.code, chain=[g.code for g in group[:-1]])


def _add_place(doc: Doc, gaz: GazetteerLike, start: int, end: int, *, code: str, chain: list[str]) -> None:
    d = gaz.get(code)
    divs = gaz.chain(code)
    province = divs[0].short if divs else ""
    attrs: dict[str, Any] = {"code": code, "level": d.level, "province": province}
    if chain:
        attrs["chain"] = chain
    doc.add(Span(start, end, "Place", "code:" + code, d.name, attrs))


def _towns(doc: Doc) -> None:
    t = doc.t
    for m in TOWN_SUFFIX_RE.finditer(t):
        e = m.end()
        nxt = t[e : e + 1]
        if nxt and not (is_cjk(nxt) or nxt in "“,。、"):
            continue
        for n in (2, 3):
            s = m.start() - n
            if s < 0:
                break
            name = t[s : m.start()]
            if not all(is_cjk(ch) for ch in name) or any(ch in TOWN_BAD for ch in name):
                continue
            prev_ch = t[s - 1] if s else ""
            prev_place = doc.covered(s - 1, {"Place"}) if s else None
            if not (not prev_ch or not is_cjk(prev_ch) or prev_ch in BOUNDARY_BEFORE or prev_place or t[s - 2 : s] == "位于"):
                continue
            if doc.covered(s) is not None or doc.covered(e - 1) is not None:
                break
            attrs: dict[str, Any] = {"level": "town"}
            if prev_place is not None:
                attrs["parent"] = prev_place.attrs.get("code", "")
                attrs["province"] = prev_place.attrs.get("province", "")
            doc.add(Span(s, e, "Place", "name:" + t[s:e], t[s:e], attrs))
            break
    for m in ZONE_RE.finditer(t):
        s, e = m.start(), m.end()
        if verbal(m.group(1), strict=True):
            continue
        prev_ch = t[s - 1] if s else ""
        if prev_ch and is_cjk(prev_ch) and prev_ch not in BOUNDARY_BEFORE and not doc.covered(s - 1, {"Place"}):
            continue
        if doc.covered(s) is not None and doc.covered(s, {"Place"}) is None:
            continue
        doc.remove_inside(s, e, {"Place"})
        doc.add(Span(s, e, "Place", "name:" + t[s:e], t[s:e], {"level": "zone"}))
