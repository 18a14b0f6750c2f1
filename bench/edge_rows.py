"""Edges and nodes read as rows of values (as ``Neo4jStore`` reads them now) against as maps (before),
for the neighbours statement and the flagship's first statement, paired in one process.

    python bench/edge_rows.py --scale 10000 --pairs 3000

The statements are the dialect's (``edges_with_ends`` of the graph's neighbour anchor with the
neighbours query's fields; ``developer_projects_with_edges`` of the flagship anchor with the flagship
query's fields, its cities and, if at most ``queries.TASK_FORCES_AT_ONCE``, their task forces). The
map form is the same text with each edge row and node row written back as a map literal
(``{id: id, …}``, ``{id: n.id, …}``), decoded as before (``Edge.from_record``, ``Node.from_record``);
the row form is decoded by ``Neo4jStore._edges_and_ends``. Both are read through one driver in
auto-commit transactions, taking turns read by read (the order turning each pair). Prints per
statement the rows it returns and the median and mean of this process's CPU ms per read and
decoding each way, and of the paired differences (rows minus maps).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import generated_neo4j, paired  # noqa: E402

from loupan.graph import queries  # noqa: E402
from loupan.graph.cypher import neo4j as dialect  # noqa: E402
from loupan.graph.model import Edge, Node, relationship_types  # noqa: E402
from loupan.graph.neo4j_store import Neo4jStore  # noqa: E402

_NODE_ROW = re.compile(r"\| \[((?:n\.\w+(?:, )?)+)\]\] AS nodes")


def as_maps(text: str) -> str:
    """``text`` with its edge rows and node rows written as map literals, as the dialect wrote them."""
    edge_row = "[" + ", ".join(dialect.EDGE_COLUMNS) + "]"
    edge_map = "{" + ", ".join(f"{c}: {c}" for c in dialect.EDGE_COLUMNS) + "}"
    if edge_row not in text or not _NODE_ROW.search(text):
        raise ValueError(f"edge_rows: no edge rows and node rows in {text[:200]!r}…")
    node_map = lambda m: "| {" + ", ".join(f"{c[2:]}: {c}" for c in m.group(1).split(", ")) + "}] AS nodes"  # noqa: E731
    return _NODE_ROW.sub(node_map, text.replace(edge_row, edge_map))


def from_maps(row: dict[str, Any]) -> tuple[list[Edge], dict[str, Node]]:
    """Maps decoded as ``Neo4jStore`` decoded them before."""
    nodes: dict[str, Node] = {}
    for r in row["nodes"]:
        if r["id"] not in nodes:
            nodes[r["id"]] = Node.from_record(r)
    return sorted((Edge.from_record(r) for r in row["edges"]), key=lambda e: e.id), nodes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(10_000, 100_000, 1_000_000), default=10_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--warm", type=int, default=500, help="reads each way before measuring")
    parser.add_argument("--pairs", type=int, default=3000)
    args = parser.parse_args()
    import neo4j

    with generated_neo4j(args.scale, args.seed) as (info, anchors):
        driver = neo4j.GraphDatabase.driver(info["uri"], auth=(info["user"], info["password"]))
        neighbours = dialect.edges_with_ends([anchors.neighbour], [t for t in relationship_types() if t != "MENTIONS"],
                                             "both", {"id", "name", "type"})
        flagship = dialect.developer_projects_with_edges(
            anchors.flagship, queries.MAX_SUBSIDIARY_DEPTH, ["LOCATED_IN", "HANDLES"], {"name", "code"},
            {"name", "code", "labels"}, True, ({"name", "code"}, queries.TASK_FORCES_AT_ONCE))

        def reader(text: str, params: dict[str, Any], decode: Callable[[dict[str, Any]], Any]) -> Callable[[], Any]:
            def read() -> Any:
                with driver.session(default_access_mode=neo4j.READ_ACCESS) as session:
                    (record,) = list(session.run(neo4j.Query(text), params))
                return decode(dict(record))
            return read

        try:
            for name, (text, params) in (("neighbours", neighbours), ("flagship", flagship)):
                ways = {"rows": reader(text, params, Neo4jStore._edges_and_ends),
                        "maps": reader(as_maps(text), params, from_maps)}
                (edges, nodes), (edges_m, nodes_m) = ways["rows"](), ways["maps"]()
                if [(e.id, e.type, e.source, e.target) for e in edges] != [
                        (e.id, e.type, e.source, e.target) for e in edges_m] or nodes.keys() != nodes_m.keys():
                    raise SystemExit(f"edge_rows: the two forms of the {name} statement answer differently")
                for read in ways.values():
                    for _ in range(args.warm):
                        read()
                spent: dict[str, list[float]] = {way: [] for way in ways}
                for i in range(args.pairs):
                    for way in (list(ways) if i % 2 == 0 else list(ways)[::-1]):
                        started = time.process_time()
                        ways[way]()
                        spent[way].append((time.process_time() - started) * 1000)
                print(f"{name}: {len(edges)} edges, {len(nodes)} nodes; CPU ms per read, median / mean: "
                      f"{paired(spent, 'rows', 'maps', ('rows', 'maps'))}", flush=True)
        finally:
            driver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
