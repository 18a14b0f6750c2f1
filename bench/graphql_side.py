"""The flagship's GraphQL side alone, beside the least it could cost: the same answer's dicts built directly.

    python bench/graphql_side.py                    # 12 cities, 326 task forces each (3,912 links)
    python bench/graphql_side.py --cities 12 --per-city 30 --repeat 300

The store is out of the picture: ``queries.task_forces_by_city`` is replaced by a function that
returns groups made up front (nodes made by ``Node.maker`` as the store's reads make them, two
handling task forces and the rest the city's in each city), and the app's schema executes the
flagship query over them in-process (``asyncio.to_thread`` runs inline), then encodes the answer as
the app does. What is timed per execution, in CPU seconds of this process: parsing (cached) and
validation (cached), the resolvers (``Developer.task_forces_by_city`` making a ``TaskForceLink`` and
an ``Entity`` per link), completion and encoding. The floor beside it builds the same answer as
plain dicts from the same groups and encodes it with orjson: what a completion compiled for this
selection could at best come down to. Both answers are checked to be the same bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import orjson  # noqa: E402
from bench_queries import QUERIES, executor  # noqa: E402

from loupan.graph import queries  # noqa: E402
from loupan.graph.model import Node, NodeRow  # noqa: E402
from loupan.graph.store import GraphStore  # noqa: E402

DEVELOPER, DEVELOPER_NAME = "Developer:bench", "某地产"


def make_groups(cities: int, per_city: int) -> list[queries.CityGroup]:
    """``cities`` groups of 4 projects, 2 handling task forces and ``per_city`` city task forces."""
    plain, labelled = Node.maker(("id", "type", "name", "code")), Node.maker(("id", "type", "name", "code", "labels"))
    groups = []
    for c in range(cities):
        code = f"{41 + c % 20}{c // 20 + 1:02d}00"
        group = queries.CityGroup(city=plain([[f"Place:{code}", "Place", f"城市{c}", code]])[0], city_code=code)
        group.projects = plain([[f"Project:{code}:{i}", "Project", f"项目{c}-{i}", code] for i in range(4)])
        group.handling = [queries.TaskForceLink(n, "project") for n in labelled(
            [[f"TaskForce:{code}:h{i}", "TaskForce", f"项目专班{c}-{i}", code, ["TaskForce"]] for i in range(2)])]
        group.in_city = plain([[f"TaskForce:{code}:{i:05d}", "TaskForce", f"某市专班{c}-{i}", code]
                               for i in range(per_city)])
        groups.append(group)
    return groups


def direct(groups: list[queries.CityGroup]) -> bytes:
    return orjson.dumps({"data": {"developer": {"name": DEVELOPER_NAME, "taskForcesByCity": [
        {"city": {"name": g.city.name, "code": g.city.code} if g.city else None,
         "projects": [{"name": p.name} for p in g.projects],
         "taskForces": [{"via": t.via, "taskForce": {"name": t.task_force.name}} for t in g.task_forces]}
        for g in groups]}}})


def cpu_ms(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=12)
    parser.add_argument("--per-city", type=int, default=324, help="city task forces in each city")
    parser.add_argument("--repeat", type=int, default=150)
    args = parser.parse_args()

    from loupan.graph.ladybug_store import LadybugStore

    groups = make_groups(args.cities, args.per_city)
    with tempfile.TemporaryDirectory(prefix="loupan-graphql-side-") as tmp:
        store = LadybugStore(Path(tmp) / "store")
        try:
            return measure(store, groups, args.repeat)
        finally:
            store.close()


def measure(store: GraphStore, groups: list[queries.CityGroup], repeat: int) -> int:
    """Time the flagship through the app's schema over ``groups`` and beside it the direct answer."""
    store.upsert([NodeRow(id=DEVELOPER, type="Developer", name=DEVELOPER_NAME)], [])
    queries.task_forces_by_city = lambda *_a, **_k: groups  # type: ignore[assignment]
    run = executor(store)

    async def inline(fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        return fn(*a, **kw)

    asyncio.to_thread = inline  # type: ignore[assignment]

    async def execute() -> bytes:
        return await run(QUERIES["flagship"], {"id": DEVELOPER})

    loop = asyncio.new_event_loop()
    try:
        answer = loop.run_until_complete(execute())
        if answer != direct(groups):
            print("graphql_side: the direct answer differs from the API's", file=sys.stderr)
            return 1
        cpu_ms(lambda: loop.run_until_complete(execute()), 10)  # warm: caches, plans
        api = cpu_ms(lambda: loop.run_until_complete(execute()), repeat)
        floor = cpu_ms(lambda: direct(groups), repeat)
    finally:
        loop.close()
    links = sum(len(g.task_forces) for g in groups)
    print(f"{links} links, {len(answer)} bytes, CPU ms per execution (median, min) over {repeat}: "
          f"GraphQL {statistics.median(api):.2f}, {min(api):.2f}; direct dicts {statistics.median(floor):.2f}, "
          f"{min(floor):.2f}; × {statistics.median(api) / max(statistics.median(floor), 1e-6):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
