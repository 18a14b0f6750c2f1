"""Structured match keys, blocking and pairwise scoring: pure functions, no store.

Raw string similarity cannot tell 平顶山市住建局 from 平顶山市新华区住建局 (ratio 82, different
agencies) while it scores 遂宁住建 / 遂宁市住房城乡建设局 at 50 (the same agency). Structure can: every
name becomes a :class:`Form` — the division it is scoped to, its core, its phase, the pinyin of its
core — and two entities are compared only when they share a block (type + scope + a key part).
Inside a block, rules decide first (a different phase is never the same project; a homophone is a
typo) and rapidfuzz only grades what the rules leave open. Scores above :data:`AUTO_MERGE` merge on
their own; scores from :data:`REVIEW_MIN` up go to the review queue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from loupan.ingest.normalize import PrefixTable, agency_core, clean_name, company_core, fold, project_core
from loupan.ingest.places import gazetteer

# Chosen on the case tables in tests/test_matching_cases.py and the cross-source test: every rule
# that reaches AUTO_MERGE is structural (same key, an alias, a homophone, a brand prefix, one
# missing character in a long name); raw fuzzy similarity is capped below it, because the measured
# raw ratios of true and false pairs overlap (50 true, 82 false).
AUTO_MERGE = 90.0
# Below 70 the case tables hold only different entities; from 70 a person should look.
REVIEW_MIN = 70.0
# A fuzzy score may queue a pair for review but never merge it.
FUZZY_CAP = 89.0
# A block larger than this is scored only against its first members (a pathological block such
# as every 恒大 project of a city must not turn one mention into thousands of comparisons).
MAX_BLOCK = 200

RESOLVED_TYPES = ("Project", "Developer", "Agency", "Person")
MUNICIPALITIES = ("11", "12", "31", "50")

# Brands that crowd-sourced lists put in front of project names, or leave out: 融创中新国际城 is
# 中新国际城. The registry's own developer cores are added at run time.
BRANDS = (
    "恒大", "融创", "碧桂园", "绿地", "世茂", "万科", "泰禾", "阳光城", "实地", "康桥", "鑫苑", "名门",
    "华夏幸福", "隆基泰和", "奥园", "金科", "蓝光", "富力", "佳兆业", "新力", "中南", "当代", "正荣",
    "合能", "三盛", "华晨", "协信", "远洋", "中梁", "宝能", "龙湖", "保利", "中海", "华润", "招商",
    "旭辉", "融信", "禹洲", "新城", "龙光", "奥山", "建业", "正商", "鸿坤", "北大资源", "中鼎", "花样年",
)

_CN_DIGITS = "零一二三四五六七八九"
_ARABIC_PHASE = re.compile(r"(\d{1,2})(?=期)")
_PHASE = re.compile(
    r"((?:(?:[一二三四五六七八九十]+|\d+)[、&,，和及]?)+(?:期|号地|地块|号楼|栋|号院).*"
    r"|[A-Za-z]+\d*地块.*|[一二三四五六七八九十东南西北]区|DK\d+)$"
)
_STRAY = "[]【】()（）「」『』<>《》\"'“”"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals, the form phases are written in: 3 → 三, 12 → 十二."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


@lru_cache(maxsize=1 << 16)
def _char_pinyin(ch: str) -> str:
    return "".join(str(s) for s in lazy_pinyin(ch, errors="default"))


def pinyin(text: str) -> str:
    """Toneless pinyin, character by character (each character's common reading, the same on both
    sides of a comparison; phrase-level disambiguation costs 100× more and buys nothing here)."""
    return "".join([_char_pinyin(ch) for ch in text])


# -- places ------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def city_code(code: str) -> str:
    """The prefecture-level unit a division lies in: a municipality for its districts, itself for a
    province or a county directly under one (济源), the code itself when the gazetteer lacks it."""
    chain = gazetteer().chain(code) if code else []
    if not chain:
        return code
    if chain[0].code[:2] in MUNICIPALITIES:
        return chain[0].code
    for div in chain:
        if div.level == "prefecture":
            return div.code
    return chain[-1].code


def province_code(code: str) -> str:
    return code[:2] + "0000" if code else ""


def place_prefixes(code: str) -> tuple[str, ...]:
    """Names a project's name may start with that only repeat where it is: the province, the city
    and everything inside the city, full and short forms, longest first."""
    return _city_prefixes(city_code(code), province_code(code)).names if code else ()


@lru_cache(maxsize=1)
def _divisions_under() -> dict[str, list[str]]:
    """Every division's code → the codes of the divisions inside it, itself included."""
    under: dict[str, list[str]] = {}
    for div in gazetteer():
        for anc in gazetteer().chain(div.code):
            under.setdefault(anc.code, []).append(div.code)
    return under


