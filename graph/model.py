"""Rows that cross the store boundary, and the graph vocabulary loaded from `schema/model.json`.

Every backend stores the same properties:

- node: ``id`` (deterministic from type and normalized key), ``type`` (primary label), ``labels``
  (all labels, e.g. ``["Person", "Official"]``), ``name``, ``aliases``, ``key``, ``code`` (GB/T 2260
  division code of a Place, or of the place an entity is keyed under), ``level``, ``date`` (ISO,
  as precise as known), ``attrs`` (JSON object of everything else);
- edge: ``id`` (deterministic from type and ends), ``type``, ``attrs`` (JSON), ``sources`` (list of
  JSON-encoded :class:`Source`).

An entity's own provenance is the set of ``MENTIONS`` edges pointing at it from ``Report`` nodes:
structured record files are Reports too, so every fact has a report and a quote or field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

NODE_PROPERTIES = ("id", "type", "labels", "name", "aliases", "key", "code", "level", "date", "attrs")
EDGE_PROPERTIES = ("id", "type", "attrs", "sources")


@cache
def vocabulary() -> dict[str, Any]:
    """The graph model declared in ``schema/model.json``."""
    text = resources.files("loupan.schema").joinpath("model.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def node_labels() -> tuple[str, ...]:
    return tuple(vocabulary()["labels"])


def relationship_types() -> tuple[str, ...]:
    return tuple(vocabulary()["relationships"])


@dataclass(frozen=True, slots=True)
class Source:
    """Where one fact came from: a report (or record file), and the quote, span or field in it."""

    report: str
    quote: str = ""
    start: int | None = None
    end: int | None = None
    record: str | None = None
    field: str | None = None
    by: str = ""

    def encode(self) -> str:
        data = {k: v for k, v in (
            ("report", self.report), ("quote", self.quote), ("start", self.start), ("end", self.end),
            ("record", self.record), ("field", self.field), ("by", self.by),
        ) if v not in (None, "")}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Source:
        data = json.loads(text)
        return cls(**{k: data.get(k) for k in ("report", "quote", "start", "end", "record", "field", "by")
                      if data.get(k) is not None})


@dataclass(slots=True)
class NodeRow:
    id: str
    type: str
    name: str
    labels: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    key: str = ""
    code: str = ""
    level: str = ""
    date: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in self.labels:
            self.labels = [self.type, *self.labels]

    def params(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.type, "labels": sorted(set(self.labels)), "name": self.name,
            "aliases": sorted(set(self.aliases) - {self.name}), "key": self.key, "code": self.code,
            "level": self.level, "date": self.date,
            "attrs": json.dumps(self.attrs, ensure_ascii=False, sort_keys=True),
        }

    def absorb(self, other: NodeRow) -> None:
        """Fold another row for the same id into this one (used to de-duplicate a batch)."""
        if len(other.name) > len(self.name):
            self.aliases.append(self.name)
            self.name = other.name
        elif other.name != self.name:
            self.aliases.append(other.name)
        self.aliases.extend(other.aliases)
        self.labels = sorted(set(self.labels) | set(other.labels))
        for attr in ("key", "code", "level", "date"):
            if not getattr(self, attr):
                setattr(self, attr, getattr(other, attr))
        self.attrs = {**other.attrs, **self.attrs}


def edge_id(type_: str, source: str, target: str) -> str:
    return f"{type_}|{source}|{target}"


@dataclass(slots=True)
class EdgeRow:
    type: str
    source: str
    target: str
    sources: list[Source] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return edge_id(self.type, self.source, self.target)

    def params(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.type, "source": self.source, "target": self.target,
            "attrs": json.dumps(self.attrs, ensure_ascii=False, sort_keys=True),
            "sources": sorted({s.encode() for s in self.sources}),
        }

    def absorb(self, other: EdgeRow) -> None:
        self.sources.extend(s for s in other.sources if s not in self.sources)
        self.attrs = {**other.attrs, **self.attrs}


@dataclass(slots=True)
class Node:
    """A node as read back from a store."""

    id: str
    type: str
    name: str
    labels: list[str]
    aliases: list[str]
    key: str
    code: str
    level: str
    date: str
    attrs: dict[str, Any]

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Node:
        return cls(
            id=rec["id"], type=rec["type"], name=rec.get("name") or "", labels=list(rec.get("labels") or []),
            aliases=list(rec.get("aliases") or []), key=rec.get("key") or "", code=rec.get("code") or "",
            level=rec.get("level") or "", date=rec.get("date") or "",
            attrs=json.loads(rec.get("attrs") or "{}"),
        )

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "labels": self.labels, "name": self.name,
                "aliases": self.aliases, "key": self.key, "code": self.code, "level": self.level,
                "date": self.date, "attrs": self.attrs}


@dataclass(slots=True)
class Edge:
    """An edge as read back from a store."""

    id: str
    type: str
    source: str
    target: str
    attrs: dict[str, Any]
    sources: list[Source]

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Edge:
        return cls(
            id=rec["id"], type=rec["type"], source=rec["source"], target=rec["target"],
            attrs=json.loads(rec.get("attrs") or "{}"),
            sources=[Source.decode(s) for s in rec.get("sources") or []],
        )

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "source": self.source, "target": self.target,
                "attrs": self.attrs, "sources": [json.loads(s.encode()) for s in self.sources]}
