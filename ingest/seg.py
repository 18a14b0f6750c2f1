"""jieba-backed word knowledge: dictionary frequency, part-of-speech of a phrase, place tags."""

from __future__ import annotations

import logging
from functools import lru_cache

import jieba
import jieba.posseg

jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _ready() -> tuple[dict[str, int], dict[str, str]]:
    jieba.initialize()
    return jieba.dt.FREQ, jieba.posseg.dt.word_tag_tab


def freq(word: str) -> int:
    return _ready()[0].get(word, 0)


def is_word(word: str, threshold: int = 50) -> bool:
    return freq(word) >= threshold


def tag(word: str) -> str | None:
    return _ready()[1].get(word)


def common_word(s: str) -> bool:
    """An ordinary dictionary word (not a personal or place name) of some frequency."""
    tg = tag(s)
    return tg is not None and not tg.startswith(("nr", "ns")) and freq(s) >= 300


@lru_cache(maxsize=8192)
def verbal(phrase: str, *, strict: bool = False) -> bool:
    """Whether jieba reads the phrase as containing a verb, adverb, preposition or conjunction."""
    _ready()
    for p in jieba.posseg.cut(phrase):
        f = p.flag
        if f[:1] in ("d", "p", "c", "u") or (f[:1] == "v" and (strict or f != "vn")):
            return True
    return False
