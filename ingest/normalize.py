"""Text folding and the normalized keys that make node ids deterministic.

A key is what two surface forms of the same thing share after folding: NFKC (full-width →
half-width), whitespace removed, traditional → simplified script, bracketed notes stripped, generic
company suffixes removed. Ids are ``Type:key``; re-ingesting the same input yields the same ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
_SPACE = re.compile(r"\s+")
_BRACKETS = re.compile(r"[(（\[【〔［]([^()（）\[\]【】〔〕［］]*)[)）\]】〕］]")
# A bracket whose content is a date, a month, a count or a status note, not an alternative name.
_NOTE = re.compile(
    r"^(\d{1,4}[年月日号.\-/]?\d{0,2}[月日号]?[初中底旬]?|[一二三四五六七八九十]+月[份初中底旬]?|"
    r".*(停贷|延期|烂尾|交付|交房|告知书|业主|已|未|停工|复工|期房|现房|备注|更新|截至).*|\d+.*)$"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PHASE = re.compile(r"^([一二三四五六七八九十\d]+|[A-Za-z])[期区座栋地块]+$")

COMPANY_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团股份", "控股集团", "集团", "控股", "股份", "公司",
    "房地产开发", "房地产", "地产", "置业", "发展", "实业", "投资",
)
COMPANY_PREFIXES = ("中国",)


class _Simplified:
    """Whether a text is already in simplified script, so that the pure-Python converter (about
    0.1 ms a short name) can be skipped: it is unless it holds a character the converter's
    character table changes or a phrase of its phrase table. Built from the converter's own tables;
    if this version keeps them elsewhere, every text is converted."""

    def __init__(self) -> None:
        self.usable = False
        self.chars: frozenset[str] = frozenset()
        self.phrases: dict[str, tuple[str, ...]] = {}
        try:
            _T2S.convert("")
            tables = [t for group in _T2S._dict_chain_data for t in (group if isinstance(group, list) else [group])]
            chars: set[str] = set()
            phrases: dict[str, list[str]] = {}
            for _, _, mapping in tables:
                for key, value in mapping.items():
                    if len(key) == 1:
                        if value != key:
                            chars.add(key)
                    elif key:
                        phrases.setdefault(key[0], []).append(key)
        except (AttributeError, TypeError, ValueError):
            return
        self.chars = frozenset(chars)
        self.phrases = {c: tuple(ps) for c, ps in phrases.items()}
        self.usable = bool(self.chars)

    def __call__(self, text: str) -> bool:
        if not self.usable or not self.chars.isdisjoint(text):
            return False
        phrases = self.phrases
        for i, ch in enumerate(text):
            if ch in phrases and any(text.startswith(p, i) for p in phrases[ch]):
                return False
        return True


_is_simplified = _Simplified()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """NFKC, no whitespace, simplified script. Length may change; use for keys, not for spans."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    if _is_simplified(text):
        return text
    return str(_T2S.convert(text))


@dataclass(frozen=True, slots=True)
class CleanName:
    core: str
    aliases: tuple[str, ...]
    notes: tuple[str, ...]


@lru_cache(maxsize=4096)  # a name is cleaned for its key and again for its aliases
def clean_name(raw: str) -> CleanName:
    """Split a messy name into its core, bracketed alternative names and bracketed notes.

    ``上东郡（澜悦景苑）`` → core 上东郡, alias 澜悦景苑; ``恒大中心（8月）`` → core 恒大中心, note 8月.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    aliases: list[str] = []
    notes: list[str] = []
    phases: list[str] = []
    for raw_inner in _BRACKETS.findall(text):
        inner = raw_inner.strip()
        if not inner:
            continue
        if _PHASE.match(inner):  # 金科城（二期） is the phase 金科城二期, a project of its own
            phases.append(inner)
        elif _NOTE.match(inner) or len(_CJK.findall(inner)) < 2:
            notes.append(inner)
        else:
            aliases.append(inner)
    core = _BRACKETS.sub("", text).strip()
    core = core.strip("“”\"'「」『』《》") + "".join(phases)
    if not core and aliases:
        core, aliases = aliases[0], aliases[1:]
    return CleanName(core=core, aliases=tuple(aliases), notes=tuple(notes))


def project_core(name: str) -> str:
    core = fold(clean_name(name).core)
    for suffix in ("项目", "楼盘", "小区"):
        if core.endswith(suffix) and len(core) - len(suffix) >= 2:
            core = core[: -len(suffix)]
    return core.replace("·", "").replace("•", "")


def company_core(name: str, region_names: frozenset[str] = frozenset()) -> str:
    """The core of a company name: ``中国恒大集团`` → 恒大, ``阳光城集团`` → 阳光城.

    ``region_names`` (place names and short forms) are stripped from the start, and bracketed
    regions from anywhere: ``中交世茂（北京）置业有限公司`` → 中交世茂.
    """
    text = fold(_BRACKETS.sub("", unicodedata.normalize("NFKC", name or "")))
    changed = True
    while changed:
        changed = False
        for prefix in COMPANY_PREFIXES:
            if text.startswith(prefix) and len(text) - len(prefix) >= 2:
                text, changed = text[len(prefix):], True
        region = _region_table(region_names).longest(text, keep=2) if region_names else ""
        if region:
            text, changed = text[len(region):], True
        for suffix in COMPANY_SUFFIXES:
            if text.endswith(suffix) and len(text) - len(suffix) >= 2:
                text, changed = text[: -len(suffix)], True
    return text


class PrefixTable:
    """A set of prefixes looked up by length: testing a text costs one set probe per distinct
    prefix length (a handful), not one ``startswith`` per prefix (hundreds for a large city)."""

    __slots__ = ("names", "_by_length")

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(sorted(set(names), key=lambda n: (-len(n), n)))
        by_length: dict[int, set[str]] = {}
        for name in self.names:
            by_length.setdefault(len(name), set()).add(name)
        self._by_length = tuple(sorted(((n, frozenset(s)) for n, s in by_length.items()), reverse=True,
                                       key=lambda item: item[0]))

    def longest(self, text: str, keep: int = 0) -> str:
        """The longest prefix of ``text`` in the table that leaves at least ``keep`` characters."""
        for length, names in self._by_length:
            if len(text) - length >= keep and text[:length] in names:
                return text[:length]
        return ""


@lru_cache(maxsize=16)
def _region_table(regions: frozenset[str]) -> PrefixTable:  # a frozenset keeps its hash: the look-up is cheap
    return PrefixTable(regions)


AGENCY_FOLDS = (
    ("住房和城乡建设", "住建"), ("住房城乡建设", "住建"), ("住房与城乡建设", "住建"),
    ("住房保障和房地产管理局", "房管局"), ("房地产管理局", "房管局"), ("房屋管理局", "房管局"),
    ("人民政府", "政府"), ("委员会", "委"),
)


def agency_core(name: str) -> str:
    """Fold the generic parts of an agency name to one form (住房和城乡建设局 → 住建局)."""
    text = fold(name)
    for long, short in AGENCY_FOLDS:
        text = text.replace(long, short)
    return text


def node_id(type_: str, key: str) -> str:
    return f"{type_}:{key}"
