"""CPU per read of one small statement: the blocking driver in a thread (as ``Neo4jStore`` is used by the
API, through ``asyncio.to_thread``) against the driver's asyncio API on the event loop.

    python bench/async_reads.py --scale 10000 --clients 1,8,32 --rounds 4
    python bench/async_reads.py --scale 10000 --statement flagship --clients 1,8,32 --rounds 4

The statement is the neighbours query's (``edges_with_ends`` of the graph's neighbour anchor, names
only) or, with ``--statement flagship``, the flagship's first and largest (the developer's projects,
their edges and ends, the cities and, if few, their task forces: recorded from
``queries.task_forces_by_city`` for the flagship anchor with the benchmark query's fields), read in
an auto-commit transaction with a bookmark manager, as ``Neo4jStore`` reads. C
coroutines read in a loop; the two ways alternate each round, in turned order. Prints this
process's CPU per read (every thread's) and the reads per second of each round. What it answers: how
much of a small answer's CPU the hand-off to a thread and the blocking driver cost against the
asyncio driver (``bench/README.md``, "A lane for the common request; httptools").
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import generated_neo4j  # noqa: E402


async def load(read: Callable[[], Awaitable[Any]], clients: int, each: int) -> tuple[float, float]:
    """CPU ms per read of this process and reads per second, ``clients`` coroutines reading ``each``."""
    async def client() -> None:
        for _ in range(each):
            await read()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return (time.process_time() - cpu) * 1000 / (clients * each), clients * each / (time.perf_counter() - wall)


def flagship_statement(info: dict[str, Any], developer_id: str) -> tuple[str, dict[str, Any]]:
    """The first statement ``task_forces_by_city`` sends for ``developer_id``, with the fields of
    ``bench_queries.QUERIES["flagship"]``."""
    from loupan.graph import queries
    from loupan.graph.neo4j_store import Neo4jStore

    sent: list[tuple[str, dict[str, Any]]] = []
    with Neo4jStore(info["uri"], info["user"], info["password"]) as store:
        read = store._read

        def recorded(query: str, params: dict[str, Any]) -> Any:
            sent.append((query, params))
            return read(query, params)

        store._read = recorded  # type: ignore[method-assign]
        queries.task_forces_by_city(store, developer_id, queries.GroupFields(
            projects=frozenset({"name"}), cities=frozenset({"name", "code"}), task_forces=frozenset({"name"})))
    return sent[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--reads", type=int, default=2000, help="reads per round and way (at least 50 per client)")
    parser.add_argument("--statement", choices=("neighbours", "flagship"), default="neighbours")
    args = parser.parse_args()
    import neo4j

    from loupan.graph.cypher import neo4j as dialect
    from loupan.graph.model import relationship_types

    with generated_neo4j(args.scale, args.seed) as (info, anchors):
        if args.statement == "flagship":
            text, params = flagship_statement(info, anchors.flagship)
        else:
            text, params = dialect.edges_with_ends([anchors.neighbour], [t for t in relationship_types() if t != "MENTIONS"],
                                                   "both", frozenset({"name"}))
        auth = (info["user"], info["password"])
        blocking = neo4j.GraphDatabase.driver(info["uri"], auth=auth)
        bookmarks = neo4j.GraphDatabase.bookmark_manager()

        def blocking_read() -> list[Any]:
            with blocking.session(default_access_mode=neo4j.READ_ACCESS, bookmark_manager=bookmarks) as session:
                return list(session.run(neo4j.Query(text), params))  # type: ignore[arg-type]

        async def in_thread() -> list[Any]:
            return await asyncio.to_thread(blocking_read)

        async def run() -> None:
            driver = neo4j.AsyncGraphDatabase.driver(info["uri"], auth=auth)
            async_bookmarks = neo4j.AsyncGraphDatabase.bookmark_manager()

            async def on_loop() -> list[Any]:
                async with driver.session(default_access_mode=neo4j.READ_ACCESS,
                                          bookmark_manager=async_bookmarks) as session:
                    result = await session.run(neo4j.Query(text), params)  # type: ignore[arg-type]
                    return [record async for record in result]

            ways = {"thread": in_thread, "asyncio": on_loop}
            if len(await in_thread()) != len(await on_loop()):
                raise SystemExit("the two ways read different records")
            for read in ways.values():  # warm both: connections, the server's plan
                await load(read, 8, 200)
            for clients in (int(c) for c in args.clients.split(",")):
                seen: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
                for r in range(args.rounds):
                    for name in (list(ways) if r % 2 == 0 else list(reversed(ways))):
                        seen[name].append(await load(ways[name], clients, max(50, args.reads // clients)))
                for name, figures in seen.items():
                    print(f"{clients} clients, {name}: CPU ms/read {[round(c, 3) for c, _ in figures]}, "
                          f"reads/s {[round(r) for _, r in figures]}", flush=True)
            await driver.close()

        asyncio.run(run())
        blocking.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
