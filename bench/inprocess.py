"""CPU per execution of one benchmark query in-process: the app's schema over a generated graph, no HTTP.

    python bench/inprocess.py --scale 10000 --store neo4j --query neighbours
    python bench/inprocess.py --scale 1000000 --store neo4j --query flagship,big --repeat 200

The graph and its store are opened as ``bench_queries.py`` opens them (for Neo4j, a server started on
``bench/.data/neo4j-<scale>-<seed>`` and stopped after; the graph is generated first if missing), the
heap is settled as ``loupan serve`` settles it, and each query named (of ``bench_queries.QUERIES``) is
executed through the app's schema with its real threads, then encoded as the app encodes it. After
``--warm`` executions, ``--repeat`` are timed. Prints, per query, the median and mean CPU ms of this
process per execution (every thread's: the reads' decoding included) and the answer's size.

For two versions of the application code, run it once per version, alternately, a few times: this
machine's CPU speed moves by a fifth between runs, more than most single changes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import QUERIES, executor, ladybug_store, neo4j_store, variables  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(10_000, 100_000, 1_000_000), default=10_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--store", choices=("ladybug", "neo4j"), default="neo4j")
    parser.add_argument("--query", default="flagship", help=f"one or more of {', '.join(QUERIES)}, comma-separated")
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1500)
    args = parser.parse_args()
    # what bench_queries.neo4j_store reads of its own arguments: the defaults
    args.neo4j_uri = args.neo4j_data_dir = args.neo4j_heap = args.neo4j_page_cache = args.batch = None
    opener = ladybug_store(args.scale, args.seed) if args.store == "ladybug" else neo4j_store(args.scale, args.seed, args)
    with opener as (store, anchors, _raw):
        from loupan.graph.search import settle_heap

        execute = executor(store)

        async def measure(name: str) -> tuple[list[float], int]:
            async with store.reads_on_loop():  # as the app holds it: the small reads on the loop
                return await measured(name)

        async def measured(name: str) -> tuple[list[float], int]:
            query, values = QUERIES[name], variables(name, anchors)
            size = len(await execute(query, values))  # the first: the search index, plans, caches
            settle_heap()
            for _ in range(args.warm):
                await execute(query, values)
            spent = []
            for _ in range(args.repeat):
                started = time.process_time()
                await execute(query, values)
                spent.append((time.process_time() - started) * 1000)
            return spent, size

        for name in args.query.split(","):
            if name not in QUERIES:
                raise SystemExit(f"inprocess: no query {name!r}; there are {', '.join(QUERIES)}")
            spent, size = asyncio.run(measure(name))
            print(f"{args.store}-{args.scale} {name}: {size} bytes, CPU ms per execution over {args.repeat}: "
                  f"median {statistics.median(spent):.3f}, mean {statistics.mean(spent):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
