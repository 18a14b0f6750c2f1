"""Script and width folding that keeps character offsets.

`fold(text)` returns a string of exactly the same length as `text`: every character is replaced by
its NFKC form and then by its simplified-script form, but only where that replacement is itself a
single character. A span found in the folded text is therefore the same span in the original, so
extraction runs on the folded text and quotes the original.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

_EXTRA = {
    # punctuation that NFKC leaves alone but that the recognisers treat alike
    "\u3000": " ",
    "\u00a0": " ",
    "「": "“",
    "」": "”",
    "『": "“",
    "』": "”",
    "〈": "《",
    "〉": "》",
}


def _t2s_chars() -> dict[str, str]:
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[parts[0]] = parts[1]
    return table


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    t2s = _t2s_chars()
    table: dict[int, str] = {}
    # NFKC for the blocks where it matters: full-width forms, compatibility ideographs, symbols
    ranges = [(0xFF01, 0xFF5F), (0xF900, 0xFAFF), (0x2000, 0x206F), (0x3000, 0x303F), (0x2F00, 0x2FDF)]
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            nf = unicodedata.normalize("NFKC", ch)
            if len(nf) == 1 and nf != ch:
                table[cp] = nf
    for src, dst in t2s.items():
        base = table.get(ord(src), src)
        table[ord(src)] = t2s.get(base, dst)
    for src, dst in _EXTRA.items():
        table[ord(src)] = dst
    # keep the curly quotes and the middle dot that NFKC would not change anyway
    for ch in "“”‘’·":
        table.pop(ord(ch), None)
    return table


def fold(text: str) -> str:
    """Width- and script-fold `text` character by character; the result has the same length."""
    out = text.translate(_table())
    if len(out) != len(text):  # pragma: no cover - every table value is one character
        raise AssertionError("folding changed the text length")
    return out


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
