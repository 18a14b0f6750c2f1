"""Reading a report from a file, stdin or bytes: UTF-8 or GB18030, HTML stripped to text."""

from __future__ import annotations

import html
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from loupan.errors import UnreadableInput

_HTML_HINT = re.compile(rb"<\s*(html|body|head|p|div|br|meta|!doctype)\b", re.I)
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "title"}


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _decode(data: bytes, source: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise UnreadableInput(source, "neither UTF-8 nor GB18030; convert it to UTF-8 first")


def decode(data: bytes, source: str = "<bytes>") -> str:
    """``data`` as text: UTF-8 (with or without a BOM), else GB18030 (which covers GBK and GB2312).
    Raises UnreadableInput naming ``source`` when it is neither."""
    return _decode(data, source)


def read_text(path_or_bytes: str | Path | bytes) -> str:
    """The text of a report. `"-"` reads stdin. Raises UnreadableInput for binary, undecodable or empty input."""
    if isinstance(path_or_bytes, bytes):
        source, data = "<bytes>", path_or_bytes
    elif str(path_or_bytes) == "-":
        source, data = "<stdin>", sys.stdin.buffer.read()
    else:
        source = str(path_or_bytes)
        try:
            data = Path(path_or_bytes).read_bytes()
        except OSError as e:
            raise UnreadableInput(source, f"cannot be read ({e.strerror or e}); check the path") from e
    if b"\x00" in data[:4096]:
        raise UnreadableInput(source, "looks binary (NUL bytes); give a text or HTML file")
    text = _decode(data, source)
    if _HTML_HINT.search(data[:4096]):
        text = html_to_text(text)
    if not text.strip():
        raise UnreadableInput(source, "is empty; nothing to extract")
    return text