@lru_cache(maxsize=4096)
def _city_prefixes(city: str, province: str) -> PrefixTable:
    names: set[str] = set()
    for code in {province, *_divisions_under().get(city, ())}:
        div = gazetteer().get(code)
        if div is None:
            continue
        names.add(div.name)
        if len(div.short) >= 2:
            names.add(div.short)
    return PrefixTable(names)


def strip_places(text: str, code: str, keep: int = 3) -> str:
    """``text`` without leading names of its own places, keeping at least ``keep`` characters:
    桂林恒大城 in 桂林 → 恒大城, 眉山市彭山区融创水郡未来城 → 融创水郡未来城."""
    if not code:
        return text
    table = _city_prefixes(city_code(code), province_code(code))
    while prefix := table.longest(text, keep):
        text = text[len(prefix):]
    return text


# -- per-type keys -----------------------------------------------------------------------------

def normalize_phase(text: str) -> str:
    """Arabic phase numbers in Chinese: 富力天禧城3期 → 富力天禧城三期."""
    return _ARABIC_PHASE.sub(lambda m: cn_number(int(m.group(1))), text)


def split_phase(core: str) -> tuple[str, str]:
    """(base, phase): 绿地城五期六区 → (绿地城, 五期六区); 恒大中心 → (恒大中心, '')."""
    m = _PHASE.search(core)
    if m and m.start() >= 2:
        return core[: m.start()], m.group(0)
    return core, ""


@lru_cache(maxsize=1 << 18)
def project_name_key(name: str, code: str) -> str:
    """The structured core of a project name within its city: folded, bracket notes gone, leading
    place names gone, phase numbers in one script."""
    core = project_core(name).strip(_STRAY)
    return normalize_phase(strip_places(core, code))


def project_key(name: str, code: str) -> str:
    """The id key of a project: ``<city code>:<core>``, or the core alone when it has no place."""
    city = city_code(code)
    core = project_name_key(name, code)
    return f"{city}:{core}" if city else core


def strip_brand(base: str, brands: Iterable[str]) -> tuple[str, str]:
    """(brand, rest) when ``base`` starts with a known brand and at least 2 characters remain."""
    brand = _brand_table(brands if isinstance(brands, tuple) else tuple(brands)).longest(base, keep=2)
    return brand, base[len(brand):]


# Brand tables by the identity of the brand tuple: a resolver passes the same tuple (every developer
# core of its registry, thousands at scale) for every name, and hashing it each time cost more than
# the look-up. The entry holds the tuple, so its id cannot be reused while the entry exists.
_brand_tables: dict[int, tuple[tuple[str, ...], PrefixTable]] = {}


def _brand_table(brands: tuple[str, ...]) -> PrefixTable:
    hit = _brand_tables.get(id(brands))
    if hit is not None and hit[0] is brands:
        return hit[1]
    if len(_brand_tables) >= 64:
        _brand_tables.clear()
    table = PrefixTable(b for b in brands if b)
    _brand_tables[id(brands)] = (brands, table)
    return table


