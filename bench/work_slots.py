"""Throughput, latency and CPU per request of ``loupan serve`` at several ``LOUPAN_WORK_SLOTS``.

    python bench/work_slots.py --scale 1000000 --slots 0,1,2,4,8 --query flagship --clients 32

Starts a Neo4j server on the graph ``bench_queries.py --generate-only`` wrote (``bench/.data``),
then one ``loupan serve`` process per slots value, each as users run it (a process of its own over
that server; 0 is no limit), and measures them in turn with the load generator: ``--rounds`` rounds,
the order turned each round so that none is always measured first, each measurement after the
server has gone quiet. Each process is warmed until the server's CPU per request is steady first.
Prints one line per measurement and a table of medians, and writes the lot as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import (  # noqa: E402
    DATA,
    NEO4J_MEMORY,
    QUERIES,
    ROOT,
    _script,
    load,
    turned,
    variables,
    wait_quiet,
    warm_until_steady,
    with_cpu,
)

from tests.server import free_port  # noqa: E402


def serve(slots: int, info: dict[str, Any], log_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "LOUPAN_NEO4J_URI": info["uri"], "LOUPAN_NEO4J_USER": info["user"],
           "LOUPAN_NEO4J_PASSWORD": info["password"], "LOUPAN_ANONYMOUS_READ": "true",
           "LOUPAN_WORK_SLOTS": str(slots)}
    log = log_dir / f"serve-slots-{slots}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "loupan.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, f"{url}/graphql"
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"loupan serve with LOUPAN_WORK_SLOTS={slots} did not start: see {log}")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--slots", default="0,1,2,4,8", help="comma-separated LOUPAN_WORK_SLOTS values")
    parser.add_argument("--query", choices=sorted(QUERIES), default="flagship")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3, help="seconds per warm-up window")
    parser.add_argument("--warmup-max", type=float, default=45)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "work-slots.json")
    args = parser.parse_args()
    slot_values = [int(s) for s in args.slots.split(",")]
    path = DATA / f"neo4j-{args.scale}-{args.seed}"
    marker = path / generate.ANCHORS_FILE
    if not marker.exists():
        raise SystemExit(f"{path} holds no finished graph: run bench/bench_queries.py --scale {args.scale} "
                         "--stores neo4j --generate-only first")
    anchors = generate.Anchors(**json.loads(marker.read_text()))
    body = {"query": QUERIES[args.query], "variables": variables(args.query, anchors)}
    server = _script("neo4j_server", ROOT / "scripts" / "neo4j_server.py")
    heap, page_cache = NEO4J_MEMORY.get(args.scale, (None, None))
    cells: dict[int, list[dict[str, Any]]] = {s: [] for s in slot_values}
    with ExitStack() as stack:
        info = server.start(data_dir=path, password=(path / "password").read_text().strip(), heap=heap,
                            page_cache=page_cache)
        stack.callback(server.stop, info)
        neo4j_pid = int(info["pid"])
        servers: dict[int, tuple[subprocess.Popen[bytes], str]] = {}
        for s in slot_values:
            proc, url = servers[s] = serve(s, info, path)
            stack.callback(proc.wait, 30)
            stack.callback(proc.terminate)
        load_avg_start = os.getloadavg()
        for s in slot_values:
            _, url = servers[s]
            windows = warm_until_steady(partial(load, url, body, args.clients, args.warmup), neo4j_pid,
                                        args.warmup, args.warmup_max)
            print(f"slots {s}: warmed, server CPU ms/request per window {windows}", flush=True)
        for r in range(args.rounds):
            for key in turned([str(v) for v in slot_values], r):
                s = int(key)
                proc, url = servers[s]
                quiet_s = wait_quiet(neo4j_pid)
                cell = with_cpu(partial(load, url, body, args.clients, args.seconds),
                                {"api": proc.pid, "neo4j": neo4j_pid})
                cell["quiet_wait_s"] = quiet_s
                cells[s].append(cell)
                print(f"round {r + 1} slots {s}: {cell['rps']} requests/s, p50 {cell['p50_ms']} ms, "
                      f"p99 {cell['p99_ms']} ms, CPU ms/request {cell['cpu_ms_per_request']}", flush=True)
        load_avg_end = os.getloadavg()
    rows = []
    for s in slot_values:
        med = {k: statistics.median(c[k] for c in cells[s]) for k in ("rps", "p50_ms", "p99_ms")}
        cpu = {name: statistics.median(c["cpu_ms_per_request"][name] for c in cells[s])
               for name in ("api", "neo4j")}
        rows.append({"slots": s, **med, "cpu_ms_per_request": cpu,
                     "rps_rounds": [c["rps"] for c in cells[s]]})
    print("\n| LOUPAN_WORK_SLOTS | req/s (median) | req/s each round | p50 ms | p99 ms | CPU ms/request: API (+ server) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['slots'] or 'no limit'} | {row['rps']} | {', '.join(map(str, row['rps_rounds']))} | "
              f"{row['p50_ms']} | {row['p99_ms']} | {row['cpu_ms_per_request']['api']} "
              f"(+{row['cpu_ms_per_request']['neo4j']}) |")
    args.out.write_text(json.dumps({"scale": args.scale, "query": args.query, "clients": args.clients,
                                    "seconds": args.seconds, "rounds": args.rounds,
                                    "load_average": {"start": load_avg_start, "end": load_avg_end},
                                    "rows": rows, "cells": {str(s): c for s, c in cells.items()}},
                                   indent=1, ensure_ascii=False) + "\n")
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
