"""The limit on requests doing Python work at once (loupan.api.limit): it holds, a request waiting
on the store lets others in, one coming back goes before newcomers, and cancellations leave the count
whole."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from loupan.api.app import create_app
from loupan.api.limit import Slots, WorkLimit, waiting
from loupan.config import Settings
from loupan.errors import ConfigError
from loupan.graph import open_store
from loupan.graph.model import NodeRow

from .server import running

Handler = Callable[[str], Awaitable[None]]


def _limit(handler: Handler, slots: int) -> WorkLimit:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await handler(scope["path"])
    return WorkLimit(app, slots)


async def _call(limit: WorkLimit, path: str) -> None:
    await limit({"type": "http", "path": path}, None, None)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.parametrize(("slots", "expected"), [(1, 1), (3, 3), (0, 10)])
def test_at_most_slots_requests_work_at_once(slots: int, expected: int) -> None:
    active, most = 0, 0

    async def work(path: str) -> None:
        nonlocal active, most
        active += 1
        most = max(most, active)
        await asyncio.sleep(0.01)  # holding on, as Python work between two awaits would
        active -= 1

    async def main() -> None:
        limit = _limit(work, slots)
        await asyncio.gather(*(_call(limit, "/graphql") for _ in range(10)))

    asyncio.run(main())
    assert most == expected


def test_a_request_waiting_lets_others_in_and_takes_its_slot_back() -> None:
    order: list[str] = []

    async def main() -> None:
        released = asyncio.Event()

        async def work(path: str) -> None:
            if path == "/graphql/slow":
                async with waiting():
                    order.append("slow waits")
                    await released.wait()
                order.append("slow goes on")
            else:
                order.append("quick done")

        limit = _limit(work, 1)
        slow = asyncio.create_task(_call(limit, "/graphql/slow"))
        await _settle()
        await asyncio.wait_for(_call(limit, "/graphql/quick"), 2)
        assert limit.free() == 1  # the slow one holds no slot while it waits
        released.set()
        await slow
        assert limit.free() == 1

    asyncio.run(main())
    assert order == ["slow waits", "quick done", "slow goes on"]


def test_a_request_back_from_a_wait_goes_before_new_ones() -> None:
    order: list[str] = []

    async def main() -> None:
        store_answered, holder_done = asyncio.Event(), asyncio.Event()

        async def work(path: str) -> None:
            name = path.rsplit("/", 1)[1]
            order.append(f"{name} starts")
            if name == "returning":
                async with waiting():
                    await store_answered.wait()
                order.append("returning goes on")
            elif name == "holder":
                await holder_done.wait()

        limit = _limit(work, 1)
        returning = asyncio.create_task(_call(limit, "/graphql/returning"))
        await _settle()  # it waits on the store, its slot free
        holder = asyncio.create_task(_call(limit, "/graphql/holder"))
        await _settle()
        newcomer = asyncio.create_task(_call(limit, "/graphql/newcomer"))
        await _settle()
        store_answered.set()
        await _settle()  # back, in line behind the holder, before the newcomer
        holder_done.set()
        await asyncio.gather(returning, holder, newcomer)

    asyncio.run(main())
    assert order == ["returning starts", "holder starts", "returning goes on", "newcomer starts"]


def test_cancelled_requests_leave_the_count_whole() -> None:
    async def main() -> None:
        gate = asyncio.Event()

        async def work(path: str) -> None:
            if path.endswith("wait"):
                async with waiting():
                    await gate.wait()
            await gate.wait()

        limit = _limit(work, 2)
        tasks = [asyncio.create_task(_call(limit, f"/graphql/{i}/{'wait' if i % 2 else 'hold'}"))
                 for i in range(8)]
        await _settle()
        for t in tasks[::3]:  # some holding, some waiting on the store, some in line
            t.cancel()
        await _settle()
        gate.set()
        for t in tasks[1::3]:  # some taking their slot back, or just handed one
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert limit.free() == 2
        await asyncio.wait_for(asyncio.gather(*(_call(limit, "/graphql/after") for _ in range(4))), 2)
        assert limit.free() == 2

    asyncio.run(main())


def test_a_slot_handed_to_a_request_cancelled_before_it_runs_is_passed_on() -> None:
    async def main() -> None:
        slots = Slots(1)
        await slots.acquire()
        taker = asyncio.create_task(slots.acquire())
        await _settle()
        slots.release()  # handed to the taker, which has not run since
        taker.cancel()
        await asyncio.gather(taker, return_exceptions=True)
        assert taker.cancelled()
        assert slots.free == 1

    asyncio.run(main())


def test_other_paths_are_never_held_up() -> None:
    async def main() -> None:
        gate = asyncio.Event()
        seen: list[str] = []

        async def work(path: str) -> None:
            seen.append(path)
            if path == "/graphql":
                await gate.wait()

        limit = _limit(work, 1)
        holder = asyncio.create_task(_call(limit, "/graphql"))
        await _settle()
        await asyncio.wait_for(_call(limit, "/healthz"), 2)
        assert seen == ["/graphql", "/healthz"]
        gate.set()
        await holder

    asyncio.run(main())


def test_a_negative_number_of_slots_is_refused() -> None:
    with pytest.raises(ConfigError, match="LOUPAN_WORK_SLOTS"):
        Settings(work_slots=-1)


def test_the_served_app_answers_while_one_request_waits_on_the_store(tmp_path: Path) -> None:
    """One slot, one request stuck in a store call: another is answered meanwhile, and the stuck
    one is answered once the store returns."""
    store = open_store(Settings(data_dir=tmp_path / "data"))
    store.upsert([NodeRow(id="dev1", type="Developer", name="恒泰地产")], [])
    entered, release = threading.Event(), threading.Event()
    real_read_rows = store._read_rows  # the node reads' (blocking or awaited) statement

    def stuck_read_rows(*args: Any, **kw: Any) -> Any:
        entered.set()
        assert release.wait(20)
        return real_read_rows(*args, **kw)

    store._read_rows = stuck_read_rows  # type: ignore[method-assign]
    try:
        with running(create_app(Settings(work_slots=1), store)) as base, ThreadPoolExecutor(1) as pool:
            stuck = pool.submit(httpx.post, f"{base}/graphql", json={"query": '{ entity(id: "dev1") { name } }'},
                                timeout=30)
            assert entered.wait(10)
            quick = httpx.post(f"{base}/graphql", json={"query": "{ __typename }"}, timeout=5)
            assert quick.json() == {"data": {"__typename": "Query"}}
            assert not stuck.done()
            release.set()
            assert stuck.result(timeout=20).json() == {"data": {"entity": {"name": "恒泰地产"}}}
    finally:
        release.set()
        store.close()
