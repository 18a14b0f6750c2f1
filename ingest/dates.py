"""Date expressions in Chinese reports, resolved against the publication date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

DATE_RE = re.compile(
    r"(?=\d)(?:(?P<y>(?:19|20)\d{2})年)?(?:(?P<m>1[0-2]|0?[1-9])月(?:份)?)?(?:(?P<d>3[01]|[12]\d|0?[1-9])[日号])?"
)
RELATIVE = {"昨日": -1, "昨天": -1, "今日": 0, "今天": 0, "前日": -2, "前天": -2}
_PUB_RE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(slots=True)
class DateHit:
    start: int
    end: int
    iso: str  # "2022-07-15", "2022-07", "2022", or "--07-15" when the year is unknown


def parse_published(value: str | None) -> tuple[int | None, int | None, int | None]:
    if not value:
        return None, None, None
    m = _PUB_RE.match(value)
    if not m:
        return None, None, None
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    return y, mo, d


def find_dates(text: str, published: str | None) -> list[DateHit]:
    py, pm, pd = parse_published(published)
    hits: list[DateHit] = []
    for m in DATE_RE.finditer(text):
        if m.end() == m.start():
            continue
        y, mo, d = m.group("y"), m.group("m"), m.group("d")
        if mo is None and d is not None:
            continue  # a bare "15日" is too ambiguous
        if y is None and mo is None:
            continue
        start = m.start()
        if start > 0 and text[start - 1].isdigit():
            continue
        if y is None and mo is not None and d is None and text[m.end() - 1 : m.end()] not in ("月", "份"):
            continue
        year = int(y) if y else None
        if year is None and text[max(0, start - 2) : start] == "今年":
            year = py
            start -= 2
        elif year is None and text[max(0, start - 2) : start] == "去年" and py:
            year = py - 1
            start -= 2
        elif year is None and py is not None:
            year = py
            # a month later than publication belongs to the previous year
            if pm is not None and mo is not None and int(mo) > pm + 1:
                year = py - 1
        parts = []
        if mo is not None:
            parts.append(f"{int(mo):02d}")
            if d is not None:
                parts.append(f"{int(d):02d}")
        iso = (str(year) if year else "-") + "".join("-" + p for p in parts)
        hits.append(DateHit(start, m.end(), iso))
    for word, delta in RELATIVE.items():
        for m in re.finditer(word, text):
            iso = "-"
            if py and pm and pd:
                iso = (date(py, pm, pd) + timedelta(days=delta)).isoformat()
            hits.append(DateHit(m.start(), m.end(), iso))
    hits.sort(key=lambda h: h.start)
    return [h for h in hits if h.iso != "-"]
