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


@dataclass(slots=True)
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

    # --- span bookkeeping ---
    def conflicts(self, start: int, end: int, type_: str) -> bool:
        """True when [start, end) crosses an existing span or sits where `type_` may not nest."""
        for s in self.spans:
            if s.end <= start or s.start >= end:
                continue
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
        return True

    def remove_inside(self, start: int, end: int, types: set[str]) -> None:
        self.spans = [
            s for s in self.spans if not (s.type in types and start <= s.start and s.end <= end and (s.start, s.end) != (start, end))
        ]

    def covered(self, pos: int, types: set[str] | None = None) -> Span | None:
        for s in self.spans:
            if s.start <= pos < s.end and (types is None or s.type in types):
                return s
        return None

    def of_type(self, *types: str) -> list[Span]:
        return sorted((s for s in self.spans if s.type in types), key=lambda s: s.start)
