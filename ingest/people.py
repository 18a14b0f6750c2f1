"""Officials and other named people: a title (chain) followed by a Chinese personal name."""

from __future__ import annotations

import re

from .core import Doc, Span
from .lexicon import (
    COMPOUND_SURNAMES,
    NOT_GIVEN_FIRST,
    NOT_NAME_CHARS,
    OFFICIAL_TITLES,
    PERSON_TITLES,
    REPORTER_WORDS,
    SURNAMES,
)
from .seg import common_word, freq, is_word
from .text import is_cjk

_TITLES = sorted({*OFFICIAL_TITLES, *PERSON_TITLES, *REPORTER_WORDS}, key=len, reverse=True)
_TITLE_RE = re.compile("|".join(re.escape(x) for x in _TITLES))
_OFFICIAL = set(OFFICIAL_TITLES)
_PRIVATE_BODIES = ("业委会", "业主委员会", "公司", "集团", "事务所", "研究院", "研究所", "银行", "协会", "商会", "中心")


def _is_word(s: str) -> bool:
    return is_word(s)


def _common_word(s: str) -> bool:
    return common_word(s)


def _name_at(t: str, i: int) -> str | None:
    """A personal name starting at i, or None."""
    if t[i : i + 2] in COMPOUND_SURNAMES:
        sur = 2
    elif t[i : i + 1] in SURNAMES:
        sur = 1
    else:
        return None
    given = ""
    for k in range(2):
        ch = t[i + sur + k : i + sur + k + 1]
        if not ch or not is_cjk(ch) or ch in NOT_GIVEN_FIRST and k == 0:
            break
        given += ch
    if not given or given[0] in NOT_GIVEN_FIRST:
        return None
    name = t[i : i + sur + len(given)]
    if _common_word(t[i : i + sur + 1]):
        return None  # 组长单位, 主任程度: an ordinary word after a title, not a name
    if len(given) == 2:
        two = t[i : i + sur + 1]
        third = given[1]
        nxt = t[i + sur + 2 : i + sur + 4]
        if (
            third in NOT_NAME_CHARS
            or _is_word(t[i + sur + 1 : i + sur + 3])
            and not _is_word(given)
            or t.count(two) > t.count(name) and t.count(two) >= 2
        ) or _is_word(given) and len(nxt) and not _is_word(nxt[:2]) and t.count(name) == 1 and freq(given) > 2000:
            name = two
    return name


def find_people(doc: Doc) -> None:
    t = doc.t
    for m in _TITLE_RE.finditer(t):
        e = m.end()
        title = m.group()
        if title in REPORTER_WORDS:
            # skip the reporters' own bylines: the names after 记者 are not subjects
            j = e
            while j < len(t) and t[j] in " \u3000":
                j += 1
            n = _name_at(t, j)
            if n:
                doc.add(Span(j, j + len(n), "Skip", "reporter", n, {}))
            continue
        j = e
        name = _name_at(t, j)
        if name is None or doc.covered(j) is not None:
            continue
        # the title chain before the name: 市委常委、秘书长、统战部部长
        ts = m.start()
        while True:
            k = ts
            while k > 0 and is_cjk(t[k - 1]) and ts - k < 12 and not doc.covered(k - 1):
                k -= 1
            if ts >= 1 and t[ts - 1] == "、":
                prev = _TITLE_RE.search(t, max(0, ts - 12), ts - 1)
                if prev and prev.end() == ts - 1:
                    ts = prev.start()
                    continue
            break
        org = doc.covered(ts - 1, {"Agency", "TaskForce", "Organization", "Place", "Developer"}) if ts else None
        if org is not None and org.end != ts:
            org = None
        full_title = t[ts:e]
        is_official = title in _OFFICIAL or any(x in full_title for x in OFFICIAL_TITLES)
        if title in PERSON_TITLES:
            is_official = False
        # a title in a company, a firm or an owners' committee is not a public office
        if (org is not None and org.type in ("Organization", "Developer")) or t[max(0, ts - 5) : ts].endswith(_PRIVATE_BODIES):
            is_official = False
        attrs = {"title": full_title}
        if org is not None:
            attrs["org"] = org.name
            attrs["org_key"] = org.key
            attrs["org_type"] = org.type
        typ = "Official" if is_official else "Person"
        sp = Span(j, j + len(name), typ, "name:" + name, name, attrs)
        sp.attrs["title_start"] = ts
        doc.add(sp)
    # later mentions of the same names
    seen = {s.name: s for s in doc.of_type("Official", "Person")}
    for name, sp in seen.items():
        for m in re.finditer(re.escape(name), t):
            if doc.covered(m.start()) is None:
                after = t[m.end() : m.end() + 1]
                if len(name) == 2 and after and is_cjk(after) and _name_at(t, m.start()) != name:
                    continue
                doc.add(Span(m.start(), m.end(), sp.type, sp.key, name, {}))
