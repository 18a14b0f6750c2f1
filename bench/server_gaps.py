"""The Neo4j server's CPU per statement when its one client pauses between statements.

    python bench/server_gaps.py --scale 10000 --gaps 0,1,2,4,8 --rounds 2

One client reads one small statement (a node's name by id, an auto-commit transaction in a session
of its own, as ``Neo4jStore`` reads) in a loop, and after each read works for ``gap`` ms (a busy
loop: what an API process does between two statements) or, with ``--asleep``, sleeps that long.
Prints the server's CPU per statement at each gap. What it answers: with one client, the API's
statements cost the server more CPU than the floor's replay of the same statements (``bench/README.md``,
"What remains"), and the API leaves gaps between its statements (its own Python work) where the
floor sends them back to back. If the server's CPU per statement grows with the gap, the
difference is the server's, spent between statements, not the statements'.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import cpu_reader, generated_neo4j, wait_quiet  # noqa: E402


def per_statement(read: Callable[[], object], cpu: Callable[[], float], gap_ms: float, statements: int,
                  asleep: bool = False) -> tuple[float, float]:
    """The server's CPU ms per statement (``cpu()``: its CPU seconds so far) and the wall ms per
    statement, ``statements`` reads each followed by ``gap_ms`` of work (or of sleep)."""
    before, started = cpu(), time.perf_counter()
    for _ in range(statements):
        read()
        if gap_ms and asleep:
            time.sleep(gap_ms / 1000)
        elif gap_ms:
            until = time.perf_counter() + gap_ms / 1000
            while time.perf_counter() < until:
                pass
    return (cpu() - before) * 1000 / statements, (time.perf_counter() - started) * 1000 / statements


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(10_000, 100_000, 1_000_000), default=10_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--gaps", default="0,1,2,4,8", help="ms of work after each statement, comma-separated")
    parser.add_argument("--statements", type=int, default=500, help="per gap and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm", type=int, default=20_000, help="reads before measuring")
    parser.add_argument("--drivers", default="1", help="comma-separated: reads take turns over this many drivers "
                        "(each its own connection pool; the API has two, the floor one)")
    parser.add_argument("--asleep", action="store_true", help="sleep through the gaps instead of working")
    args = parser.parse_args()
    gaps = [float(g) for g in args.gaps.split(",")]
    import neo4j

    with generated_neo4j(args.scale, args.seed) as (info, anchors):
        pid = int(info["pid"])
        counts = [int(n) for n in args.drivers.split(",")]
        drivers = [neo4j.GraphDatabase.driver(info["uri"], auth=(info["user"], info["password"]))
                   for _ in range(max(counts))]
        turns = itertools.count()
        query = neo4j.Query("MATCH (n:Entity {id: $id}) USING INDEX SEEK n:Entity(id) RETURN n.name AS name")

        def read(using: int) -> object:
            with drivers[next(turns) % using].session(default_access_mode=neo4j.READ_ACCESS) as session:
                return list(session.run(query, {"id": anchors.flagship}))

        cpu = cpu_reader(pid, "server_gaps")
        try:
            for _ in range(args.warm):  # the server's compiler and the statement's plan settle
                read(max(counts))
            print(f"{'drivers':>7} {'gap ms':>7} {'round':>5} {'server CPU ms/statement':>24} {'wall ms/statement':>18}")
            sides = [(n, gap) for n in counts for gap in gaps]
            for round_ in range(args.rounds):
                for using, gap in sides if round_ % 2 == 0 else sides[::-1]:
                    wait_quiet(pid)
                    server, wall = per_statement(partial(read, using), cpu, gap, args.statements, args.asleep)
                    print(f"{using:7d} {gap:7g} {round_ + 1:5d} {server:24.2f} {wall:18.2f}", flush=True)
        finally:
            for driver in drivers:
                driver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
