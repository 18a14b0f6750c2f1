"""Where reading a developer's cities' task forces in its projects' statement stops paying: the
crossover that ``queries.TASK_FORCES_AT_ONCE`` stands for.

    python bench/task_forces_at_once.py --scale 1000000 --targets 300,600,1000,1500,2000,3000 --rounds 4

``queries.task_forces_by_city`` reads the task forces of the cities of a developer's projects in the
statement that reads the projects when there are at most ``TASK_FORCES_AT_ONCE`` of them, and
otherwise in a second wave of statements side by side (``READ_PARTS`` of them, with the cities).
This script scans the graph's top-level developers (``--scan`` of them, in id order, then the
flagship), answers the question for each once to count the task forces it lists, picks for each
target count the developer whose count is nearest, and for each picked developer times the
question both ways in one client, the two alternating each round in turned order: "at once" with
the limit above any count, "apart" with the limit at 0. Prints, per developer, the task forces, the
cities and the medians over the rounds of the wall time and of this process's CPU per answer, and
of the Neo4j server's CPU per answer (the server started on ``bench/.data/neo4j-<scale>-<seed>``,
as ``bench_queries.py`` starts it). The fields read are the flagship benchmark query's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import cpu_reader, generated_neo4j, wait_quiet  # noqa: E402

from loupan.graph import queries  # noqa: E402

FIELDS = queries.GroupFields(projects=frozenset({"name"}), cities=frozenset({"name", "code"}),
                             task_forces=frozenset({"name"}))
WAYS = {"at once": 10**9, "apart": 0}  # TASK_FORCES_AT_ONCE for each way


def nearest(counts: dict[str, tuple[int, int]], targets: list[int]) -> list[str]:
    """For each target, the developer whose task-force count (the first of its pair) is nearest to
    it (the lowest id among equals), each developer once, in the order of the targets."""
    picked: list[str] = []
    for target in targets:
        best = min(((abs(n - target), d) for d, (n, _) in counts.items() if d not in picked), default=None)
        if best is not None:
            picked.append(best[1])
    return picked


def timed(answer: Callable[[], Any], server_cpu: Callable[[], float], repeat: int) -> tuple[float, float, float]:
    """Over ``repeat`` answers: the median wall ms and the median of this process's CPU ms per
    answer, and the server's CPU ms per answer (its total over them all: the kernel counts a
    process's CPU time in ticks of 10 ms)."""
    wall, mine = [], []
    before = server_cpu()
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        answer()
        wall.append((time.perf_counter() - w) * 1000)
        mine.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(mine), (server_cpu() - before) * 1000 / repeat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(10_000, 100_000, 1_000_000), default=1_000_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--targets", default="300,600,1000,1500,2000,3000",
                        help="task-force counts to find developers for, comma-separated (the flagship is added)")
    parser.add_argument("--scan", type=int, default=3000, help="top-level developers looked at")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=40, help="answers per way and round")
    args = parser.parse_args()
    from loupan.graph.neo4j_store import Neo4jStore

    with generated_neo4j(args.scale, args.seed) as (info, anchors):
        pid = int(info["pid"])

        server_cpu = cpu_reader(pid, "task_forces_at_once")
        with Neo4jStore(info["uri"], info["user"], info["password"]) as store:
            developers = [n.id for n in store.list_nodes(["Developer"], None, 0, args.scan * 3, fields=())]
            families = set(store.get_nodes(developers, ())) - {e.source for e in store.edges_of(
                developers, ["SUBSIDIARY_OF"], "out")}
            counts: dict[str, tuple[int, int]] = {}
            for developer in [*sorted(families)[: args.scan], anchors.flagship]:
                groups = queries.task_forces_by_city(store, developer, FIELDS)
                counts[developer] = (sum(len(g.task_forces) for g in groups), len(groups))
            picked = nearest(counts, [int(t) for t in args.targets.split(",")])
            if anchors.flagship not in picked:
                picked.append(anchors.flagship)
            picked.sort(key=lambda d: counts[d][0])
            print(f"{len(counts)} developers scanned; task forces listed: "
                  f"{sorted({n for n, _ in counts.values()})[-12:]} (the largest)", flush=True)
            print(f"{'developer':<36} {'task forces':>11} {'cities':>6} | {'way':<8} {'wall ms':>8} "
                  f"{'API CPU ms':>10} {'server CPU ms':>13}")
            for developer in picked:
                results: dict[str, list[tuple[float, float, float]]] = {way: [] for way in WAYS}
                for round_ in range(args.rounds):
                    for way in WAYS if round_ % 2 == 0 else list(WAYS)[::-1]:
                        queries.TASK_FORCES_AT_ONCE = WAYS[way]
                        wait_quiet(pid)
                        results[way].append(timed(lambda d=developer: queries.task_forces_by_city(store, d, FIELDS),
                                                  server_cpu, args.repeat))
                for way, rows in results.items():
                    wall, mine, server = (statistics.median(r[i] for r in rows) for i in range(3))
                    print(f"{developer:<36} {counts[developer][0]:>11} {counts[developer][1]:>6} | {way:<8} "
                          f"{wall:8.1f} {mine:10.1f} {server:13.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
