"""What a batch reads: files, directories, globs and standard input, turned into work items.

Formats, by suffix (standard input: ``--stdin-format``, else guessed from its first line):

- ``.txt`` ``.md`` ``.html`` ``.htm``: one report per file (HTML is reduced to its text);
- ``.json`` ``.csv``: structured project records (:mod:`loupan.ingest.records`), one item per file;
- ``.jsonl`` ``.ndjson``: records, or an *envelope*: one report per line, an object with ``text``
  (or ``html``) and optional ``url``, ``outlet``, ``publishedAt``, ``title``. The first non-blank
  line decides: an object with ``text`` or ``html`` makes the file an envelope. Envelopes are read
  line by line, so only each line counts against the size limit, not the file.

Encodings: UTF-8 (with or without a BOM), else GB18030 (a superset of GBK and GB2312), detected per
file or per envelope line. Metadata of a text report: a sidecar ``<file>.meta.json`` (an object with
``url``, ``outlet``, ``publishedAt``, ``title``), else its entry in an ``index.json`` in the same
folder (objects with ``file``, ``url``, ``source_outlet``, ``publication_date``, ``title``); neither
is ingested itself. A report's URL is its identity; a file without one is identified by its path,
so a changed file replaces what its earlier version said.

An input that cannot become an item becomes an :class:`InputError` in the stream, in its place, and
the rest goes on. A file over ``max_bytes`` is refused before it is read.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from loupan.errors import InputError, RecordError, UnreadableInput
from loupan.ingest.decoding import (
    BINARY_SAMPLE,
    binary_error,
    blank,
    decoded,
    likely_encoding,
    looks_binary,
    records_text,
    report_text,
)
from loupan.ingest.reading import decode, html_to_text

FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".json": "json", ".csv": "csv",
           ".jsonl": "jsonl", ".ndjson": "jsonl"}
STDIN_FORMATS = ("txt", "md", "html", "json", "jsonl", "csv")
REPORT_FORMATS = ("txt", "md", "html")
METADATA_FILES = ("index.json",)
SIDECAR = ".meta.json"
STDIN = "-"
GLOB_CHARS = frozenset("*?[")
LIMIT_HELP = "LOUPAN_MAX_INPUT_BYTES"
# metadata field -> the keys that may carry it (envelope and sidecar spelling first, index.json after)
META_KEYS = {"title": ("title",), "url": ("url",), "outlet": ("outlet", "source_outlet"),
             "published": ("publishedAt", "published", "publication_date")}


@dataclass(slots=True)
class Meta:
    title: str = ""
    url: str = ""
    outlet: str = ""
    published: str = ""


@dataclass(slots=True)
class Item:
    """One unit of work: a report's text, or the text of one records file."""

    source: str                 # how messages and the rejects file name it: path, path:line, <stdin>
    kind: str                   # "report" | "records"
    text: str
    size: int                   # bytes it took in the input (progress)
    meta: Meta = field(default_factory=Meta)
    origin: str = ""            # identity of a file across versions: "file:<absolute path>"
    fmt: str = ""               # records: json | jsonl | csv
    digest: str = field(init=False, default="")     # of the text: what "unchanged" means
    report_id: str = field(init=False, default="")  # by URL, else by digest (records: by digest)
    replaces: tuple[str, ...] = ()  # set by the batch: earlier versions to forget before writing

    def __post_init__(self) -> None:
        from loupan.ingest.build import content_hash, report_id  # slow to import; the CLI imports this module

        self.digest = content_hash(self.text)
        identity = "records:" + self.digest if self.kind == "records" else self.meta.url or self.digest
        self.report_id = report_id(identity)


def ingestible(path: Path) -> bool:
    return (path.suffix.lower() in FORMATS and path.name not in METADATA_FILES
            and not path.name.endswith(SIDECAR))


def _under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and ingestible(p))


