"""Ingestion: files and directories in, graph rows out, one clear error per bad input.

Text reports (``.txt``, ``.html``, ``.htm``, ``.md``) go through the extractor; structured records
(``.json``, ``.jsonl``, ``.csv``) through :mod:`loupan.ingest.records`. Per-report metadata (title,
url, outlet, publication date) comes from an ``index.json`` beside the reports (a list of objects
with ``file``, ``title``, ``url``, ``source_outlet``, ``publication_date``). A bad file or record is
reported and skipped; everything else is still written.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loupan.errors import InputError, LoupanError, UnreadableInput
from loupan.graph.model import EdgeRow, NodeRow, Source
from loupan.graph.store import GraphStore
from loupan.ingest import build
from loupan.ingest.normalize import fold, node_id
from loupan.ingest.records import RECORD_SUFFIXES, Record, parse_records

TEXT_SUFFIXES = (".txt", ".html", ".htm", ".md")
METADATA_FILES = ("index.json",)
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")
KNOWN_TYPES = ("Developer", "Project", "Agency", "TaskForce", "Organization", "Policy", "Outlet")


@dataclass(slots=True)
class Summary:
    files: int = 0
    reports: int = 0
    records: int = 0
    unchanged: int = 0
    errors: list[InputError] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"files": self.files, "reports": self.reports, "records": self.records, "unchanged": self.unchanged,
                "errors": [{"input": e.source, "problem": e.problem} for e in self.errors],
                "warnings": [{"input": s, "problem": p} for s, p in self.warnings]}


def iso_date(value: Any) -> str:
    match = _ISO_DATE.match(str(value or "").strip())
    return match.group(0) if match else ""


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named, and the ingestible files under directories named, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.name not in METADATA_FILES and \
                        child.suffix.lower() in (*TEXT_SUFFIXES, *RECORD_SUFFIXES):
                    yield child
        else:
            yield path


def _metadata_beside(path: Path, cache: dict[Path, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    folder = path.parent
    if folder not in cache:
        cache[folder] = {}
        index = folder / "index.json"
        if index.is_file():
            try:
                entries = json.loads(index.read_text(encoding="utf-8"))
                cache[folder] = {e["file"]: e for e in entries if isinstance(e, dict) and "file" in e}
            except (ValueError, OSError):
                cache[folder] = {}
    return cache[folder].get(path.name, {})


class Ingestor:
    """Writes inputs into a store. One instance per run; it learns names as it goes."""

    def __init__(self, store: GraphStore, *, progress: Callable[[str], None] | None = None) -> None:
        from loupan.ingest.extract import KnownNames
        from loupan.ingest.resolve import Resolver

        self.store = store
        self.resolver = Resolver(store)
        self.known = KnownNames()
        self._progress = progress or (lambda _msg: None)
        self._metadata: dict[Path, dict[str, dict[str, Any]]] = {}
        for row in store.name_rows():
            self._learn(row["type"], row.get("name") or "", row.get("aliases") or [], row["id"])

    def _learn(self, type_: str, name: str, aliases: Iterable[str], canonical: str) -> None:
        if type_ not in KNOWN_TYPES:
            return
        for surface in {name, *aliases}:
            if len(fold(surface)) >= 2:
                self.known.add(surface, type_, name)

    def _already_ingested(self, report_id: str, digest: str) -> bool:
        """Idempotence by content: a report whose text (or a record file whose bytes) we already
        hold is skipped, so re-running a batch neither duplicates nor re-derives anything."""
        node = self.store.get_node(report_id)
        return node is not None and node.attrs.get("content_hash") == digest

    def _write(self, rows: build.Rows) -> None:
        rows = self.resolver.resolve(rows)
        self.store.upsert(rows.nodes, rows.edges)
        self.resolver.after_write(rows)
        for node in rows.nodes:
            self._learn(node.type, node.name, node.aliases, node.id)

    def ingest_paths(self, paths: Iterable[str | Path]) -> Summary:
        summary = Summary()
        for path in expand(paths):
            summary.files += 1
            self._progress(str(path))
            try:
                self.ingest_file(path, summary)
            except InputError as e:
                summary.errors.append(e)
            except OSError as e:
                summary.errors.append(UnreadableInput(str(path), f"cannot read: {e.strerror or e}"))
        return summary

    def ingest_file(self, path: Path, summary: Summary) -> None:
        from loupan.ingest.reading import read_text

        suffix = path.suffix.lower()
        if suffix not in (*TEXT_SUFFIXES, *RECORD_SUFFIXES):
            raise UnreadableInput(str(path), f"unknown kind of file {suffix!r}; expected one of "
                                             f"{', '.join((*TEXT_SUFFIXES, *RECORD_SUFFIXES))}")
        text = read_text(path)
        if suffix in RECORD_SUFFIXES:
            self.ingest_records(text, str(path), summary)
        else:
            meta = _metadata_beside(path, self._metadata)
            before = summary.unchanged
            self.ingest_report(text, source=str(path), title=meta.get("title"), url=meta.get("url"),
                               outlet=meta.get("source_outlet"), published=meta.get("publication_date"),
                               summary=summary)
            summary.reports += summary.unchanged == before

    def ingest_records(self, text: str, source: str, summary: Summary | None = None) -> int:
        summary = summary if summary is not None else Summary()
        records: list[Record] = []
        for item in parse_records(source, text):
            if isinstance(item, InputError):
                summary.errors.append(item)
            else:
                records.append(item)
        if not records:
            return 0
        report_id = build.report_id("records:" + build.content_hash(text))
        if self._already_ingested(report_id, build.content_hash(text)):
            summary.unchanged += 1
            return 0
        report = NodeRow(id=report_id, type="Report",
                         name=Path(source).name, attrs={"kind": "records", "path": Path(source).name,
                                                        "content_hash": build.content_hash(text),
                                                        "records": len(records)})
        rows, problems = build.records_rows(records, report)
        summary.warnings.extend(problems)
        self._write(rows)
        summary.records += len(records)
        return len(records)

    def ingest_report(self, text: str, *, source: str = "<text>", title: str | None = None,
                      url: str | None = None, outlet: str | None = None, published: str | None = None,
                      summary: Summary | None = None) -> str:
        """Extract one report and write it; returns the report's node id. A report already held with
        the same text is left as it is."""
        from loupan.ingest.extract import EXTRACTOR_VERSION, extract

        if not text.strip():
            raise UnreadableInput(source, "the report is empty")
        digest = build.content_hash(text)
        if self._already_ingested(build.report_id(url or digest), digest):
            if summary is not None:
                summary.unchanged += 1
            return build.report_id(url or digest)
        published_iso = iso_date(published)
        first_line = text.strip().splitlines()[0].strip()
        report = NodeRow(
            id=build.report_id(url or digest), type="Report", name=(title or first_line)[:200],
            date=published_iso,
            attrs={k: v for k, v in {"kind": "news", "url": url, "outlet": outlet, "path": Path(source).name,
                                     "content_hash": digest, "chars": len(text),
                                     "published": str(published or "")}.items() if v},
        )
        try:
            extraction = extract(text, published=published_iso or None, known=self.known)
        except LoupanError:
            raise
        except Exception as e:  # an extractor bug must not lose the rest of the batch
            raise InputError(source, f"extraction failed ({type(e).__name__}: {e}); please report this input") from e
        rows = build.extraction_rows(extraction, report, text, EXTRACTOR_VERSION)
        if outlet:
            outlet_name = outlet.split("(")[0].split("（")[0].strip()
            if outlet_name and not outlet_name.lower().startswith("unknown"):
                outlet_node = NodeRow(id=node_id("Outlet", fold(outlet_name)), type="Outlet", name=outlet_name,
                                      key=fold(outlet_name))
                rows.nodes.append(outlet_node)
                rows.edges.append(EdgeRow("PUBLISHED_BY", report.id, outlet_node.id,
                                          [Source(report.id, quote=outlet, field="source_outlet", by="metadata")]))
        self._write(rows)
        return report.id


def default_progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr)
