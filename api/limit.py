"""A limit on the requests doing Python work in one process at once.

Past a few requests, letting more of them into the app at once does not make it serve more: one
process runs Python on one core at a time, and each request let in early holds its objects longer
while the others interleave with it, so every answer costs more CPU. The rest wait in line, outside,
before their work starts. Measured with ``bench/work_slots.py`` (the flagship with 32 clients at 1M
nodes on Neo4j, three rounds, medians): 22.9 requests/s at 39.4 ms of API CPU each without a limit,
26.8 at 33.3 ms with 4 slots (1: 22.2, 2: 23.6, 8: 22.1); the rounds drift by a few requests/s, so 4
is the default because it did best in two rounds of three, not by a wide margin.

What is limited is the *work*, not the requests in flight: a request gives its slot up while it
waits on the store or on the name index (:func:`waiting`, around every blocking call the API makes
off the event loop), and takes one back before it goes on. So a remote Neo4j (a cluster, Aura), where
a request spends most of its time waiting on the network, is not capped at the limit over its round
trip, and a request waiting a minute for the name index to be built holds nobody up.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any


class Slots:
    """A counting semaphore in which a request coming back from a wait goes before the requests that
    have not started: finishing the work already begun frees its objects soonest, and a request's
    latency is not paid again in line behind newcomers each time it waits on the store. A released
    slot passes straight to the next in line (first come, first served within each line)."""

    def __init__(self, slots: int) -> None:
        self.free = slots
        self._back: deque[asyncio.Future[None]] = deque()
        self._new: deque[asyncio.Future[None]] = deque()

    async def acquire(self, returning: bool = False) -> None:
        if self.free > 0 and not self._back and (returning or not self._new):
            self.free -= 1
            return
        line = self._back if returning else self._new
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line.append(fut)
        try:
            await fut
        except asyncio.CancelledError:
            if fut.cancelled():
                line.remove(fut)
            else:  # handed the slot just as it was cancelled: pass it on
                self.release()
            raise

    def release(self) -> None:
        for line in (self._back, self._new):
            while line:
                fut = line.popleft()
                if not fut.done():
                    fut.set_result(None)
                    return
        self.free += 1


class _Hold:
    """One request's slot: whether it holds it, and how many of its coroutines are waiting."""

    __slots__ = ("held", "sem", "waits")

    def __init__(self, sem: Slots) -> None:
        self.sem = sem
        self.held = False
        self.waits = 0


_current: ContextVar[_Hold | None] = ContextVar("loupan_work_slot", default=None)


@asynccontextmanager
async def waiting() -> AsyncIterator[None]:
    """Around a wait (a blocking call run in a thread): the request's slot is free for another
    request meanwhile. Outside a limited request it does nothing.

    Coroutines of one request (DataLoader batches) share its slot: the first to wait gives it up,
    the last to stop waiting takes it back. Cancelled while taking it back, the request holds none,
    and :class:`WorkLimit` releases only a slot that is held, so the count never drifts."""
    hold = _current.get()
    if hold is None:
        yield
        return
    hold.waits += 1
    if hold.held:
        hold.held = False
        hold.sem.release()
    try:
        yield
    finally:
        hold.waits -= 1
        if hold.waits == 0 and not hold.held:
            await hold.sem.acquire(returning=True)
            hold.held = True


class WorkLimit:
    """ASGI middleware: requests whose path starts with one of ``paths`` hold one of ``slots`` while
    they run Python (``slots`` < 1: no limit). Other paths (``/healthz``) are never held up."""

    def __init__(self, app: Any, slots: int, paths: tuple[str, ...] = ("/graphql",)) -> None:
        self.app = app
        self.slots = slots
        self.paths = paths
        self._sems: dict[asyncio.AbstractEventLoop, Slots] = {}

    def _sem(self) -> Slots:
        loop = asyncio.get_running_loop()
        sem = self._sems.get(loop)
        if sem is None:  # a semaphore belongs to one event loop; tests run an app on several in turn
            self._sems = {lp: s for lp, s in self._sems.items() if not lp.is_closed()}
            sem = self._sems[loop] = Slots(self.slots)
        return sem

    def free(self) -> int:
        """Slots free now on the running loop (for tests and diagnostics)."""
        return self._sem().free

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.slots < 1 or scope["type"] != "http" or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        hold = _Hold(self._sem())
        token = _current.set(hold)
        try:
            await hold.sem.acquire()
            hold.held = True
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
            if hold.held:
                hold.held = False
                hold.sem.release()
