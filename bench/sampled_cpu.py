"""Where a served process's CPU goes, from a sampling profiler's stacks (no profiler inside the process).

cProfile, which ``bench_queries.py --profile`` uses, times every call and so inflates small functions
(a flagship answer makes tens of thousands of them). A sampling profiler reads the stacks of a
process that runs as users run it. With py-spy (``pip install py-spy``; not a dependency of loupan)::

    loupan serve --host 127.0.0.1 --port 8811 &            # over the 1M-node Neo4j, see cpu_per_request.py
    py-spy record --gil --pid <serve pid> -d 25 -r 200 -f raw -o stacks.txt &
    python bench/cpu_per_request.py --url http://127.0.0.1:8811/graphql --query flagship --clients 1 \\
        --seconds 25 --anchors bench/.data/neo4j-1000000-20220701/anchors.json --pid api=<serve pid>
    python bench/sampled_cpu.py stacks.txt

``--gil`` samples only the thread holding the GIL, the one doing Python work. Without it a thread
waiting to take the GIL back after a system call is sampled at that call, as if it were working: at
32 clients (the 1M graph's flagship) the driver's socket checks (``BoltSocketBase.at_eof``) made
894 of 3,520 working samples that way, and all of the driver but its unpacking 3.5% with ``--gil``.

py-spy's raw format is one line per distinct stack: frames from the outermost, ``;``-separated, then
the number of samples. Samples whose innermost frame is a wait (a socket, the event loop's selector,
an idle pool thread, a thread waiting on a future) are counted apart; every other sample goes to the
first of ``CATEGORIES`` that one of its frames matches, so the shares are of the samples in which the
process was working.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

# innermost frames (function name, as py-spy prints it before " (file:line)") that are waiting
WAITS = ("BoltSocketBase._wait_for_io", "EpollSelector.select", "_worker", "Condition.wait", "Event.wait")

# (category, frame substrings: a sample belongs to the first category one of its frames contains)
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("encoding the answer (orjson)", ("Router.encode_json",)),
    ("GraphQL completion (fast path)", ("api/execution.py", "complete (<string>")),
    ("API objects (Entity.of, TaskForceLink.of, the resolvers' lists)",
     ("TaskForceLink.of", "TaskForceLink.in_city", "EntityInterface.of", "Developer.task_forces_by_city.<locals>")),
    ("driver: unpacking records", ("Unpacker.unpack",)),
    ("driver: the rest (sending, receiving, Bolt)", ("neo4j/",)),
    ("nodes from rows (the generated maker)", ("make (<string>",)),
    ("loupan.graph (grouping, reads' own work)", ("graph/",)),
    ("GraphQL: parsing, validation, graphql-core's own execution", ("graphql/", "strawberry/")),
    ("HTTP (uvicorn, starlette, FastAPI)", ("uvicorn/", "starlette/", "fastapi/", "h11")),
    ("event loop and thread hand-offs", ("asyncio/", "concurrent/", "threading")),
)


def categorize(lines: list[str]) -> tuple[Counter[str], int, int]:
    """Samples per category, the samples waiting, and all samples."""
    counts: Counter[str] = Counter()
    waiting = total = 0
    for line in lines:
        stack, _, number = line.rstrip("\n").rpartition(" ")
        if not stack or not number.isdigit():
            continue
        n, frames = int(number), stack.split(";")
        total += n
        if frames[-1].split(" (")[0] in WAITS:
            waiting += n
            continue
        counts[next((name for name, needles in CATEGORIES if any(x in f for f in frames for x in needles)),
                    "other")] += n
    return counts, waiting, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stacks", type=Path, help="py-spy record -f raw output")
    args = parser.parse_args()
    try:
        lines = args.stacks.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        print(f"sampled_cpu: cannot read {args.stacks}: {e.strerror}", file=sys.stderr)
        return 1
    counts, waiting, total = categorize(lines)
    working = total - waiting
    if not working:
        print(f"sampled_cpu: {args.stacks} holds no working samples ({total} in all)", file=sys.stderr)
        return 1
    print(f"{total} samples, {waiting} waiting, {working} working")
    print("| where | samples | share of working |")
    print("|---|---|---|")
    for name in [c for c, _ in CATEGORIES] + ["other"]:
        print(f"| {name} | {counts[name]} | {counts[name] * 100 / working:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
