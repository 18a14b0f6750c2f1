"""What the Python driver costs per record: the same rows read as records and as one collected record.

    python bench/bench_neo4j_read.py                      # starts a throwaway server (scripts/neo4j_server.py)
    python bench/bench_neo4j_read.py --uri bolt://127.0.0.1:7687 --password ...   # WIPES that database

It writes ``--nodes`` task forces through ``Neo4jStore.upsert`` (ten properties each, as every loupan
node has), then times, in one run and alternating, medians of ``--repeat``:

- ``records``: ``MATCH (n:TaskForce) RETURN n.id AS id, … ORDER BY n.id``, one record per node, as
  ``Neo4jStore`` read before;
- ``one record``: the same query wrapped by ``loupan.graph.cypher.neo4j.one_record``
  (``CALL () { … } RETURN collect({…}) AS loupan_rows``), as ``Neo4jStore`` reads now;
- both for two columns (id, name) as well, and ``Neo4jStore.list_nodes`` end to end (rows turned
  into ``Node`` objects), with every property and with ``fields=("name",)`` (id, type and name);
- one node by id (``dialect.get_nodes``), ``--repeat`` × 20 times: in a managed transaction
  (``execute_query``: BEGIN, RUN and PULL, then COMMIT, two round trips) and as an auto-commit
  transaction (``session.run``, one round trip, as ``Neo4jStore`` reads now), and
  ``Neo4jStore.get_node`` end to end.

Wall time and this process's CPU time are reported; the ratio is records / one record.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j

from loupan.graph.cypher import neo4j as dialect
from loupan.graph.model import NodeRow
from loupan.graph.neo4j_store import Neo4jStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_neo4j_write import add_server_arguments, server


def median_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return round(statistics.median(walls) * 1000, 2), round(statistics.median(cpus) * 1000, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_server_arguments(parser)
    parser.add_argument("--nodes", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    with server(args) as info:
        store = Neo4jStore(info["uri"], info["user"], info["password"])
        driver = neo4j.GraphDatabase.driver(info["uri"], auth=(info["user"], info["password"]))
        try:
            store.apply_schema()
            store._write_batch([("MATCH (n) DETACH DELETE n", {})])
            store.upsert([NodeRow(f"TaskForce:{i:06d}", "TaskForce", f"某市{i}号专班", key=f"k{i}", code="410102",
                                  aliases=[f"专班{i}"], date="2022-08", attrs={"n": i}) for i in range(args.nodes)])

            def read(query: str) -> Callable[[], Any]:
                return lambda: driver.execute_query(query, routing_=neo4j.RoutingControl.READ)

            ten = f"MATCH (n:TaskForce) RETURN {dialect.NODE_RETURN} ORDER BY n.id"
            two = "MATCH (n:TaskForce) RETURN n.id AS id, n.name AS name ORDER BY n.id"
            results: dict[str, Any] = {"nodes": args.nodes, "repeat": args.repeat,
                                       "driver": neo4j.__version__, "rows": {}}
            for name, query in (("10 columns", ten), ("2 columns", two)):
                records = median_of(read(query), args.repeat)
                one = median_of(read(dialect.one_record((query, {}))[0]), args.repeat)
                results["rows"][name] = {"records_ms": records, "one_record_ms": one,
                                         "ratio_wall": round(records[0] / one[0], 2)}
            rows = store.list_nodes(["TaskForce"], None, 0, args.nodes)
            assert len(rows) == args.nodes, len(rows)
            results["rows"]["Neo4jStore.list_nodes"] = {
                "one_record_ms": median_of(lambda: store.list_nodes(["TaskForce"], None, 0, args.nodes), args.repeat)}
            results["rows"]["Neo4jStore.list_nodes, fields=name"] = {"one_record_ms": median_of(
                lambda: store.list_nodes(["TaskForce"], None, 0, args.nodes, fields=("name",)), args.repeat)}

            one_id, one_params = dialect.get_nodes(["TaskForce:000001"])

            def auto_commit() -> Any:
                with driver.session(default_access_mode=neo4j.READ_ACCESS) as session:
                    return list(session.run(neo4j.Query(one_id), one_params))  # type: ignore[arg-type]

            def managed() -> Any:
                return driver.execute_query(neo4j.Query(one_id), one_params,  # type: ignore[arg-type]
                                            routing_=neo4j.RoutingControl.READ)

            results["one node"] = {name: median_of(fn, args.repeat * 20) for name, fn in (
                ("managed_ms", managed), ("auto_commit_ms", auto_commit),
                ("store_get_node_ms", lambda: store.get_node("TaskForce:000001")))}
        finally:
            driver.close()
            store.close()
    print(json.dumps(results, ensure_ascii=False, indent=1))
    print("one node: " + " | ".join(f"{k} {v[0]} (CPU {v[1]})" for k, v in results["one node"].items()))
    for name, row in results["rows"].items():
        if "records_ms" in row:
            print(f"{name:>12}: records {row['records_ms'][0]:8.1f} ms (CPU {row['records_ms'][1]:.1f}) | "
                  f"one record {row['one_record_ms'][0]:7.1f} ms (CPU {row['one_record_ms'][1]:.1f}) | "
                  f"×{row['ratio_wall']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