def developer_key(name: str, regions: frozenset[str] = frozenset()) -> str:
    core = company_core(name, regions) or fold(name)
    if core.endswith("中国") and len(core) > 3:  # 融创中国 is 融创
        core = core[:-2]
    return core


AGENCY_TYPES = (
    "住建局", "住建委", "住建厅", "住建部", "房管局", "房管中心", "自然资源和规划局", "自然资源局", "市场监管局",
    "发改委", "财政局", "公安局", "法院", "检察院", "纪委监委", "政府", "党委", "办公室", "管委会",
)
_AGENCY_STEMS = {"住建": "住建局", "房管": "房管局"}


@lru_cache(maxsize=1 << 16)
def place_chain_prefix(text: str) -> tuple[str, int]:
    """The deepest division that a chain of place names at the start of ``text`` names, and how many
    characters the chain takes: 平顶山市新华区住建局 → (410402, 7)."""
    code, used = "", 0
    while True:
        found = ""
        for length in range(min(12, len(text) - used), 1, -1):
            if not gazetteer().could_name(text[used : used + length]):
                continue
            cands = gazetteer().find(text[used : used + length], within=code or None)
            cands = [d for d in cands if d.code != code]
            if len(cands) == 1 or (cands and len({d.level for d in cands}) > 1 and
                                   sum(d.level == cands[0].level for d in cands) == 1):
                found = cands[0].code
                used += length
                break
        if not found:
            return code, used
        code = found


def agency_parts(name: str, code: str = "") -> tuple[str, str, str]:
    """(division code, agency type, residual): 遂宁住建 and 遂宁市住房城乡建设局 both give
    (510900, 住建局, ''); 平顶山市新华区住建局 gives (410402, 住建局, '')."""
    text = agency_core(name).strip(_STRAY)
    named, used = place_chain_prefix(text)
    rest = text[used:]
    if named and (not code or named.startswith(code.rstrip("0")) or len(named) >= len(code)):
        code = named
    kind = ""
    for t in sorted(AGENCY_TYPES, key=len, reverse=True):
        if rest.endswith(t):
            kind, rest = t, rest[: -len(t)]
            break
    if not kind:
        for stem, full in _AGENCY_STEMS.items():
            if rest.endswith(stem):
                kind, rest = full, rest[: -len(stem)]
                break
    for word in ("市", "县", "区", "省"):  # 平顶山市 + 住建局 after the chain is consumed
        rest = rest.removeprefix(word)
    return code, kind, rest


# -- forms and entries -------------------------------------------------------------------------

# Form and Entry are named tuples, not dataclasses: a registry holds hundreds of thousands of them,
# and the garbage collector stops tracking a tuple of strings, where it would traverse every
# dataclass instance on each full collection (measured: 40% of resolving 1M mentions).
class Form(NamedTuple):
    """One surface form of an entity, as the matcher compares it."""

    key: str       # full structured key within scope (project: core with phase)
    base: str      # key without its phase
    phase: str
    pinyin: str    # of base + phase
    rest: str      # base without a leading brand ('' when it has none)
    brand: str


class Entry(NamedTuple):
    id: str
    type: str
    scope: str             # city code (Project), division code (Agency, Person), '' (Developer)
    forms: tuple[Form, ...]
    province: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    a: str          # the mention (new entity)
    b: str          # the registry entity
    score: float
    features: dict[str, str]


def _form(key: str, brands: Iterable[str], code: str = "") -> Form:
    base, phase = split_phase(key)
    brand, rest = strip_brand(base, brands)
    if brand:  # 隆基泰和涿州紫悦: the place after the brand is as optional as the one before it
        rest = strip_places(rest, code, keep=2)
    return Form(key, base, phase, pinyin(key), rest if brand else "", brand)


