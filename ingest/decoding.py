"""Bytes to text for ingestion: which encoding, whether it is text at all, whether anything is there.

UTF-8 (with or without a BOM), else GB18030 (a superset of GBK and GB2312), as
:func:`loupan.ingest.reading.decode` reads them, with two refusals on top: UTF-8 with a few bad bytes
(a damaged or cut file) is an error rather than GB18030 mojibake, and text that is mostly control
characters is binary. Text of nothing but white space and invisible characters is empty.
"""

from __future__ import annotations

import re

from loupan.errors import UnreadableInput
from loupan.ingest.reading import decode, read_text

BINARY_SAMPLE = 4096
INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))  # BOM, zero-width spaces and joiners
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that surrogateescape kept: not UTF-8
_WIDE = re.compile("[\u0080-\udc7f\udd00-\U0010ffff]")  # characters that UTF-8 spells in several bytes
DAMAGE_RATIO = 4  # valid multi-byte UTF-8 characters per invalid byte above which a file is damaged UTF-8


def _utf8_evidence(data: bytes) -> tuple[int, int]:
    """(bytes that are not UTF-8, characters spelled in valid multi-byte UTF-8) in ``data``."""
    text = data.decode("utf-8", "surrogateescape")
    return len(_ESCAPED.findall(text)), len(_WIDE.findall(text))


def decoded(data: bytes, source: str, encoding: str | None = None) -> str:
    """The text of ``data``: UTF-8, else GB18030, as :func:`~loupan.ingest.reading.decode` reads it,
    except that UTF-8 with a few bad bytes (a damaged or cut file) is an error, not GB18030 mojibake.
    ``encoding`` forces one of the two."""
    if encoding == "gb18030":
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise UnreadableInput(source, "is not GB18030 like the rest of its file") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        first = e.start
    bad, wide = _utf8_evidence(data)
    damaged = UnreadableInput(source, f"is UTF-8 with {bad} invalid byte(s), the first at byte {first}: a "
                                      "damaged or cut file? repair it, or save it again as UTF-8")
    if encoding == "utf-8" or wide >= DAMAGE_RATIO * bad:
        raise damaged
    try:
        return decode(data, source)
    except UnreadableInput:
        if wide >= bad:
            raise damaged from None
        raise


def likely_encoding(data: bytes) -> str:
    """For a file that is not clean in either: the encoding most of it is in."""
    bad, wide = _utf8_evidence(data)
    return "utf-8" if wide >= bad else "gb18030"


def blank(text: str) -> bool:
    """Nothing but white space and invisible characters."""
    return not text.translate(INVISIBLE).strip()


def looks_binary(text: str) -> bool:
    """More than 1% control characters (other than tab, newlines, form feed) near the start."""
    sample = text[:BINARY_SAMPLE]
    controls = sum(1 for c in sample if (c < " " and c not in "\t\n\r\f\v") or c == "\x7f")
    return controls > len(sample) // 100


def binary_error(source: str) -> UnreadableInput:
    return UnreadableInput(source, "looks binary (control characters); give a text, HTML, JSON or CSV file")


def report_text(data: bytes, source: str) -> str:
    """A report's text from bytes (decoded, HTML reduced to text), or UnreadableInput naming ``source``."""
    if b"\x00" not in data[:BINARY_SAMPLE]:
        decoded(data, source)  # damaged UTF-8 is refused, not read as GB18030
    try:
        text = read_text(data)
    except UnreadableInput as e:
        raise UnreadableInput(source, e.problem) from None
    if blank(text):
        raise UnreadableInput(source, "is empty; nothing to extract")
    if looks_binary(text):
        raise binary_error(source)
    return text


def records_text(data: bytes, source: str) -> str:
    """A records file's text from bytes: decoded, never HTML-stripped (JSON may quote markup)."""
    if b"\x00" in data[:BINARY_SAMPLE]:
        raise UnreadableInput(source, "looks binary (NUL bytes); give a JSON, JSON lines or CSV file")
    text = decoded(data, source)
    if blank(text):
        raise UnreadableInput(source, "is empty; nothing to ingest")
    if looks_binary(text):
        raise binary_error(source)
    return text
