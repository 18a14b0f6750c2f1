"""bench/inprocess.py --replay: each read answered from its first answer, a fresh copy each time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from .scripts import bench_script


@pytest.fixture(scope="module")
def inprocess() -> Iterator[Any]:
    with bench_script("inprocess") as module:
        yield module


class Store:
    """The four read primitives a store has, each answering new objects and counting its calls."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def _read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.sent.append(("read", query))
        return [{"id": f"{query}:{params}", "labels": ["A"]}]

    def _read_rows(self, query: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        self.sent.append(("rows", query))
        return ["id", "labels"], [[query, ["A"]]]

    async def _aread(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self._read(query, params)

    async def _aread_rows(self, query: str, params: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
        return self._read_rows(query, params)


def test_each_read_is_sent_once_then_replayed_as_a_fresh_copy(inprocess: Any) -> None:
    store = Store()
    unpickling = inprocess.replay(store)
    first, again = store._read("q", {"n": 1}), store._read("q", {"n": 1})
    assert first == again == [{"id": "q:{'n': 1}", "labels": ["A"]}]
    assert first is not again and first[0]["labels"] is not again[0]["labels"]  # as a driver answers
    store._read("q", {"n": 2})  # other parameters: another read
    rows = [store._read_rows("r", {}) for _ in range(2)]
    awaited = [asyncio.run(store._aread("a", {})) for _ in range(2)]
    awaited_rows = [asyncio.run(store._aread_rows("b", {})) for _ in range(2)]
    assert rows[0] == rows[1] and awaited[0] == awaited[1] and awaited_rows[0] == awaited_rows[1]
    assert store.sent == [("read", "q"), ("read", "q"), ("rows", "r"), ("read", "a"), ("rows", "b")]
    before = unpickling[0]
    for _ in range(2000):
        store._read("q", {"n": 1})
    assert unpickling[0] > before  # the copies' cost is counted, to be taken off the figures