def entry_for(node_id: str, type_: str, name: str, aliases: Iterable[str], code: str, *,
              brands: Iterable[str] = BRANDS, regions: frozenset[str] = frozenset()) -> Entry | None:
    """The matcher's view of a node, or None for types it does not resolve."""
    surfaces = [s for s in dict.fromkeys([name, *aliases]) if s]
    keys: list[str] = []
    scope = ""
    if type_ == "Project":
        scope = city_code(code)
        for s in surfaces:
            cleaned = clean_name(s)
            keys.append(project_name_key(s, code))
            keys.extend(project_name_key(a, code) for a in cleaned.aliases)
    elif type_ == "Developer":
        keys = [developer_key(s, regions) for s in surfaces]
    elif type_ == "Agency":
        parts = [agency_parts(s, code) for s in surfaces]
        scope = next((p[0] for p in parts if p[0]), code)
        keys = [f"{p[1]}|{p[2]}" for p in parts if p[1] or p[2]]
    elif type_ in ("Person", "Official"):
        scope = code
        keys = [fold(s) for s in surfaces]
        type_ = "Person"
    else:
        return None
    uniq = [k for k in dict.fromkeys(keys) if len(k) >= 2]
    if not uniq:
        return None
    brand_list = tuple(brands) if type_ == "Project" else ()
    return Entry(node_id, type_, scope, tuple(_form(k, brand_list, code) for k in uniq), province_code(code))


def blocks(entry: Entry) -> Iterator[tuple[str, ...]]:
    """The block keys an entry is filed under. Persons block on the exact name only: people with
    different names are never compared."""
    t, s = entry.type, entry.scope
    for f in entry.forms:
        yield ("k", t, s, f.key)
        if t == "Person":
            yield ("name", t, f.key)
            continue
        yield ("py", t, s, f.pinyin)
        if t == "Project":
            yield ("pk", t, entry.province, f.key)  # a project placed only by its province
            if f.rest:
                yield ("rest", t, s, f.rest)
            else:
                yield ("rest", t, s, f.base)
        if len(f.base) >= 3:
            yield ("head", t, s, f.base[:2])
            yield ("tail", t, s, f.base[-2:])


def _one_indel(a: str, b: str) -> bool:
    return abs(len(a) - len(b)) == 1 and Indel.distance(a, b) == 1


def score_pair(a: Entry, b: Entry) -> tuple[float, dict[str, str]]:
    """How likely two entries are one entity, and the features that decided it."""
    if a.type != b.type:
        return 0.0, {"type": "different"}
    if a.type == "Person":
        return _score_person(a, b)
    same_scope = a.scope == b.scope
    if a.type == "Project" and not same_scope:
        # Only a project placed by its province alone may meet one placed in a city of it.
        if a.province != b.province or (a.scope != a.province and b.scope != b.province):
            return 0.0, {"place": "different city"}
    elif a.type == "Agency" and not same_scope:
        return 0.0, {"place": "different division"}
    pa, pb = a.forms[0].phase, b.forms[0].phase
    if a.type == "Project" and pa and pb and pa != pb:  # 湖光里二期(原洞林文苑) / 湖光里三期(原洞林文苑)
        return 0.0, {"phase": f"{pa} ≠ {pb}"}
    best, feats = 0.0, {}
    for fa in a.forms:
        for fb in b.forms:
            s, f = _score_forms(a.type, fa, fb)
            if s > best:
                best, feats = s, f
    if best and a.type == "Project" and not same_scope:
        best, feats = best - 6, {**feats, "place": "province only"}
    if feats.get("match") == "key" and a.forms[0].key != b.forms[0].key:
        feats = {**feats, "match": "alias"}
    return best, feats


