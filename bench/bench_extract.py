"""Throughput of `extract()` against `jieba.cut` on the same texts, in the same run.

    python bench/bench_extract.py [TEXT_DIR] [--rounds N]

Both are warmed up first (jieba's dictionary loaded, the extractor's gazetteer automaton built), then
each processes every text N times. Prints one JSON object: chars/s for each and the ratio of their
times (extract / jieba.cut; the target is ≤ 1.5). Defaults to the bundled test fixtures.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import jieba

from loupan.ingest import seg
from loupan.ingest.extract import extract

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "news"


def _time(fn: Callable[[str], object], texts: list[str], rounds: int) -> float:
    total = 0.0
    for _ in range(rounds):
        seg.verbal.cache_clear()  # per-phrase memo: each round sees the texts as new
        start = time.perf_counter()
        for text in texts:
            fn(text)
        total += time.perf_counter() - start
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("texts", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.texts.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no .txt files in {args.texts}")
    chars = sum(len(t) for t in texts) * args.rounds
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for text in texts:  # warm-up: dictionaries, automata, caches of both
        list(jieba.cut(text))
        extract(text)
    t_jieba = _time(lambda s: list(jieba.cut(s)), texts, args.rounds)
    t_extract = _time(extract, texts, args.rounds)
    print(json.dumps({
        "texts": len(texts),
        "chars": chars,
        "jieba_cut_chars_per_s": round(chars / t_jieba),
        "extract_chars_per_s": round(chars / t_extract),
        "ratio": round(t_extract / t_jieba, 3),
    }))


if __name__ == "__main__":
    main()
