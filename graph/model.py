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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

NODE_PROPERTIES = ("id", "type", "labels", "name", "aliases", "key", "code", "level", "date", "attrs")
EDGE_PROPERTIES = ("id", "type", "attrs", "sources")
# division codes: the provincial-level municipalities (北京, 天津, 上海, 重庆)
MUNICIPALITY_PREFIXES = ("11", "12", "31", "50")


def city_code(code: str) -> str:
    """The prefecture-level code for a division code: 410102 → 410100; 110105 → 110000 (the Neo4j
    dialect spells the same rule in Cypher: ``cypher.neo4j.city_prefix``)."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return ""
    if code[:2] in MUNICIPALITY_PREFIXES:
        return code[:2] + "0000"
    if code[2:4] == "90":  # a county-level city directly under its province (济源, 仙桃 …)
        return code
    return code[:4] + "00"


def code_prefix(code: str) -> str:
    """The prefix every division inside ``code`` starts with: 410100 → 4101, 410000 → 41."""
    trimmed = code
    while trimmed.endswith("00") and len(trimmed) > 2:
        trimmed = trimmed[:-2]
    return trimmed


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


def _decoded(text: str | None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text) if text else {}
    return data


class _Read:
    """What :class:`Node` and :class:`Edge` share: ``attrs`` kept as the stored JSON text until
    something reads it, and equality and repr by the fields named in ``__match_args__``."""

    __slots__ = ("_attrs", "_attrs_text")
    __match_args__: tuple[str, ...] = ()
    _attrs: dict[str, Any] | None
    _attrs_text: str | None

    @property
    def attrs(self) -> dict[str, Any]:
        if self._attrs is None:
            self._attrs = _decoded(self._attrs_text)
        return self._attrs

    @attrs.setter
    def attrs(self, value: dict[str, Any]) -> None:
        self._attrs = value

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__match_args__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclasses these replace

    def __repr__(self) -> str:
        pairs = zip(self.__match_args__, self._fields(), strict=True)
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in pairs) + ")"


class Node(_Read):
    """A node as read back from a store.

    ``attrs`` is kept as the stored JSON text until something reads it: most reads (a page of
    names, ten thousand projects' ids and codes) never do, and decoding it was most of the cost of
    turning a row into a ``Node``.
    """

    __slots__ = ("id", "type", "name", "labels", "aliases", "key", "code", "level", "date")
    __match_args__ = ("id", "type", "name", "labels", "aliases", "key", "code", "level", "date", "attrs")

    def __init__(self, id: str, type: str, name: str, labels: list[str], aliases: list[str],
                 key: str, code: str, level: str, date: str, attrs: dict[str, Any] | None = None, *,
                 attrs_text: str | None = None) -> None:
        self.id, self.type, self.name, self.labels, self.aliases = id, type, name, labels, aliases
        self.key, self.code, self.level, self.date = key, code, level, date
        self._attrs, self._attrs_text = attrs, attrs_text

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Node:
        """A node from a store's row; properties the row lacks (a read with ``fields``) are empty.
        Slots are set directly, without the ``__init__`` call: this runs once per node read."""
        get = rec.get
        node = cls.__new__(cls)
        node.id, node.type, node.name = rec["id"], rec["type"], get("name") or ""
        # both stores' drivers give a list property as a new list: it is the node's own
        node.labels, node.aliases = get("labels") or [], get("aliases") or []
        node.key, node.code, node.level, node.date = get("key") or "", get("code") or "", get("level") or "", get("date") or ""
        node._attrs, node._attrs_text = None, get("attrs")
        return node

    @staticmethod
    def maker(columns: tuple[str, ...]) -> Callable[[Iterable[Sequence[Any]]], list[Node]]:
        """A function turning positional rows with these columns into nodes (see :func:`_node_maker`)."""
        return _node_maker(columns)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "labels": self.labels, "name": self.name,
                "aliases": self.aliases, "key": self.key, "code": self.code, "level": self.level,
                "date": self.date, "attrs": self.attrs}


class _NoItems(list):  # type: ignore[type-arg]
    """The empty list of every node read without its labels or aliases column: one shared list that
    refuses changes, not two new lists per node (4,000 task forces' rows: 0.83 -> 0.65 ms to make).
    Equal to ``[]``, encoded as ``[]``; a caller that wants to change a node's list assigns a new one."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a node read without this column shares its empty list: assign a new list instead")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


NO_ITEMS: list[Any] = _NoItems()

# Node attribute -> (value when the column is there, value when it is not): ``{v}`` is the column.
_NODE_COLUMN_CODE = {
    "id": ("{v}", None), "type": ("{v}", None), "name": ("{v} or ''", "''"), "labels": ("{v} or []", "NO_ITEMS"),
    "aliases": ("{v} or []", "NO_ITEMS"), "key": ("{v} or ''", "''"), "code": ("{v} or ''", "''"),
    "level": ("{v} or ''", "''"), "date": ("{v} or ''", "''"), "_attrs_text": ("{v}", "None"),
}


@cache
def _node_maker(columns: tuple[str, ...]) -> Callable[[Iterable[Sequence[Any]]], list[Node]]:
    """Nodes from positional rows whose columns are ``columns`` (node properties, in any order, with
    ``id`` and ``type``; a column of another name is skipped), as :meth:`Node.from_record` makes them
    from dicts. The function is generated once per column tuple, as ``dataclasses`` generates
    ``__init__``: the row is unpacked in the ``for`` and each slot set by a plain assignment, with no
    dict and no test per row for the columns absent (4,000 rows of four columns: 2.4 ms, against
    6.4 ms for ``from_record`` of the same rows as dicts; ``bench/README.md`` has the command)."""
    if "id" not in columns or "type" not in columns:
        raise ValueError(f"node rows need id and type columns, not only {columns}")
    attribute = {c: ("_attrs_text" if c == "attrs" else c) for c in columns if c in NODE_PROPERTIES}
    variables = [f"v_{c}" if c in attribute else "_" for c in columns]
    lines = ["def make(rows):", "    out = []", "    append = out.append",
             f"    for {', '.join(variables)}{',' if len(variables) == 1 else ''} in rows:",
             "        node = new(Node)"]
    present = {attribute[c]: f"v_{c}" for c in attribute}
    for slot, (there, absent) in _NODE_COLUMN_CODE.items():
        value = there.format(v=present[slot]) if slot in present else absent
        lines.append(f"        node.{slot} = {value}")
    lines += ["        node._attrs = None", "        append(node)", "    return out"]
    namespace: dict[str, Any] = {"new": Node.__new__, "Node": Node, "NO_ITEMS": NO_ITEMS}
    exec("\n".join(lines), namespace)  # generated from the names above, no input text
    made: Callable[[Iterable[Sequence[Any]]], list[Node]] = namespace["make"]
    return made


class Edge(_Read):
    """An edge as read back from a store. ``attrs`` and ``sources`` stay JSON text until read."""

    __slots__ = ("id", "type", "source", "target", "_sources", "_sources_text")
    __match_args__ = ("id", "type", "source", "target", "attrs", "sources")

    def __init__(self, id: str, type: str, source: str, target: str,
                 attrs: dict[str, Any] | None = None, sources: list[Source] | None = None, *,
                 attrs_text: str | None = None, sources_text: list[str] | None = None) -> None:
        self.id, self.type, self.source, self.target = id, type, source, target
        self._attrs, self._attrs_text = attrs, attrs_text
        self._sources, self._sources_text = sources, sources_text

    @property
    def sources(self) -> list[Source]:
        if self._sources is None:
            self._sources = [Source.decode(s) for s in self._sources_text or ()]
        return self._sources

    @sources.setter
    def sources(self, value: list[Source]) -> None:
        self._sources = value

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Edge:
        get = rec.get
        return cls(rec["id"], rec["type"], rec["source"], rec["target"], attrs_text=get("attrs"),
                   sources_text=get("sources"))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "source": self.source, "target": self.target,
                "attrs": self.attrs, "sources": [json.loads(s.encode()) for s in self.sources]}