def _score_forms(type_: str, fa: Form, fb: Form) -> tuple[float, dict[str, str]]:
    if fa.key == fb.key:
        return 100.0, {"match": "key", "key": fa.key}
    if fa.pinyin == fb.pinyin and len(fa.key) == len(fb.key) and len(fa.key) >= (3 if type_ == "Project" else 2):
        score = 94.0 if type_ == "Project" else 85.0
        return score, {"match": "homophone", "pinyin": fa.pinyin}
    if type_ == "Project":
        if fa.phase and fb.phase and fa.phase != fb.phase:
            return 0.0, {"phase": f"{fa.phase} ≠ {fb.phase}"}
        if fa.base == fb.base:  # 宝能城 / 宝能城一期
            return 80.0, {"match": "base", "phase": f"{fa.phase or '∅'} / {fb.phase or '∅'}"}
        if fa.phase != fb.phase:
            return 0.0, {"phase": "only one has a phase"}
    if type_ == "Project":
        if (fa.brand or fb.brand) and (fa.rest or fa.base) == (fb.rest or fb.base) and \
                (not fa.brand or not fb.brand or fa.brand == fb.brand):
            return 92.0, {"match": "brand prefix", "brand": fa.brand or fb.brand}
        if min(len(fa.base), len(fb.base)) >= 5 and _one_indel(fa.base, fb.base):
            return 91.0, {"match": "one character missing"}
    if type_ == "Developer" and (fa.key.startswith(fb.key) or fb.key.startswith(fa.key)):
        return 72.0, {"match": "prefix", "extra": fa.key[len(fb.key):] or fb.key[len(fa.key):]}
    ratio = fuzz.ratio(fa.base, fb.base)
    return min(float(ratio), FUZZY_CAP), {"match": "fuzzy", "ratio": f"{ratio:.0f}"}


def _score_person(a: Entry, b: Entry) -> tuple[float, dict[str, str]]:
    names_a, names_b = {f.key for f in a.forms}, {f.key for f in b.forms}
    if not names_a & names_b:
        return 0.0, {"name": "different"}
    if a.scope and a.scope == b.scope:
        return 100.0, {"match": "name and place"}
    if a.scope and b.scope and not (a.scope.startswith(b.scope.rstrip("0")) or
                                    b.scope.startswith(a.scope.rstrip("0"))):
        return 0.0, {"name": "same", "place": "different"}
    return 75.0, {"match": "name", "place": "unknown or nested"}


class Matcher:
    """An index of entries by block; ``match`` scores a new entry against the blocks it shares."""

    def __init__(self) -> None:
        self.blocks: dict[tuple[str, ...], list[Entry]] = {}
        self.by_id: dict[str, Entry] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def add(self, entry: Entry) -> None:
        old = self.by_id.get(entry.id)
        if old is not None:
            forms = tuple(dict.fromkeys((*old.forms, *entry.forms)))
            entry = Entry(entry.id, entry.type, old.scope or entry.scope, forms, old.province or entry.province)
            self.remove(entry.id)
        self.by_id[entry.id] = entry
        for block in set(blocks(entry)):
            self.blocks.setdefault(block, []).append(entry)

    def remove(self, entry_id: str) -> None:
        entry = self.by_id.pop(entry_id, None)
        if entry is None:
            return
        for block in set(blocks(entry)):
            members = self.blocks.get(block)
            if members:
                members[:] = [e for e in members if e.id != entry_id]

    def candidates(self, entry: Entry) -> list[Entry]:
        seen: dict[str, Entry] = {}
        for block in blocks(entry):
            for other in self.blocks.get(block, ())[:MAX_BLOCK]:
                if other.id != entry.id:
                    seen.setdefault(other.id, other)
        return list(seen.values())

    def match(self, entry: Entry, min_score: float = REVIEW_MIN) -> list[Candidate]:
        """Registry entries that may be ``entry``, best first."""
        out = []
        for other in self.candidates(entry):
            score, features = score_pair(entry, other)
            if score >= min_score:
                out.append(Candidate(entry.id, other.id, score, features))
        out.sort(key=lambda c: (-c.score, c.b))
        return out
