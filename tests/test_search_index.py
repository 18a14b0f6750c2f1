"""The name index's pinyin: read phrase by phrase, each phrase converted once per process, it must
equal pypinyin's reading of the whole name (polyphones are read by the phrase they are in). How the
index is kept in step with its store: settled after each build if asked, rebuilt behind the index at
hand when builds are slow, warmed at a server's start-up, its state told by ``/healthz``."""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path

import httpx
import pytest
from pypinyin import lazy_pinyin

from loupan.api.app import create_app
from loupan.config import Settings
from loupan.graph import search
from loupan.graph.ladybug_store import LadybugStore
from loupan.graph.model import NodeRow
from loupan.graph.search import NameIndex, _pinyin

from .server import running


@pytest.mark.parametrize("text", [
    "重庆", "重庆市住房和城乡建设委员会", "长沙银行", "银行行长", "重要的重量", "世茂·云图", "恒大ABC城2期",
    "chongqing", "", "一楼一策一专班", "都市花园", "成都长安大道", "乐清", "音乐厅",
])
def test_phrase_by_phrase_pinyin_equals_the_whole_names(text: str) -> None:
    assert _pinyin(text) == " ".join(lazy_pinyin(text, errors="default"))


def test_polyphones_are_read_in_their_phrase_and_found_by_latin_queries() -> None:
    assert _pinyin("重庆").split() == ["chong", "qing"] and _pinyin("银行").split() == ["yin", "hang"]
    index = NameIndex([{"id": "Place:500000", "type": "Place", "name": "重庆市"},
                       {"id": "Place:430100", "type": "Place", "name": "长沙市"}])
    assert [h.id for h in index.search("chongqing")][:1] == ["Place:500000"]
    assert [h.id for h in index.search("changsha")][:1] == ["Place:430100"]


def test_the_index_holds_nothing_the_garbage_collector_must_track() -> None:
    """A million tracked objects made each full collection of an API process take seconds."""
    rows = [{"id": f"Project:{i}", "type": "Project", "name": f"恒大{i}号花园", "aliases": [f"{i}号花园"],
             "labels": ["Project"], "code": "410102"} for i in range(500)]
    index = NameIndex(rows)
    gc.collect()  # a dict is untracked once the collector finds only strings and bytes in it
    # every entry packed into one bytes, whatever their number: no object per entry, tracked or not
    assert isinstance(index._blob, bytes) and len(index) == 500 and not index._records
    # tracked and not empty: only the array of where entries start (machine integers, no objects)
    assert [name for name, value in vars(index).items() if gc.is_tracked(value) and len(value)] == ["_starts"]
    assert not any(gc.is_tracked(posting) for posting in index._postings.values())
    # still searchable, and still open to additions after the build
    assert [h.id for h in index.search("恒大12号花园")][:1] == ["Project:12"]
    index.add({"id": "Project:7", "type": "Project", "name": "恒大七号花园"})  # replaces one: a tombstone
    index.add({"id": "Project:new", "type": "Project", "name": "恒大新号花园"})
    assert [h.id for h in index.search("恒大七号花园")][:1] == ["Project:7"]
    assert [h.id for h in index.search("恒大新号花园")][:1] == ["Project:new"]
    assert "Project:7" not in [h.id for h in index.search("7号花园", first=50)]  # the old names are gone


class _Store:
    def __init__(self) -> None:
        self.gen = 1

    def generation(self) -> int:
        return self.gen

    def name_rows(self) -> list[dict[str, str]]:
        return [{"id": f"Place:{self.gen}", "type": "Place", "name": f"第{self.gen}市"}]


