"""Structured records: JSON arrays, JSON lines and CSV files of projects, and developer →
subsidiary maps (the shape of the crowd-sourced stalled-project list and its extra-info file).

Project record: ``name``, ``city``, ``province``, optional ``developer``, ``district``,
``subsidiary``; every other key is kept as an attribute. Subsidiary map: a JSON object keyed by
``province-city-name`` whose values carry ``developer`` and optionally ``developer-subsidiary``.
A bad record becomes a :class:`RecordError` naming the file and the record; the others go on.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from loupan.errors import InputError, RecordError, UnreadableInput

RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
PROJECT_FIELDS = ("name", "city", "province")


@dataclass(slots=True)
class Record:
    ref: str                 # "file#index" — the record's place in its source
    kind: str                # "project" | "subsidiary"
    fields: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise TypeError("a nested object where text was expected")
    return str(value).strip()


def _project(ref: str, raw: Any) -> Record:
    if not isinstance(raw, dict):
        raise RecordError(ref, f"expected an object with {', '.join(PROJECT_FIELDS)}, got {type(raw).__name__}")
    try:
        fields = {k: _as_text(raw.get(k)) for k in (*PROJECT_FIELDS, "developer", "district", "subsidiary",
                                                     "developer-subsidiary")}
    except TypeError as e:
        raise RecordError(ref, str(e)) from e
    if not fields["name"]:
        raise RecordError(ref, "the record has no 'name' (the project's name)")
    if not (fields["city"] or fields["province"]):
        raise RecordError(ref, "the record has neither 'city' nor 'province'; at least one is needed to place it")
    fields["subsidiary"] = fields["subsidiary"] or fields.pop("developer-subsidiary")
    fields.pop("developer-subsidiary", None)
    extra = {k: v for k, v in raw.items() if k not in fields and k != "developer-subsidiary" and v not in ("", None)}
    return Record(ref, "project", fields, extra)


def _subsidiary_map(source: str, data: dict[str, Any]) -> Iterator[Record | RecordError]:
    for key, value in data.items():
        ref = f"{source}#{key}"
        if not isinstance(value, dict) or not _as_text(value.get("developer")):
            yield RecordError(ref, "expected an object with a 'developer' field")
            continue
        parts = key.split("-", 2)
        if len(parts) != 3 or not all(parts):
            yield RecordError(ref, "the key should read 'province-city-name'")
            continue
        province, city, name = parts
        fields = {"name": name, "city": city, "province": province, "developer": _as_text(value["developer"]),
                  "subsidiary": _as_text(value.get("developer-subsidiary")), "district": ""}
        extra = {k: v for k, v in value.items() if k not in ("developer", "developer-subsidiary") and v}
        yield Record(ref, "subsidiary", fields, extra)


def parse_records(source: str, text: str) -> Iterator[Record | InputError]:
    """Records in ``text`` (read from ``source``): each a Record, or an error for that record alone."""
    lower = source.lower()
    if lower.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "name" not in reader.fieldnames:
            yield UnreadableInput(source, f"CSV header {reader.fieldnames!r} has no 'name' column")
            return
        for i, row in enumerate(reader, start=2):
            if None in row:
                yield RecordError(f"{source}:{i}", "more cells than header columns")
                continue
            try:
                yield _project(f"{source}:{i}", row)
            except RecordError as e:
                yield e
        return
    if lower.endswith((".jsonl", ".ndjson")):
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                yield _project(f"{source}:{i}", json.loads(line))
            except json.JSONDecodeError as e:
                yield RecordError(f"{source}:{i}", f"not valid JSON ({e.msg} at column {e.colno})")
            except RecordError as e:
                yield e
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        yield UnreadableInput(source, f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno}); "
                                      "nothing in this file was ingested")
        return
    if isinstance(data, list):
        for i, raw in enumerate(data):
            try:
                yield _project(f"{source}#{i}", raw)
            except RecordError as e:
                yield e
    elif isinstance(data, dict) and data and all(isinstance(v, dict) and "developer" in v for v in data.values()):
        yield from _subsidiary_map(source, data)
    elif isinstance(data, dict) and "name" in data:
        try:
            yield _project(f"{source}#0", data)
        except RecordError as e:
            yield e
    else:
        yield UnreadableInput(source, "JSON is neither a list of project records nor a "
                                      "'province-city-name' → {developer, developer-subsidiary} map")