def expand(specs: Iterable[str | Path]) -> Iterator[Path | str | InputError]:
    """What ``specs`` name, in order, each file once: ``"-"`` for standard input, a file named, the
    ingestible files under a directory or matched by a glob (sorted), or an error for a spec that
    names nothing."""
    seen: set[Path] = set()
    for spec in specs:
        text = str(spec)
        if text == STDIN:
            yield STDIN
            continue
        path = Path(text)
        if path.is_dir():
            found = _under(path)
        elif path.exists():
            found = [path]
        elif GLOB_CHARS & set(text):
            found = []
            for match in sorted(glob.glob(text, recursive=True)):
                m = Path(match)
                found.extend(_under(m) if m.is_dir() else [m] if m.is_file() and ingestible(m) else [])
            if not found:
                yield UnreadableInput(text, "no ingestible file matches this pattern")
                continue
        else:
            yield UnreadableInput(text, "no such file or directory; check the path")
            continue
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                yield f


def size_of(entry: Path | str | InputError) -> int:
    if isinstance(entry, Path):
        try:
            return entry.stat().st_size
        except OSError:
            return 0
    return 0


def _too_big(source: str, size: int, limit: int, what: str = "") -> UnreadableInput:
    return UnreadableInput(source, f"{what or 'is'} {size} bytes, over the limit of {limit} ({LIMIT_HELP}); "
                                   "split it or raise the limit")


def jsonl_records(data: bytes, source: str, origin: str) -> Iterator[Item | InputError]:
    """A JSON lines records file as one item. A line in neither encoding (a file cut in the middle of
    a character, say) is rejected alone and left blank, so the records around it still count."""
    try:
        yield Item(source, "records", records_text(data, source), len(data), origin=origin, fmt="jsonl")
        return
    except UnreadableInput as e:
        whole = e
    if b"\x00" in data[:BINARY_SAMPLE]:
        yield whole
        return
    encoding = likely_encoding(data)
    lines: list[str] = []
    bad_lines: list[InputError] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(decoded(raw, f"{source}:{number}", encoding))
        except UnreadableInput as bad:
            bad_lines.append(bad)
            lines.append("")
    text = "\n".join(lines)
    if blank(text) or looks_binary(text):
        yield whole
        return
    yield from bad_lines
    yield Item(source, "records", text, len(data), origin=origin, fmt="jsonl")


def meta_of(obj: dict[str, Any], source: str) -> Meta:
    """Report metadata from an envelope line, a sidecar or an index.json entry."""
    values: dict[str, str] = {}
    for name, keys in META_KEYS.items():
        for key in keys:
            value = obj.get(key)
            if value is None or value == "":
                continue
            if isinstance(value, (dict, list, bool)):
                raise RecordError(source, f"'{key}' should be text, not {type(value).__name__}")
            values[name] = str(value).strip()
            break
    return Meta(**values)


def _json_object(line: bytes) -> dict[str, Any] | None:
    """The line as a JSON object, or None when it is not one."""
    try:
        obj = json.loads(decode(line))
    except (ValueError, InputError):
        return None
    return obj if isinstance(obj, dict) else None


def _is_envelope(line: bytes) -> bool:
    obj = _json_object(line)
    return obj is not None and ("text" in obj or "html" in obj)