def test_a_settling_index_freezes_the_heap_after_each_build_only(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(search.gc, "freeze", lambda: frozen.append(1))
    store = _Store()
    settling = search.CachedIndex(store, check_every=0, settle=True)
    assert [h.id for h in settling.get().search("第1市")] == ["Place:1"] and frozen == [1]
    settling.get()
    assert frozen == [1]  # same generation: no build, no freeze
    store.gen = 2
    assert [h.id for h in settling.get().search("第2市")] == ["Place:2"] and frozen == [1, 1]
    search.CachedIndex(store, check_every=0).get()
    assert frozen == [1, 1]  # not asked to settle


@pytest.mark.parametrize(("before", "after"), [((700, 10, 10), (search.SERVER_YOUNG_THRESHOLD, 10, 10)),
                                               ((500_000, 5, 20), (500_000, 5, 20))])
def test_settling_spaces_young_collections_and_never_brings_them_closer(
        monkeypatch: pytest.MonkeyPatch, before: tuple[int, int, int], after: tuple[int, int, int]) -> None:
    thresholds = [before]
    monkeypatch.setattr(search.gc, "freeze", lambda: None)
    monkeypatch.setattr(search.gc, "get_threshold", lambda: thresholds[-1])
    monkeypatch.setattr(search.gc, "set_threshold", lambda *t: thresholds.append(t))
    search.settle_heap()
    assert thresholds[-1] == after


def test_names_holding_the_packing_separators_are_found_and_kept_as_they_are() -> None:
    odd_name, odd_id = "恒大\x1f绿洲\x1e二期", "Project:a\x1fb"
    index = NameIndex([{"id": "Project:1", "type": "Project", "name": odd_name, "code": "410102"},
                       {"id": odd_id, "type": "Project", "name": "碧桂园\x1e凤凰城", "labels": ["Project", "Entity"]},
                       {"id": "Project:2", "type": "Project", "name": "建业·联盟新城", "aliases": ["建业联盟\x1f新城"]}])
    first = index.search("恒大绿洲")[0]
    assert (first.id, first.name) == ("Project:1", odd_name)
    second = index.search("碧桂园凤凰城")[0]
    assert second.id == odd_id and second.name == "碧桂园\x1e凤凰城"
    assert index.search("建业联盟新城")[0].id == "Project:2"
    # replacing entries after the build, packed or not: each id is found once, by its new name only
    index.add({"id": odd_id, "type": "Project", "name": "碧桂园天玺"})
    index.add({"id": "Project:2", "type": "Project", "name": "建业\x1f天筑"})
    assert [h.id for h in index.search("碧桂园天玺")][:1] == [odd_id]
    assert odd_id not in [h.id for h in index.search("凤凰城", first=50)]
    assert [h.id for h in index.search("建业天筑")][:1] == ["Project:2"]
    assert "Project:2" not in [h.id for h in index.search("联盟新城", first=50)]
    assert [h.id for h in index.search("恒大绿洲", first=50)].count("Project:1") == 1


class _SlowStore(_Store):
    """A store whose name rows for the generations in ``held`` wait for ``go``; ``broken`` ones fail."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()
        self.held: set[int] = set()
        self.broken: set[int] = set()

    def name_rows(self) -> list[dict[str, str]]:
        if self.gen in self.broken:
            raise ConnectionError(f"the store went away reading generation {self.gen}")
        if self.gen in self.held:
            assert self.go.wait(30)
        return super().name_rows()


def _ids(index: search.NameIndex, query: str) -> list[str]:
    return [h.id for h in index.search(query)]


def test_a_slow_rebuild_runs_behind_the_index_at_hand() -> None:
    store = _SlowStore()
    cached = search.CachedIndex(store, check_every=0, wait_under=0)  # every build after the first goes behind
    assert _ids(cached.get(), "第1市") == ["Place:1"] and cached.building() is None  # the first is waited for
    store.gen, store.held = 2, {2}
    index = cached.get()  # returns at once, the build held
    builder = cached.building()
    assert builder is not None and builder.is_alive()
    assert _ids(index, "第1市") == ["Place:1"] and _ids(cached.get(), "第2市") == []
    store.go.set()
    builder.join(30)
    assert cached.building() is None and _ids(cached.get(), "第2市") == ["Place:2"]
    assert _ids(cached.get(), "第1市") == []


def test_a_quick_rebuild_is_waited_for() -> None:
    store = _SlowStore()
    cached = search.CachedIndex(store, check_every=0)  # the default: builds under 2 s are waited for
    cached.get()
    store.gen = 2
    assert _ids(cached.get(), "第2市") == ["Place:2"] and cached.building() is None


def test_a_failed_rebuild_behind_keeps_the_index_and_is_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    store = _SlowStore()
    cached = search.CachedIndex(store, check_every=0, wait_under=0)
    cached.get()
    store.gen, store.broken = 2, {2}
    with caplog.at_level(logging.ERROR, logger="loupan.search"):
        cached.get()
        builder = cached.building()
        assert builder is not None
        builder.join(30)
    assert "generation 2 failed" in caplog.text and "went away" in caplog.text
    assert _ids(cached.get(), "第1市") == ["Place:1"]  # still answering; this look-up started a new try
    retry = cached.building()
    assert retry is not None
    retry.join(30)
    store.broken = set()
    cached.get()  # that try failed too; the store is back: the next one builds it
    retry = cached.building()
    assert retry is not None
    retry.join(30)
    assert _ids(cached.get(), "第2市") == ["Place:2"]


def test_warming_builds_the_first_index_in_a_thread_and_the_state_says_where_it_is() -> None:
    store = _SlowStore()
    store.held = {1}
    cached = search.CachedIndex(store, check_every=0, wait_under=0)
    assert cached.state() == "not built"
    warming = cached.warm()
    for _ in range(200):
        if cached.state() == "building":
            break
        time.sleep(0.01)
    assert cached.state() == "building" and warming.is_alive()
    store.go.set()
    warming.join(30)
    assert cached.state() == "ready" and _ids(cached.get(), "第1市") == ["Place:1"]
    store.go.clear()
    store.gen, store.held = 2, {2}
    cached.get()
    assert cached.state() == "rebuilding"
    store.go.set()
    builder = cached.building()
    assert builder is not None
    builder.join(30)
    assert cached.state() == "ready"


@pytest.mark.parametrize(("settle", "warm_index", "settings", "warm"), [
    (False, True, Settings(), True), (False, False, Settings(), False),
    (False, None, Settings(), False),  # an app embedded elsewhere (tests): on the first search
    (True, None, Settings(), True),  # loupan serve's app
    (True, None, Settings(warm_index=False), False),  # LOUPAN_WARM_INDEX=false
])
def test_a_served_app_warms_its_name_index_at_start_up_if_told_and_healthz_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settle: bool, warm_index: bool | None, settings: Settings,
        warm: bool) -> None:
    monkeypatch.setattr(search.gc, "freeze", lambda: None)  # settling is process-wide: not in a test
    monkeypatch.setattr(search, "spaced_collections", lambda: None)
    store = LadybugStore(tmp_path / "store")
    try:
        store.upsert([NodeRow("Place:410100", "Place", "郑州市", code="410100", level="prefecture")], [])
        with running(create_app(settings, store, settle=settle, warm_index=warm_index)) as url, \
                httpx.Client(base_url=url, timeout=30) as client:
            def health() -> str:
                return str(client.get("/healthz").json()["search_index"])

            deadline = time.monotonic() + 30
            while warm and health() != "ready" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert health() == ("ready" if warm else "not built")
            found = client.post("/graphql", json={"query": '{ search(query: "郑州") { entity { id } } }'}).json()
            assert found["data"]["search"][0]["entity"]["id"] == "Place:410100"
            assert health() == "ready"
    finally:
        store.close()
