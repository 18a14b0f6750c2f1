"""Who changed what, when and why; and match decisions (judgements) kept as data.

Changes and judgements live beside the graph in every store (ladybug: ``Change`` and ``Judgement``
tables; Neo4j: ``:LoupanChange`` and ``:LoupanJudgement`` nodes), are append-only, and survive
re-ingestion, so a merge can be undone and a "not the same" is never forgotten.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DECISIONS = ("same", "not_same", "unsure")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class Change:
    action: str
    targets: list[str]
    who: str
    reason: str
    payload: dict[str, Any] = field(default_factory=dict)
    at: str = field(default_factory=now)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def params(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at, "who": self.who, "action": self.action, "targets": self.targets,
                "reason": self.reason, "payload": json.dumps(self.payload, ensure_ascii=False, sort_keys=True)}

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Change:
        return cls(action=rec["action"], targets=list(rec.get("targets") or []), who=rec.get("who") or "",
                   reason=rec.get("reason") or "", payload=json.loads(rec.get("payload") or "{}"),
                   at=rec["at"], id=rec["id"])


@dataclass(slots=True)
class Judgement:
    """A decision about whether two entities are the same; the newest for a pair wins."""

    a: str
    b: str
    decision: str
    who: str
    reason: str
    score: float = 0.0
    features: dict[str, Any] = field(default_factory=dict)
    at: str = field(default_factory=now)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {self.decision!r}")
        if self.a > self.b:
            self.a, self.b = self.b, self.a

    def params(self) -> dict[str, Any]:
        return {"id": self.id, "a": self.a, "b": self.b, "decision": self.decision, "at": self.at,
                "who": self.who, "reason": self.reason, "score": float(self.score),
                "features": json.dumps(self.features, ensure_ascii=False, sort_keys=True)}

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Judgement:
        return cls(a=rec["a"], b=rec["b"], decision=rec["decision"], who=rec.get("who") or "",
                   reason=rec.get("reason") or "", score=float(rec.get("score") or 0.0),
                   features=json.loads(rec.get("features") or "{}"), at=rec["at"], id=rec["id"])
