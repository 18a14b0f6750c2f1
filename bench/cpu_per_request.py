"""CPU per request of running processes while C clients ask one query of a running server.

    # a server as users run it, in a process of its own, over the 1M-node graph's Neo4j:
    LOUPAN_NEO4J_URI=bolt://127.0.0.1:7691 LOUPAN_NEO4J_PASSWORD=… LOUPAN_ANONYMOUS_READ=true \\
        loupan serve --host 127.0.0.1 --port 8811 &
    python bench/cpu_per_request.py --url http://127.0.0.1:8811/graphql --query flagship --clients 32 \\
        --seconds 20 --anchors bench/.data/neo4j-1000000-20220701/anchors.json --pid api=<serve pid> \\
        --pid neo4j=<server pid>

``bench_queries.py`` serves the app in a thread of its own process and records the same figures for
every query; this measures any server already running (``loupan serve`` as deployed, a changed
build beside the old one, the peer with ``--body``) without starting or generating anything. The
query is one of ``bench_queries.QUERIES`` with its variables from the anchors file of a generated
graph, or a whole request body in JSON (``--body``). Prints one line: requests/s, p50, the
response's size, the load generator's CPU and each named process's CPU per request.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import QUERIES, load, variables, with_cpu  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the GraphQL endpoint")
    parser.add_argument("--query", choices=sorted(QUERIES), help="a benchmark query (needs --anchors)")
    parser.add_argument("--anchors", type=Path, help="anchors.json of the generated graph the server holds")
    parser.add_argument("--body", help="the request body as JSON instead of --query")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured load first")
    parser.add_argument("--pid", action="append", default=[], metavar="NAME=PID",
                        help="a process whose CPU to count (repeat)")
    args = parser.parse_args()
    if args.body:
        body: dict[str, Any] = json.loads(args.body)
    elif args.query and args.anchors:
        anchors = generate.Anchors(**json.loads(args.anchors.read_text()))
        body = {"query": QUERIES[args.query], "variables": variables(args.query, anchors)}
    else:
        parser.error("give --query and --anchors, or --body")
    processes: dict[str, int | None] = {}
    for item in args.pid:
        name, _, pid = item.partition("=")
        if not pid.isdigit():
            parser.error(f"--pid {item!r}: expected NAME=PID")
        processes[name] = int(pid)
    if args.warmup > 0:
        load(args.url, body, args.clients, args.warmup)
    result = with_cpu(lambda: load(args.url, body, args.clients, args.seconds), processes)
    client_ms = result["client_cpu_s"] * 1000 / max(1, result["requests"])
    print(f"{args.query or 'body'} clients {args.clients}: {result['rps']} requests/s, p50 {result['p50_ms']} ms, "
          f"{result['requests']} requests, {result['bytes']} bytes, load generator {client_ms:.1f} ms/request, "
          "CPU ms/request " + json.dumps(result["cpu_ms_per_request"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
