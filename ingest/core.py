"""Internal working state of one extraction: the folded text and the spans found so far."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from .lexicon import CLAUSE_STOPS, SENTENCE_ENDS

# Which types may sit inside a span of another type (a place inside an agency name, …).
NESTS: dict[str, frozenset[str]] = {
    "Agency": frozenset({"Place"}),
    "TaskForce": frozenset({"Place", "Agency", "Policy"}),
    "Policy": frozenset({"Place", "Agency", "TaskForce"}),
    "Event": frozenset({"Place", "Agency", "Project", "Developer", "Policy", "TaskForce"}),
    "Organization": frozenset({"Place"}),
    "Project": frozenset({"Developer", "Place"}),
}


@dataclass(slots=True, eq=False)
class Span:
    start: int
    end: int
    type: str
    key: str  # entities are mentions grouped by (type, key)
    name: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Doc:
    text: str  # the original
    t: str  # folded, same length
    published: str | None
    spans: list[Span] = field(default_factory=list)
    _sent: list[int] = field(default_factory=list)
    _para: list[int] = field(default_factory=list)
    _cover: dict[int, list[Span]] = field(default_factory=dict)
    _by_type: dict[tuple[str, ...], list[Span]] = field(default_factory=dict)
    _dirty: bool = True

    def __post_init__(self) -> None:
        self._sent = [i + 1 for i, ch in enumerate(self.t) if ch in SENTENCE_ENDS]
        self._para = [i + 1 for i, ch in enumerate(self.t) if ch == "\n"]

    # --- geometry ---
    def sentence_of(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._sent, pos)
        start = self._sent[i - 1] if i else 0
        end = self._sent[i] if i < len(self._sent) else len(self.t)
        return start, end

    def paragraph_of(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._para, pos)
        start = self._para[i - 1] if i else 0
        end = self._para[i] if i < len(self._para) else len(self.t)
        return start, end

    def clause_of(self, pos: int) -> tuple[int, int]:
        s = pos
        while s > 0 and self.t[s - 1] not in CLAUSE_STOPS:
            s -= 1
        e = pos
        while e < len(self.t) and self.t[e] not in CLAUSE_STOPS:
            e += 1
        return s, e

    # --- span bookkeeping (a per-character index keeps look-ups cheap on long reports) ---
    def _index(self) -> dict[int, list[Span]]:
        if self._dirty:
            cover: dict[int, list[Span]] = {}
            for sp in self.spans:
                for i in range(sp.start, sp.end):
                    cover.setdefault(i, []).append(sp)
            self._cover = cover
            self._by_type = {}
            self._dirty = False
        return self._cover

    def overlapping(self, start: int, end: int) -> list[Span]:
        cover = self._index()
        seen: dict[int, Span] = {}
        for i in range(max(0, start), end):
            for sp in cover.get(i, ()):
                seen[id(sp)] = sp
        return list(seen.values())

    def conflicts(self, start: int, end: int, type_: str) -> bool:
        """True when [start, end) crosses an existing span or sits where `type_` may not nest."""
        for s in self.overlapping(start, end):
            if s.start <= start and end <= s.end:
                if (s.start, s.end) == (start, end):
                    return True
                if type_ not in NESTS.get(s.type, frozenset()):
                    return True
                continue
            if start <= s.start and s.end <= end:
                if s.type not in NESTS.get(type_, frozenset()):
                    return True
                continue
            return True
        return False

    def add(self, span: Span, *, force: bool = False) -> bool:
        if not force and self.conflicts(span.start, span.end, span.type):
            return False
        self.spans.append(span)
        if not self._dirty:
            for i in range(span.start, span.end):
                self._cover.setdefault(i, []).append(span)
            self._by_type = {}
        return True

    def remove(self, span: Span) -> None:
        self.spans = [s for s in self.spans if s is not span]
        if not self._dirty:
            for i in range(span.start, span.end):
                self._cover[i] = [s for s in self._cover.get(i, ()) if s is not span]
            self._by_type = {}

    def remove_inside(self, start: int, end: int, types: set[str]) -> None:
        doomed = [
            s for s in self.overlapping(start, end)
            if s.type in types and start <= s.start and s.end <= end and (s.start, s.end) != (start, end)
        ]
        for s in doomed:
            self.remove(s)

    def covered(self, pos: int, types: set[str] | None = None) -> Span | None:
        for s in self._index().get(pos, ()):
            if types is None or s.type in types:
                return s
        return None

    def containers(self, span: Span) -> list[Span]:
        """Spans that strictly contain `span`."""
        return [
            s for s in self._index().get(span.start, ())
            if s is not span and s.start <= span.start and span.end <= s.end and (s.start, s.end) != (span.start, span.end)
        ]

    def of_type(self, *types: str) -> list[Span]:
        self._index()
        got = self._by_type.get(types)
        if got is None:
            got = sorted((s for s in self.spans if s.type in types), key=lambda s: s.start)
            self._by_type[types] = got
        return list(got)
