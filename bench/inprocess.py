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

``--replay``: the Python side alone. Each read the query sends is recorded at its first execution and
answered after from the recording (a fresh copy each time, unpickled; the time spent unpickling is
measured and taken off), so neither the server nor the driver's decoding is in the figures, and a
change of a millisecond in the API's own work shows through the noise of the rest. ``--rounds``
repeats the timed part, and the best round's median is printed beside the median of the rounds.

    python bench/inprocess.py --scale 1000000 --query flagship --replay --warm 50 --repeat 100 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import statistics
import sys
import time
from pathlib import Path
from typing import Any

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
    parser.add_argument("--rounds", type=int, default=1, help="timed parts, each of --repeat executions")
    parser.add_argument("--replay", action="store_true", help="answer the reads from a recording (see above)")
    args = parser.parse_args()
    # what bench_queries.neo4j_store reads of its own arguments: the defaults
    args.neo4j_uri = args.neo4j_data_dir = args.neo4j_heap = args.neo4j_page_cache = args.batch = None
    opener = ladybug_store(args.scale, args.seed) if args.store == "ladybug" else neo4j_store(args.scale, args.seed, args)
    with opener as (store, anchors, _raw):
        from loupan.graph.search import settle_heap

        unpickling = replay(store) if args.replay else None
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
            rounds = []
            for _ in range(args.rounds):
                spent = []
                for _ in range(args.repeat):
                    taken = unpickling[0] if unpickling else 0.0
                    started = time.process_time()
                    await execute(query, values)
                    off = (unpickling[0] - taken) if unpickling else 0.0
                    spent.append((time.process_time() - started - off) * 1000)
                rounds.append(spent)
            return rounds, size

        for name in args.query.split(","):
            if name not in QUERIES:
                raise SystemExit(f"inprocess: no query {name!r}; there are {', '.join(QUERIES)}")
            rounds, size = asyncio.run(measure(name))
            medians = [statistics.median(spent) for spent in rounds]
            every = [ms for spent in rounds for ms in spent]
            what = "the Python side (reads replayed)" if args.replay else "CPU"
            print(f"{args.store}-{args.scale} {name}: {size} bytes, {what} ms per execution over "
                  f"{args.rounds} x {args.repeat}: median {statistics.median(every):.3f}, mean {statistics.mean(every):.3f}"
                  + (f", best round's median {min(medians):.3f} (rounds: {', '.join(f'{m:.3f}' for m in medians)})"
                     if args.rounds > 1 else ""), flush=True)
    return 0


def replay(store: Any) -> list[float]:
    """Make ``store`` answer each read (blocking or awaited, dicts or rows) from a recording of its
    first answer to the same statement and parameters, unpickled afresh each time (the driver gives
    new objects each time too). Returns a one-item list holding the CPU seconds spent unpickling so far."""
    recorded: dict[str, bytes] = {}
    unpickling = [0.0]

    def answer(key: str) -> Any:
        started = time.process_time()
        made = pickle.loads(recorded[key])
        unpickling[0] += time.process_time() - started
        return made

    def blocking(real: Any) -> Any:
        def read(query: str, params: dict[str, Any]) -> Any:
            key = repr((query, params))
            if key not in recorded:
                recorded[key] = pickle.dumps(real(query, params))
            return answer(key)
        return read

    def awaited(real: Any) -> Any:
        async def read(query: str, params: dict[str, Any]) -> Any:
            key = repr((query, params))
            if key not in recorded:
                recorded[key] = pickle.dumps(await real(query, params))
            return answer(key)
        return read

    for name in ("_read", "_read_rows"):
        setattr(store, name, blocking(getattr(store, name)))
    for name in ("_aread", "_aread_rows"):
        setattr(store, name, awaited(getattr(store, name)))
    return unpickling


if __name__ == "__main__":
    sys.exit(main())
