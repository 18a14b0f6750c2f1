"""Throughput, latency and CPU per request of ``loupan serve`` at several ``LOUPAN_WORK_SLOTS`` and
``--workers``, beside the peer if asked.

    python bench/work_slots.py --scale 1000000 --slots 0,1,2,4,8 --query flagship --clients 32
    python bench/work_slots.py --scale 10000 --slots 4 --workers 1,2 --peer --query neighbours \
        --seconds 8 --out bench/results/workers-10000-neighbours.json
    python bench/work_slots.py --scale 10000 --slots 4 --peer --query neighbours --seconds 8 --rounds 5 \
        --side "router, h11:PYTHONPATH=bench/shims/router:bench/shims/h11" \
        --side "lane, h11:PYTHONPATH=bench/shims/h11" --out lane-ab.json

Starts a Neo4j server on the graph ``bench_queries.py --generate-only`` wrote (``bench/.data``),
then one ``loupan serve`` per slots value and number of worker processes, each as users run it (a
process of its own over that server; slots 0 is no limit), and with ``--peer`` the peer
(``bench/peer``), and measures them in turn with the load generator: ``--rounds`` rounds,
the order turned each round so that none is always measured first, each measurement after the
server has gone quiet. Each process is warmed until the server's CPU per request is steady first.
Prints one line per measurement and a table of medians, and writes the lot as JSON (``--out``). The
CPU per request of a served side is summed over its processes (each worker of ``--workers N``).

``--side LABEL:NAME=VALUE,…`` (repeated) adds a ``loupan serve`` (at the first slots value and
number of workers) whose environment also holds those variables: with ``PYTHONPATH`` naming
directories of ``bench/shims/``, the same code with one of its parts switched off, measured beside
it in the same run (see ``bench/shims/README.md``).
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
    QUERIES,
    ROOT,
    _script,
    generated_neo4j,
    load,
    turned,
    variables,
    wait_quiet,
    warm_until_steady,
    with_cpu,
)

from tests.server import free_port, worker_pids  # noqa: E402


def side(text: str) -> tuple[str, dict[str, str]]:
    """``LABEL:NAME=VALUE,NAME=VALUE`` → the label and the extra environment."""
    label, sep, assignments = text.partition(":")
    env: dict[str, str] = {}
    for assignment in filter(None, assignments.split(",")):
        name, eq, value = assignment.partition("=")
        if not eq or not name.strip():
            raise SystemExit(f"--side {text!r}: {assignment!r} should read NAME=VALUE")
        env[name.strip()] = value
    if not sep or not label.strip() or not env:
        raise SystemExit(f"--side {text!r} should read LABEL:NAME=VALUE[,NAME=VALUE…]")
    return label.strip(), env


def resolved(env: dict[str, str]) -> dict[str, str]:
    """``env`` with each relative ``PYTHONPATH`` entry taken from the checkout's root."""
    if "PYTHONPATH" not in env:
        return env
    return {**env, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in env["PYTHONPATH"].split(os.pathsep))}