class ByteStream(Protocol):
    """What the readers need of a binary stream (a file opened ``rb``, ``sys.stdin.buffer``)."""

    def readline(self, limit: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


def _lines(stream: ByteStream, limit: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, size) for each line; ``None`` for a line over ``limit``, which is skipped unread."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, len(line)
            continue
        size = len(line)
        while line and not line.endswith(b"\n"):
            line = stream.readline(1 << 20)
            size += len(line)
        yield None, size


def envelope_item(raw: bytes, source: str) -> Item:
    """One envelope line as a report item; raises InputError for a line that is not one."""
    try:
        obj = json.loads(decoded(raw, source))
    except json.JSONDecodeError as e:
        raise RecordError(source, f"not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise RecordError(source, "expected an object with 'text' (the report) and optional url, outlet, "
                                  f"publishedAt, title; got {type(obj).__name__}")
    key = "text" if obj.get("text") is not None else "html"
    body = obj.get(key)
    if body is None:
        raise RecordError(source, "has no 'text' (the report's text) or 'html'")
    if not isinstance(body, str):
        raise RecordError(source, f"'{key}' should be the report as a string, not {type(body).__name__}")
    text = html_to_text(body) if key == "html" else body
    if blank(text):
        raise RecordError(source, f"'{key}' is empty; nothing to extract")
    if looks_binary(text):
        raise binary_error(source)
    return Item(source, "report", text, len(raw), meta_of(obj, source))


class Reader:
    """Turns what :func:`expand` yields into items (or errors), streaming: one file or line at a time."""

    def __init__(self, max_bytes: int, *, stdin: ByteStream | None = None, stdin_format: str | None = None) -> None:
        self.max_bytes = max_bytes
        self.stdin = stdin
        self.stdin_format = stdin_format
        self._index: dict[Path, dict[str, dict[str, Any]] | str] = {}

    def items(self, entry: Path | str | InputError) -> Iterator[Item | InputError]:
        if isinstance(entry, InputError):
            yield entry
        elif isinstance(entry, Path):
            try:
                yield from self._file(entry)
            except OSError as e:
                yield UnreadableInput(str(entry), f"cannot be read ({e.strerror or e}); check the path")
        elif self.stdin is not None:
            yield from self._stream(self.stdin, self.stdin_format)
        else:
            yield UnreadableInput("<stdin>", "standard input was named (-) but none is connected here")

    # -- files -------------------------------------------------------------------------------
    def _file(self, path: Path) -> Iterator[Item | InputError]:
        source = str(path)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            yield UnreadableInput(source, f"unknown kind of file {path.suffix!r}; expected one of "
                                          f"{', '.join(FORMATS)}")
            return
        size = path.stat().st_size
        origin = "file:" + str(path.resolve())
        if fmt == "jsonl":
            with path.open("rb") as stream:
                yield from self._jsonl(stream, source, origin, size)
            return
        if size > self.max_bytes:
            yield _too_big(source, size, self.max_bytes)
            return
        data = path.read_bytes()
        try:
            if fmt in REPORT_FORMATS:
                yield Item(source, "report", report_text(data, source), len(data), self._meta(path), origin)
            else:
                yield Item(source, "records", records_text(data, source), len(data), origin=origin, fmt=fmt)
        except InputError as e:
            yield e

    def _meta(self, path: Path) -> Meta:
        """The sidecar's metadata, else the folder index's; InputError for a broken sidecar."""
        sidecar = path.with_name(path.name + SIDECAR)
        if sidecar.is_file():
            try:
                obj = json.loads(decode(sidecar.read_bytes(), str(sidecar)))
            except (ValueError, InputError) as e:
                raise UnreadableInput(str(path), f"its metadata file {sidecar.name} cannot be read ({e}); "
                                                 "fix or remove it") from None
            if not isinstance(obj, dict):
                raise UnreadableInput(str(path), f"its metadata file {sidecar.name} should hold one object "
                                                 "with url, outlet, publishedAt, title")
            return meta_of(obj, str(path))
        folder = path.parent
        if folder not in self._index:
            self._index[folder] = {}
            index = folder / "index.json"
            if index.is_file():
                try:
                    entries = json.loads(index.read_text(encoding="utf-8"))
                    self._index[folder] = {e["file"]: e for e in entries if isinstance(e, dict) and "file" in e}
                except (ValueError, OSError, TypeError):
                    self._index[folder] = {}
        entries = self._index[folder]
        entry = entries.get(path.name) if isinstance(entries, dict) else None
        return meta_of(entry, str(path)) if entry else Meta()

    # -- streams: JSON lines and standard input ------------------------------------------------
    def _jsonl(self, stream: ByteStream, source: str, origin: str, size: int | None) -> Iterator[Item | InputError]:
        head: list[bytes] = []
        lines = _lines(stream, self.max_bytes)
        first: bytes | None = None
        for line, _ in lines:
            if line is None:  # an overlong first line: records, which the whole-file limit refuses
                head.append(b"")
                size = size if size is not None else self.max_bytes + 1
                break
            head.append(line)
            if line.strip():
                first = line
                break
        if first is not None and _is_envelope(first):
            yield from self._envelope(head, lines, source)
            return
        data = b"".join(head)
        if size is None:  # standard input: read on up to the limit
            data += stream.read(self.max_bytes + 1 - len(data))
            size = len(data)
        if size > self.max_bytes:
            yield _too_big(source, size, self.max_bytes)
            return
        data += stream.read()
        records_source = source if source.lower().endswith((".jsonl", ".ndjson")) else f"{source}.jsonl"
        yield from jsonl_records(data, records_source, origin)

    def _envelope(self, head: list[bytes], rest: Iterator[tuple[bytes | None, int]],
                  source: str) -> Iterator[Item | InputError]:
        lines = chain(((h, len(h)) for h in head), rest)
        for number, (raw, size) in enumerate(lines, start=1):
            yield from self._envelope_line(raw, size, f"{source}:{number}")

    def _envelope_line(self, raw: bytes | None, size: int, source: str) -> Iterator[Item | InputError]:
        if raw is None:
            yield _too_big(source, size, self.max_bytes, "the line is")
        elif raw.strip():
            try:
                yield envelope_item(raw, source)
            except InputError as e:
                yield e

    def _stream(self, stream: ByteStream, fmt: str | None) -> Iterator[Item | InputError]:
        if fmt == "jsonl":
            yield from self._jsonl(stream, "<stdin>", "", None)
            return
        head = b""
        if fmt is None:
            while not head.strip():
                line = stream.readline(self.max_bytes + 1)
                if not line:
                    break
                head += line
            stripped = head.lstrip()
            if stripped.startswith(b"{") and _json_object(stripped) is not None:
                yield from self._jsonl(_Prefixed(head, stream), "<stdin>", "", None)
                return
        data = head + stream.read(self.max_bytes + 1 - len(head))
        if len(data) > self.max_bytes:
            yield _too_big("<stdin>", len(data) + len(stream.read()), self.max_bytes, "standard input is")
            return
        if fmt is None:
            fmt = "json" if data.lstrip()[:1] in (b"[", b"{") else "txt"
        try:
            if fmt in REPORT_FORMATS:
                yield Item("<stdin>", "report", report_text(data, "<stdin>"), len(data))
            else:
                source = f"<stdin>.{fmt}"
                yield Item(source, "records", records_text(data, source), len(data), fmt=fmt)
        except InputError as e:
            yield e


class _Prefixed:
    """A binary stream with some already-read bytes put back in front (enough for :func:`_lines`)."""

    def __init__(self, head: bytes, stream: ByteStream) -> None:
        self._head = head
        self._stream = stream

    def readline(self, limit: int = -1) -> bytes:
        if self._head:
            cut = self._head.find(b"\n") + 1 or len(self._head)
            if limit >= 0:
                cut = min(cut, limit)
            line, self._head = self._head[:cut], self._head[cut:]
            if line.endswith(b"\n") or (limit >= 0 and len(line) >= limit):
                return line
            return line + self._stream.readline(limit - len(line) if limit >= 0 else -1)
        return self._stream.readline(limit)

    def read(self, size: int = -1) -> bytes:
        if 0 <= size < len(self._head):
            data, self._head = self._head[:size], self._head[size:]
            return data
        head, self._head = self._head, b""
        return head + self._stream.read(size - len(head) if size >= 0 else -1)
