"""Write rate of Neo4jStore against the raw driver's plainest bulk write, in one run on one server.

    python bench/bench_neo4j_write.py                      # starts a throwaway server (scripts/neo4j_server.py)
    python bench/bench_neo4j_write.py --uri bolt://127.0.0.1:7687 --password ...   # WIPES that database
    python bench/bench_neo4j_write.py --scale 20000 --batch 5000   # generate.py's graph instead

Both sides write the same 10k nodes and 10k edges in batches of the same size, one transaction per
batch, on a database holding the loupan schema (so both maintain the same indexes):

- store: ``Neo4jStore.upsert`` (MERGE with the merge rules, one statement per batch);
- raw:   ``UNWIND $rows AS r CREATE (n:Entity) SET n = r`` for nodes, and for edges
         ``MATCH`` both ends by id then ``CREATE (a)-[e:TYPE]->(b) SET e = r`` per type.

Each side runs ``--repeat`` times on an emptied database, alternating; the median is reported.
``--scale N`` writes the rows of ``generate.py`` at N nodes instead of the uniform synthetic ones
(about 2.4 edges a node, dense places and reports, every edge citing a source).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import neo4j

from loupan.graph.model import EdgeRow, NodeRow, Source, relationship_types
from loupan.graph.neo4j_store import Neo4jStore

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

LABEL_SETS = [("Project", []), ("Developer", []), ("Place", []), ("Official", ["Person"]), ("Agency", []),
              ("TaskForce", []), ("Report", [])]


def make_rows(n_nodes: int, n_edges: int) -> tuple[list[NodeRow], list[EdgeRow]]:
    nodes = []
    for i in range(n_nodes):
        node_type, extra = LABEL_SETS[i % len(LABEL_SETS)]
        nodes.append(NodeRow(f"{node_type}:{i}", node_type, f"名称{i}号楼盘", labels=list(extra),
                             aliases=[f"别名{i}"], key=f"key{i}", code=f"41{i % 100:02d}00",
                             attrs={"n": i, "note": "测试"}))
    types = relationship_types()
    edges = []
    for i in range(n_edges):
        a, b = nodes[i % n_nodes], nodes[(i * 7 + 1) % n_nodes]
        edges.append(EdgeRow(types[i % len(types)], a.id, b.id,
                             [Source(f"Report:{i % 50}", f"引文{i}", 0, 4, by="bench")], {"w": i}))
    return nodes, edges


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """``--uri``, ``--user`` and ``--password``: what :func:`server` reads."""
    parser.add_argument("--uri", help="an existing server: its database is WIPED (default: start one)")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default=os.environ.get("LOUPAN_NEO4J_PASSWORD"))


@contextmanager
def server(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """The server ``--uri`` names, or a throwaway one started by ``scripts/neo4j_server.py``."""
    if args.uri:
        yield {"uri": args.uri, "user": args.user, "password": args.password or "", "version": "?"}
        return
    spec = importlib.util.spec_from_file_location("neo4j_server", ROOT / "scripts" / "neo4j_server.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    info: dict[str, Any] = script.start()
    try:
        yield info
    finally:
        script.stop(info)


def wipe(store: Neo4jStore) -> None:
    while store.read(("MATCH (n) RETURN count(n) AS c", {}))[0]["c"]:
        store._write_batch([("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n", {})])


CPU: list[float] = []  # this process's CPU seconds, per timed call: the driver's share of the work


def timed(fn: Callable[[], None]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started


def raw_write(driver: neo4j.Driver, nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
              batch: int) -> tuple[float, float]:
    def run(query: str, rows: list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), batch):
            driver.execute_query(query, {"rows": rows[i : i + batch]})

    node_s = timed(lambda: run("UNWIND $rows AS r CREATE (n:Entity) SET n = r", nodes))

    def edges_by_type() -> None:
        for rel_type in relationship_types():
            rows = [r for r in edges if r["type"] == rel_type]
            run("UNWIND $rows AS r MATCH (a:Entity {id: r.source}) MATCH (b:Entity {id: r.target}) "
                f"CREATE (a)-[e:{rel_type}]->(b) SET e = r", rows)

    return node_s, timed(edges_by_type)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_server_arguments(parser)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--edges", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, help="write generate.py's graph at this many nodes instead")
    args = parser.parse_args()

    if args.scale:
        import generate

        graph, _ = generate.build(args.scale)
        nodes, edges = graph.nodes, list({e.id: e for e in graph.edges}.values())
    else:
        nodes, edges = make_rows(args.nodes, args.edges)
    node_params, edge_params = [n.params() for n in nodes], [e.params() for e in edges]
    try:
        rust = importlib.metadata.version("neo4j-rust-ext")
    except importlib.metadata.PackageNotFoundError:
        rust = "not installed"
    with server(args) as info:
        store = Neo4jStore(info["uri"], info["user"], info["password"], batch_size=args.batch)
        driver = neo4j.GraphDatabase.driver(info["uri"], auth=(info["user"], info["password"]))
        store.apply_schema()
        results: dict[str, list[tuple[float, float]]] = {"store": [], "raw": []}
        cpu: dict[str, list[float]] = {"store": [], "raw": []}
        for _ in range(args.repeat):
            wipe(store)
            CPU.clear()
            store.round_trips = 0
            t_nodes = timed(lambda: store.upsert(nodes))
            t_edges = timed(lambda: store.upsert(edges=edges))
            cpu["store"].append(sum(CPU))
            queries = store.round_trips
            assert store.counts() == (len(nodes), len(edges))
            results["store"].append((t_nodes, t_edges))
            wipe(store)
            CPU.clear()
            results["raw"].append(raw_write(driver, node_params, edge_params, args.batch))
            cpu["raw"].append(sum(CPU))
            assert store.counts() == (len(nodes), len(edges))
        wipe(store)
        driver.close()
        store.close()

    raw_queries = math.ceil(len(nodes) / args.batch) + sum(
        math.ceil(sum(1 for e in edge_params if e["type"] == t) / args.batch) for t in relationship_types())
    print(f"Neo4j {info.get('version', '?')} at {info['uri']}; neo4j driver {neo4j.__version__}, "
          f"neo4j-rust-ext: {rust}; {len(nodes)} nodes + {len(edges)} edges, batch {args.batch}, "
          f"median of {args.repeat}")
    med = {side: (statistics.median(t[0] for t in runs), statistics.median(t[1] for t in runs))
           for side, runs in results.items()}
    for side, (tn, te) in med.items():
        print(f"  {side:5s}  nodes {tn:6.2f} s ({len(nodes) / tn:8.0f}/s)   edges {te:6.2f} s "
              f"({len(edges) / te:8.0f}/s)   total {tn + te:6.2f} s   client CPU {statistics.median(cpu[side]):5.2f} s")
    (sn, se), (rn, re_) = med["store"], med["raw"]
    print(f"  write queries: store {queries} (one per batch, + generation bumps), "
          f"raw {raw_queries}")
    print(f"  store/raw time ratio: nodes {sn / rn:.2f}x, edges {se / re_:.2f}x, total {(sn + se) / (rn + re_):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