def serve(slots: int, workers: int, info: dict[str, Any], log_dir: Path,
          extra_env: dict[str, str] | None = None, name: str = "") -> tuple[subprocess.Popen[bytes], str, list[int]]:
    """``loupan serve`` over the server ``info`` names: the process, its GraphQL URL and the pids of
    the processes that answer (itself, or its ``workers`` worker processes). Its name index is built
    on the first search, not from start-up (``LOUPAN_WARM_INDEX=false``): the queries measured here
    but search never need it, and a build (a minute at 1M nodes, in each worker) would run beside
    the first measurements."""
    port = free_port()
    env = {**os.environ, "LOUPAN_NEO4J_URI": info["uri"], "LOUPAN_NEO4J_USER": info["user"],
           "LOUPAN_NEO4J_PASSWORD": info["password"], "LOUPAN_ANONYMOUS_READ": "true",
           "LOUPAN_WORK_SLOTS": str(slots), "LOUPAN_WARM_INDEX": "false", **(extra_env or {})}
    suffix = "-" + "".join(c if c.isalnum() else "-" for c in name) if name else ""
    log = log_dir / f"serve-slots-{slots}-workers-{workers}{suffix}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "loupan.cli", "serve", "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", str(workers)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            answering = worker_pids(proc.pid) if workers > 1 else [proc.pid]
            if len(answering) == workers and httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return proc, f"{url}/graphql", answering
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"loupan serve with LOUPAN_WORK_SLOTS={slots} --workers {workers} did not start: see {log}")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--slots", default="0,1,2,4,8", help="comma-separated LOUPAN_WORK_SLOTS values")
    parser.add_argument("--workers", default="1", help="comma-separated numbers of processes (--workers)")
    parser.add_argument("--peer", action="store_true", help="also the peer, @neo4j/graphql (needs npm)")
    parser.add_argument("--side", action="append", default=[], type=side, metavar="LABEL:NAME=VALUE,…",
                        help="also loupan serve with this environment added (repeatable; see the docstring)")
    parser.add_argument("--query", choices=sorted(QUERIES), default="flagship")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3, help="seconds per warm-up window")
    parser.add_argument("--warmup-max", type=float, default=45)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "work-slots.json")
    args = parser.parse_args()
    variants = [(int(s), int(w)) for s in args.slots.split(",") for w in args.workers.split(",")]
    path = DATA / f"neo4j-{args.scale}-{args.seed}"

    several_workers = len({w for _, w in variants}) > 1

    def label(slots: int, workers: int) -> str:
        return f"slots {slots or 'no limit'}" + (f", {workers} processes" if several_workers else "")

    with ExitStack() as stack:
        info, anchors = stack.enter_context(generated_neo4j(args.scale, args.seed))
        body = {"query": QUERIES[args.query], "variables": variables(args.query, anchors)}
        neo4j_pid = int(info["pid"])
        # label -> (GraphQL URL, request body, pids of the processes answering)
        sides: dict[str, tuple[str, dict[str, Any], list[int]]] = {}
        for slots, workers in variants:
            proc, url, pids = serve(slots, workers, info, path)
            stack.callback(proc.wait, 30)
            stack.callback(proc.terminate)
            sides[label(slots, workers)] = (url, body, pids)
        for name, extra_env in args.side:
            if name in sides or name == "peer":
                raise SystemExit(f"--side {name!r}: another side has that label")
            proc, url, pids = serve(variants[0][0], variants[0][1], info, path, resolved(extra_env), name)
            stack.callback(proc.wait, 30)
            stack.callback(proc.terminate)
            sides[name] = (url, body, pids)
        if args.peer:
            from loupan.graph.neo4j_store import Neo4jStore

            peer = _script("peer_driver", HERE / "peer" / "peer.py")
            url, pid = stack.enter_context(peer.serving(info))  # type: ignore[attr-defined]
            store = stack.enter_context(Neo4jStore(info["uri"], info["user"], info["password"]))
            if args.query not in peer.QUERIES:  # type: ignore[attr-defined]
                raise SystemExit(f"the peer has no {args.query!r}; it has {', '.join(peer.QUERIES)}")  # type: ignore[attr-defined]
            text, values = peer.QUERIES[args.query](anchors, store)  # type: ignore[attr-defined]
            sides["peer"] = (url, {"query": text, "variables": values}, [pid])
        cells: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
        load_avg_start = os.getloadavg()
        for name, (url, request, _) in sides.items():
            windows = warm_until_steady(partial(load, url, request, args.clients, args.warmup), neo4j_pid,
                                        args.warmup, args.warmup_max)
            print(f"{name}: warmed, server CPU ms/request per window {windows}", flush=True)
        for r in range(args.rounds):
            for name in turned(list(sides), r):
                url, request, pids = sides[name]
                quiet_s = wait_quiet(neo4j_pid)
                cell = with_cpu(partial(load, url, request, args.clients, args.seconds),
                                {**{f"api{i}": pid for i, pid in enumerate(pids)}, "neo4j": neo4j_pid})
                spent = cell["cpu_ms_per_request"]
                spent["api"] = round(sum(spent.pop(f"api{i}") for i in range(len(pids))), 1)
                cell["quiet_wait_s"] = quiet_s
                cells[name].append(cell)
                print(f"round {r + 1} {name}: {cell['rps']} requests/s, p50 {cell['p50_ms']} ms, "
                      f"p99 {cell['p99_ms']} ms, CPU ms/request {spent}", flush=True)
        load_avg_end = os.getloadavg()
    rows = []
    for name, measured in cells.items():
        med = {k: statistics.median(c[k] for c in measured) for k in ("rps", "p50_ms", "p99_ms")}
        cpu = {k: statistics.median(c["cpu_ms_per_request"][k] for c in measured) for k in ("api", "neo4j")}
        rows.append({"side": name, **med, "cpu_ms_per_request": cpu, "rps_rounds": [c["rps"] for c in measured]})
    print(f"\n| {args.query}, {args.scale} nodes, {args.clients} clients | req/s (median) | req/s each round | "
          "p50 ms | p99 ms | CPU ms/request: serving processes (+ server) |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['side']} | {row['rps']} | {', '.join(map(str, row['rps_rounds']))} | "
              f"{row['p50_ms']} | {row['p99_ms']} | {row['cpu_ms_per_request']['api']} "
              f"(+{row['cpu_ms_per_request']['neo4j']}) |")
    args.out.write_text(json.dumps({"scale": args.scale, "query": args.query, "clients": args.clients,
                                    "seconds": args.seconds, "rounds": args.rounds,
                                    "side_environments": dict(args.side),
                                    "load_average": {"start": load_avg_start, "end": load_avg_end},
                                    "rows": rows, "cells": cells}, indent=1, ensure_ascii=False) + "\n")
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
