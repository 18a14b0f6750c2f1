"""Embedded store write rate through GraphStore.upsert against a raw ladybug UNWIND … CREATE of the
same rows, measured in the same run. Prints JSON.

    python bench/bench_embedded_write.py [--nodes 20000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import ladybug

from loupan.graph.ladybug_store import LadybugStore
from loupan.graph.model import EdgeRow, NodeRow, Source


def rows(n: int) -> tuple[list[NodeRow], list[EdgeRow]]:
    nodes = [NodeRow(f"Project:{i}", "Project", f"项目{i}", code="410100") for i in range(n)]
    edges = [EdgeRow(t, f"Project:{i}", f"Project:{(i * k + 1) % n}", [Source("Report:r", "quote", 0, 5)])
             for t, k in (("LOCATED_IN", 7), ("DEVELOPS", 13)) for i in range(n)]
    return nodes, edges


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=20000)
    n = ap.parse_args().nodes
    nodes, edges = rows(n)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = LadybugStore(Path(tmp) / "store")
        t = time.perf_counter()
        store.upsert(nodes, [])
        out["store_nodes_per_s"] = n / (time.perf_counter() - t)
        t = time.perf_counter()
        store.upsert([], edges)
        out["store_edges_per_s"] = len(edges) / (time.perf_counter() - t)
        t = time.perf_counter()
        store.upsert([], edges)
        out["store_edges_again_per_s"] = len(edges) / (time.perf_counter() - t)
        store.close()
        conn = ladybug.Connection(ladybug.Database(str(Path(tmp) / "raw")))
        conn.execute("CREATE NODE TABLE Entity(id STRING, name STRING, PRIMARY KEY(id))")
        conn.execute("CREATE REL TABLE REL(FROM Entity TO Entity, id STRING, type STRING, sources STRING[])")
        t = time.perf_counter()
        for i in range(0, n, 1000):
            conn.execute("UNWIND $rows AS r CREATE (:Entity {id: r.id, name: r.name})",
                         {"rows": [{"id": x.id, "name": x.name} for x in nodes[i:i + 1000]]})
        out["raw_nodes_per_s"] = n / (time.perf_counter() - t)
        params = [e.params() for e in edges]
        t = time.perf_counter()
        for i in range(0, len(params), 1000):
            conn.execute("UNWIND $rows AS r MATCH (a:Entity {id: r.source}) WITH r, a MATCH (b:Entity {id: r.target}) "
                         "CREATE (a)-[:REL {id: r.id, type: r.type, sources: r.sources}]->(b)",
                         {"rows": params[i:i + 1000]})
        out["raw_edges_per_s"] = len(edges) / (time.perf_counter() - t)
    out["ratio_nodes"] = out["store_nodes_per_s"] / out["raw_nodes_per_s"]
    out["ratio_edges"] = out["store_edges_per_s"] / out["raw_edges_per_s"]
    print(json.dumps({"nodes": n, "edges": len(edges), **{k: round(v, 2) for k, v in out.items()}}, indent=1))


if __name__ == "__main__":
    main()
