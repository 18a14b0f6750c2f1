"""Gazetteer of China's administrative divisions (GB/T 2260: province, prefecture, county).

The data is ``schema/vocab/divisions.tsv`` (see ``scripts/build_divisions.py``). Every division
is known by its full official name (平顶山市) and by a short form without the generic suffix
(平顶山); short forms are never shorter than two characters, so 城区 stays 城区.

Look-ups never guess across provinces: :meth:`Gazetteer.resolve` constrains every name by the
province when one is given, and returns ``None`` rather than pick between equal candidates.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

LEVELS = ("province", "prefecture", "county", "district")
_RANK = {level: i for i, level in enumerate(LEVELS)}

# Generic suffixes by level, longest first; the 自治 forms also lose their ethnic names.
_SUFFIXES = {
    "province": ("特别行政区", "自治区", "省", "市"),
    "prefecture": ("自治州", "地区", "市", "盟"),
    "county": ("自治县", "自治旗", "特区", "林区", "县", "市", "旗"),
    "district": ("区",),
}
# Suffixes a query may carry and the levels they can name (州 is the usual 自治州 abbreviation,
# 广西省 a common slip for 广西壮族自治区).
_QUERY_SUFFIXES = (
    ("特别行政区", ("province",)),
    ("自治区", ("province",)),
    ("自治州", ("prefecture",)),
    ("自治县", ("county",)),
    ("自治旗", ("county",)),
    ("地区", ("prefecture",)),
    ("省", ("province",)),
    ("市", ("province", "prefecture", "county", "district")),  # 章丘市 became 章丘区
    ("州", ("prefecture",)),
    ("盟", ("prefecture",)),
    ("县", ("county", "district")),
    ("旗", ("county",)),
    ("区", ("district", "county")),
)
# Words after a place name that mean "the place itself" (天津城区, 成都市区, 重庆主城区).
_AREA_WORDS = ("主城区", "城区", "市区", "市辖区", "全市", "全境")

_ETHNIC = (  # noqa: SIM905 -- the 55 minority nationalities, plus 各 of 各族自治县
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 "
    "土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
# An ethnic name at the end of a string: 族 is required after a one-character name (回族, 土族).
_ETHNIC_TAIL = re.compile(
    "(?:"
    + "|".join(
        sorted((re.escape(e) + ("族" if len(e) == 1 else "族?") for e in _ETHNIC), key=len, reverse=True)
    )
    + ")$"
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 6 digits, e.g. "410402"
    name: str  # full official name, e.g. "新华区", "平顶山市", "河南省"
    short: str  # name without its generic suffix: "平顶山", "河南", "新华" (never < 2 chars)
    level: str  # province | prefecture | county | district
    parent: str | None  # parent code


def short_form(name: str, level: str) -> str:
    """The name without its generic suffix (and ethnic names of 自治 units); never < 2 chars."""
    for suffix in _SUFFIXES.get(level, ()):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            break
    else:
        return name
    if "自治" in suffix:
        while (m := _ETHNIC_TAIL.search(stem)) is not None:
            if m.start() >= 2:
                stem = stem[: m.start()]
            else:  # 东乡族自治县 → 东乡, 鄂伦春自治旗 → 鄂伦春
                stem = stem.removesuffix("族") if len(stem) > 2 else stem
                break
    return stem


def _clean(text: str | None) -> str:
    return _SPACE.sub("", text or "")


class Gazetteer:
    """All divisions, indexed by code and by surface form (full and short name)."""

    def __init__(self, divisions: Iterable[Division]) -> None:
        self._by_code: dict[str, Division] = {}
        self._full: dict[str, list[Division]] = {}
        self._short: dict[str, list[Division]] = {}
        self._names: frozenset[str] | None = None  # every string find() may answer, built on first use
        for d in divisions:
            self._by_code[d.code] = d
            self._full.setdefault(d.name, []).append(d)
            if d.short != d.name:
                self._short.setdefault(d.short, []).append(d)

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Division]:
        return iter(self._by_code.values())

    def get(self, code: str) -> Division | None:
        return self._by_code.get(code)

    def chain(self, code: str) -> list[Division]:
        """[province, prefecture, …, self]; empty for an unknown code."""
        out: list[Division] = []
        d = self._by_code.get(code)
        while d is not None:
            out.append(d)
            d = self._by_code.get(d.parent) if d.parent else None
        out.reverse()
        return out

    def within(self, code: str, ancestor: str) -> bool:
        """Whether division ``code`` is ``ancestor`` or lies inside it."""
        d = self._by_code.get(code)
        while d is not None:
            if d.code == ancestor:
                return True
            d = self._by_code.get(d.parent) if d.parent else None
        return False

    def could_name(self, name: str) -> bool:
        """False when :meth:`find` surely finds nothing for ``name`` (given without whitespace): a
        set probe that lets a scan over every substring of a text skip almost all of them."""
        if self._names is None:
            names = {*self._full, *self._short}
            self._names = frozenset({*names, *(n + suffix for n in names for suffix, _ in _QUERY_SUFFIXES)})
        return name in self._names

    def find(self, name: str, *, within: str | None = None) -> list[Division]:
        """Divisions called ``name`` (full or short name), best first.

        Full-name matches come before short-name matches, higher levels before lower ones. A
        name whose own suffix does not match (广西省, 恩施州, 巴南县) is looked up by its stem
        among the levels that suffix can name. ``within`` keeps candidates inside that code.
        """
        name = _clean(name)
        if not name:
            return []
        tiers = [self._full.get(name, []), self._short.get(name, [])]
        if not any(tiers):
            tiers = [self._by_stem(name)]
        out: list[Division] = []
        for tier in tiers:
            ranked = sorted(tier, key=lambda d: (_RANK[d.level], d.code))
            out.extend(d for d in ranked if d not in out and (within is None or self.within(d.code, within)))
        return out

    def _by_stem(self, name: str) -> list[Division]:
        for suffix, levels in _QUERY_SUFFIXES:
            stem = name.removesuffix(suffix)
            if stem != name and len(stem) >= 2:
                found = self._full.get(stem, []) + self._short.get(stem, [])
                return [d for d in found if d.level in levels]
        return []

    def resolve(self, province: str | None, city: str | None, district: str | None = None) -> Division | None:
        """The most specific division a structured record names, or None.

        ``city`` may be a prefecture (济南市), a county-level city (靖江市, whose parent is 泰州市),
        a district of a municipality (北京市 + 朝阳区), or a place followed by an area word
        (天津城区). A name that is unknown or ambiguous inside its parent gives None for that
        field: the result is then the division the fields before it named, or None.
        """
        province, city, district = _clean(province), _clean(city), _clean(district)
        scope: Division | None = None
        if province:
            found = [d for d in self.find(province) if d.level == "province"]
            if len(found) != 1:
                return None
            scope = found[0]
        if city:
            scope = self._lookup(city, scope)
            if scope is None:
                return None
        if district:
            return self._lookup(district, scope) or scope
        return scope

    def _lookup(self, name: str, scope: Division | None) -> Division | None:
        """One field's division inside ``scope`` (itself included), or None if unknown/ambiguous."""
        best = self._unique(self.find(name, within=scope.code if scope else None), scope)
        if best is not None:  # 吉林省 + 吉林 is 吉林市
            return best
        if scope is not None and name in (scope.name, scope.short):  # 北京市 + 北京市
            return scope
        return self._compound(name, scope)

    def _unique(self, found: list[Division], scope: Division | None) -> Division | None:
        found = [d for d in found if scope is None or d.code != scope.code]
        if not found:
            return None
        top = [d for d in found if d.level == found[0].level]
        # Names of the same level are ambiguous unless they are one place.
        return top[0] if len(top) == 1 else None

    def _compound(self, name: str, scope: Division | None) -> Division | None:
        """济南市历下区 or 天津城区: a known head followed by a division inside it or an area word."""
        for cut in range(len(name) - 1, 1, -1):
            head, tail = name[:cut], name[cut:]
            if scope is not None and head in (scope.name, scope.short):
                outer: Division | None = scope
            else:
                outer = self._unique(self.find(head, within=scope.code if scope else None), scope)
            if outer is None:
                continue
            if tail in _AREA_WORDS:
                inner = self._unique(self.find(tail, within=outer.code), outer)
                return inner or outer
            inner = self._unique(self.find(tail, within=outer.code), outer)
            if inner is not None:
                return inner
        return None

    def display_name(self, code: str) -> str:
        """Full names from the province down: "河南省平顶山市新华区"."""
        return "".join(d.name for d in self.chain(code))

    def surface_forms(self) -> Iterator[tuple[str, str]]:
        """(surface, code) pairs, full names and short forms, for building automata."""
        for d in self._by_code.values():
            yield d.name, d.code
            if d.short != d.name:
                yield d.short, d.code


def load(lines: Iterable[str]) -> Gazetteer:
    """A gazetteer from the TSV lines (header row first)."""
    reader = csv.reader(lines, delimiter="\t")
    next(reader, None)
    return Gazetteer(
        Division(code, name, short_form(name, level), level, parent or None)
        for code, name, level, parent in reader
    )


@cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded once."""
    text = files("loupan.schema").joinpath("vocab/divisions.tsv").read_text(encoding="utf-8")
    return load(text.splitlines())
