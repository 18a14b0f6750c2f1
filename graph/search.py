"""The name and alias index behind ``search``: Chinese, short forms, typos, homophones, pinyin.

Neither store's full-text index handles Chinese well offline (ladybug has none; Neo4j's CJK analyzer
only splits into bigrams), so the API keeps its own index, derived from the store: every node's name
and aliases, folded (NFKC, simplified script), posted under character bigrams and pinyin-syllable
bigrams; candidates found there are scored with rapidfuzz. Each API process builds its own copy and
rebuilds it when the store's generation counter moves, so any number of processes can serve.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple

from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg as _segment
from rapidfuzz import fuzz

from loupan.ingest.normalize import fold

log = logging.getLogger("loupan.search")

MAX_CANDIDATES = 400
MIN_SCORE = 55.0


class Entry(NamedTuple):
    """A name's entry, as :class:`NameIndex` hands it out. The index itself keeps every entry as
    UTF-8 in one ``bytes`` (see there), not as objects of their own."""

    id: str
    type: str
    labels: tuple[str, ...]
    name: str
    code: str
    forms: tuple[str, ...]       # folded surface forms
    pinyins: tuple[str, ...]     # space-joined toneless pinyin of each form


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    type: str
    name: str
    score: float
    matched: str


@lru_cache(maxsize=1 << 17)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word, errors="default"))


def _pinyin(text: str) -> str:
    """Toneless pinyin, syllables joined by spaces, read phrase by phrase (重庆 is chong qing). The
    phrases are pypinyin's own segmentation; each phrase's reading is computed once per process:
    names repeat their words (花园, 地产, place names), and converting each whole name was 70% of
    building the index (250 µs a name: over four minutes at a million nodes)."""
    return " ".join([syllable for word in _segment(text) for syllable in _word_pinyin(word)])


def _bigrams(text: str) -> set[str]:
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _syllable_pairs(pinyin: str) -> set[str]:
    syl = pinyin.split()
    if len(syl) < 2:
        return {f"~{s}" for s in syl}
    return {f"~{syl[i]} {syl[i + 1]}" for i in range(len(syl) - 1)}


def _latin_grams(pinyin: str) -> set[str]:
    joined = pinyin.replace(" ", "").lower()
    return {f"#{joined[i : i + 3]}" for i in range(max(1, len(joined) - 2))}


# An entry packed as text: its fields joined by _FIELD, the items of its tuples by _ITEM (control
# characters, which the search forms lose to _clean; an entry whose other fields hold one is kept
# unpacked).
_FIELD, _ITEM = "\x1f", "\x1e"
_DEAD = Entry("", "", (), "", "", (), ())  # an entry replaced by a later add: no forms, found by no search


def _clean(text: str) -> str:
    return text.replace(_FIELD, " ").replace(_ITEM, " ") if _FIELD in text or _ITEM in text else text


def _pack(entry: Entry) -> bytes:
    fields = (entry.id, entry.type, _ITEM.join(entry.labels), entry.name, entry.code,
              _ITEM.join(entry.forms), _ITEM.join(entry.pinyins))
    return _FIELD.join(fields).encode("utf-8", "surrogatepass")


def _unpack(record: bytes) -> Entry:
    id_, type_, labels, name, code, forms, pinyins = record.decode("utf-8", "surrogatepass").split(_FIELD)
    return Entry(id_, type_, tuple(labels.split(_ITEM)) if labels else (), name, code,
                 tuple(forms.split(_ITEM)) if forms else (), tuple(pinyins.split(_ITEM)) if forms else ())


class NameIndex:
    """An in-memory index of node names and aliases.

    Built, it is a handful of objects whatever the number of names: every entry packed as UTF-8
    into one ``bytes`` with an array of where each starts (an entry is unpacked when it is a
    candidate of a search), and the postings (key -> entry numbers) as ``bytes`` each. Kept as a
    tuple of strings per entry, the 1M-node graph's index left a served process at 1.54 GB, and
    that process spent more CPU on every later request, searches or not, than one that had never
    searched (the flagship with 32 clients, four alternations: 33.0 against 29.1 ms a request);
    packed, 1.20 GB and 29.9 ms (``bench/README.md``). Ids are looked up only to replace an entry
    (:meth:`add` after the build), from a table made then."""

    def __init__(self, rows: Iterable[dict[str, Any]] = ()) -> None:
        self._records: list[bytes] = []  # packed entries not yet in _blob: while building, and added after
        self._blob = b""                 # packed entries 0 .. len(_starts) - 2, one after the other
        self._starts: array[int] = array("Q", [0])
        self._dead: set[int] = set()     # entries replaced by a later add
        self._odd: dict[int, Entry] = {}  # entries that cannot be packed (see add)
        # key -> entry numbers: an array while it grows, its bytes once built (arrays are tracked by
        # the garbage collector, bytes are not; a big index has hundreds of thousands of keys)
        self._postings: dict[str, array[int] | bytes] = {}
        self._by_id: dict[str, int] | None = {}
        for row in rows:
            self.add(row)
        self._postings = {key: p.tobytes() if isinstance(p, array) else p for key, p in self._postings.items()}
        starts = array("Q", accumulate(map(len, self._records), initial=0))
        self._blob, self._starts, self._records = b"".join(self._records), starts, []
        self._by_id = None  # made again if an entry is replaced after the build

    def __len__(self) -> int:
        return len(self._starts) - 1 + len(self._records)

    def _entry(self, idx: int) -> Entry:
        if idx in self._dead:
            return _DEAD
        if idx in self._odd:
            return self._odd[idx]
        packed = len(self._starts) - 1
        if idx >= packed:
            return _unpack(self._records[idx - packed])
        return _unpack(self._blob[self._starts[idx]:self._starts[idx + 1]])

    def _ids(self) -> dict[str, int]:
        if self._by_id is None:
            self._by_id = {self._entry(i).id: i for i in range(len(self))}
        return self._by_id

    def add(self, row: dict[str, Any]) -> None:
        forms = tuple(dict.fromkeys(f for f in (_clean(fold(x)) for x in [row.get("name") or "", *(row.get("aliases") or [])])
                                    if f))
        if not forms:
            return
        entry = Entry(
            id=row["id"], type=row["type"], labels=tuple(row.get("labels") or (row["type"],)),
            name=row.get("name") or "", code=row.get("code") or "", forms=forms,
            pinyins=tuple(_pinyin(f) for f in forms),
        )
        # a name, id, type, code or label holding a separator is not packed (nor changed): kept as is
        odd = any(_FIELD in t or _ITEM in t for t in (entry.id, entry.type, entry.name, entry.code, *entry.labels))
        by_id = self._ids()
        old = by_id.get(entry.id)
        if old is not None:  # replaced: the old postings point at a dead entry
            self._dead.add(old)
            self._odd.pop(old, None)
        idx = len(self)
        self._records.append(b"" if odd else _pack(entry))
        if odd:
            self._odd[idx] = entry
        by_id[entry.id] = idx
        keys: set[str] = set()
        for form, pinyin in zip(entry.forms, entry.pinyins, strict=True):
            keys |= _bigrams(form) | set(form) | _syllable_pairs(pinyin) | _latin_grams(pinyin)
        postings = self._postings
        for key in keys:
            posting = postings.get(key)
            if posting is None:
                postings[key] = posting = array("I")
            elif not isinstance(posting, array):  # added to after the build
                grown = array("I")
                grown.frombytes(posting)
                postings[key] = posting = grown
            posting.append(idx)

    def search(self, query: str, types: Sequence[str] | None = None, first: int = 10) -> list[Hit]:
        q = fold(query)
        if not q:
            return []
        q_pinyin = _pinyin(q)
        latin = q.isascii()
        keys = (_latin_grams(q) if latin else (_bigrams(q) if len(q) > 1 else {q})) | _syllable_pairs(q_pinyin)
        counts: Counter[int] = Counter()
        for key in keys:
            posting = self._postings.get(key)
            if posting is not None:
                counts.update(posting if isinstance(posting, array) else memoryview(posting).cast("I"))
        wanted = set(types or ())
        hits: list[Hit] = []
        for idx, _ in counts.most_common(MAX_CANDIDATES):
            entry = self._entry(idx)
            if not entry.forms or (wanted and not wanted.intersection(entry.labels)):
                continue
            score, matched = self._score(q, q_pinyin, latin, entry)
            if score >= MIN_SCORE:
                hits.append(Hit(entry.id, entry.type, entry.name, round(score, 1), matched))
        hits.sort(key=lambda h: (-h.score, len(h.name), h.id))
        return hits[:first]

    @staticmethod
    def _score(q: str, q_pinyin: str, latin: bool, entry: Entry) -> tuple[float, str]:
        best, matched = 0.0, ""
        for form, pinyin in zip(entry.forms, entry.pinyins, strict=True):
            if latin:
                joined = pinyin.replace(" ", "").lower()
                score = 100.0 if q.lower() == joined else fuzz.ratio(q.lower(), joined) * 0.9
                if joined.startswith(q.lower()) and len(q) >= 3:
                    score = max(score, 80 + 15 * len(q) / len(joined))
            elif q == form:
                score = 100.0
            elif q in form:  # a short form: 恒大 in 恒大集团; weight by how much of the name it covers
                score = 75 + 20 * len(q) / len(form) + (3 if form.startswith(q) else 0)
            elif form in q and len(form) >= 2:  # the query says more: 郑州市住建局 for 郑州住建局
                score = 60 + 30 * len(form) / len(q)
            else:
                score = fuzz.ratio(q, form)
                if pinyin == q_pinyin:  # a homophone typo: 世贸 for 世茂
                    score = max(score, 92.0)
                elif len(q) >= 3:
                    score = max(score, fuzz.ratio(q_pinyin, pinyin) * 0.85)
            if score > best:
                best, matched = score, form
        return best, matched


def settle_heap() -> None:
    """Collect garbage, then move every object alive to the collector's permanent generation
    (``gc.freeze``), so full collections stop traversing them. For a long-running server, once its
    long-lived objects (modules, the driver, the name index) exist. Measured in one process with the
    1M-node graph's name index, over 15 flagship queries: full collections took 1.24 s before and
    0.10 s after, the median query 374 → 261 ms. Objects frozen and later dropped are still freed by
    reference counting; only reference cycles among them would stay (the index holds none).
    Then the young generation is collected less often (:func:`spaced_collections`)."""
    gc.collect()
    gc.freeze()
    spaced_collections()


# Allocations between two young-generation collections in a server (CPython's default is 700). A
# big answer allocates tens of thousands of short-lived objects (rows, nodes, response dicts); with
# 32 such requests in flight many of them live long enough to be promoted, and the collections that
# follow walk them all. Measured on the 1M-node Neo4j graph, 32 clients asking the flagship query of
# ``bench/bench_queries.py``: the API process spent 127 ms of CPU per request with the default, 83 ms
# with 100,000, and 84 ms with the collector off. Reference counting still frees everything acyclic at
# once; only garbage in reference cycles waits for the next collection.
SERVER_YOUNG_THRESHOLD = 100_000


def spaced_collections(young: int = SERVER_YOUNG_THRESHOLD) -> None:
    """Collect the young generation every ``young`` allocations instead of every 700 (never more
    often than it is already set to); the older generations keep their ratios."""
    first, *rest = gc.get_threshold()
    gc.set_threshold(max(first, young), *rest)


# A rebuild of the name index that the last build says takes less than this many seconds is waited
# for; a longer one runs behind the index at hand (see :class:`CachedIndex`). The 10k-node bench
# graph's index builds in about 1.2 s, the 1M graph's in 65-71 s (``bench/README.md``).
WAIT_FOR_BUILDS_UNDER = 2.0


class CachedIndex:
    """A :class:`NameIndex` kept in step with a store: rebuilt when its generation changes.

    A rebuild is waited for when the last build took less than ``wait_under`` seconds; otherwise
    it runs in a thread of its own while the index of the generation before keeps answering, so a
    write to a big graph does not hold every search up for the length of a build (a minute at a
    million nodes). Until then, names written since are not found, and names merged away may still
    be (their nodes are gone: callers skip hits whose node they cannot read). The first build is
    always waited for. A build behind that fails is logged and tried again at the next check.

    ``settle``: call :func:`settle_heap` after each build (what a server wants; off by default, as
    it is process-wide)."""

    def __init__(self, store: Any, check_every: float = 1.0, settle: bool = False,
                 wait_under: float = WAIT_FOR_BUILDS_UNDER) -> None:
        self._store = store
        self._settle = settle
        self._check_every = check_every
        self._wait_under = wait_under
        self._lock = threading.Lock()
        self._generation = -1
        self._checked = 0.0
        self._index = NameIndex()
        self._took = 0.0  # seconds the last build took
        self._behind: threading.Thread | None = None
        self._building = False

    def get(self) -> NameIndex:
        now = time.monotonic()
        if now - self._checked < self._check_every:
            return self._index
        with self._lock:
            self._checked = now
            if self._behind is not None:  # a build is running: the index at hand answers meanwhile
                return self._index
            generation = self._store.generation()
            if generation == self._generation:
                return self._index
            if self._generation < 0 or self._took < self._wait_under:
                self._build(generation)
            else:
                self._behind = threading.Thread(target=self._build_behind, args=(generation,),
                                                name="loupan-name-index", daemon=True)
                self._behind.start()
        return self._index

    def _build(self, generation: int) -> None:
        started = time.monotonic()
        self._building = True
        try:
            index = NameIndex(self._store.name_rows())
        finally:
            self._building = False
        self._index, self._generation = index, generation  # readers see the one index or the other
        self._took = time.monotonic() - started
        if self._settle:
            settle_heap()

    def warm(self) -> threading.Thread:
        """Start the first build in a thread of its own (a server's start-up: the first search then
        waits only for what is left of it, not for all of it)."""
        def build() -> None:
            try:
                self.get()
            except Exception:
                log.exception("building the name index at start-up failed; the first search builds it")

        thread = threading.Thread(target=build, name="loupan-name-index", daemon=True)
        thread.start()
        return thread

    def state(self) -> str:
        """``not built``, ``building`` (the first build), ``ready``, or ``rebuilding`` (behind the
        index at hand, which answers meanwhile)."""
        if self._generation < 0:
            return "building" if self._building else "not built"
        return "rebuilding" if self._behind is not None else "ready"

    def _build_behind(self, generation: int) -> None:
        log.info("rebuilding the name index for generation %d behind the index of generation %d",
                 generation, self._generation)
        try:
            self._build(generation)
            log.info("name index of generation %d built in %.1f s", generation, self._took)
        except Exception:
            log.exception("rebuilding the name index for generation %d failed; the index of generation %d "
                          "answers until a later check builds it", generation, self._generation)
        finally:
            with self._lock:
                self._behind = None
                self._checked = 0.0  # check again at the next look-up

    def building(self) -> threading.Thread | None:
        """The thread building the index behind the one at hand, if there is one (for tests)."""
        return self._behind

    def invalidate(self) -> None:
        self._checked = 0.0
