"""Batch ingestion throughput on ≥ 1,000 reports made from the bundled real texts, on both stores,
and the Neo4j write path beside the raw driver's plainest bulk write of the same rows, in one run.

    python bench/bench_ingest.py                  # 1,000 reports; Neo4j started by scripts/neo4j_server.py
    python bench/bench_ingest.py --reports 2000 --workers 2
    python bench/bench_ingest.py --uri bolt://127.0.0.1:7687 --password …   # an existing server: WIPED
    python bench/bench_ingest.py --no-neo4j

Corpus: each bundled report (``loupan/sample/news/*.txt``) in variants (names swapped: 郑州 → 开封,
长沙 → 株洲, …; then a distinct last line), its metadata in a ``.meta.json`` sidecar, until there are
``--reports``. Per store: a fresh store, ``loupan ingest``'s batch with ``--workers`` extraction
processes; reports/s and MB/s of the whole run (reading, extraction, writing), then a re-run, where
every report is held unchanged and skipped.

Neo4j load rate: every ``upsert`` the ingestion made is recorded, rows as written, in order. On an
emptied database (schema in place) the same rows are written twice, timed, alternating ``--repeat``
times (medians):

- store: ``Neo4jStore.upsert``, call by call as ingestion made them (MERGE with the merge rules);
- raw:   the driver's ``UNWIND $rows AS r CREATE (n:Entity:<labels>) SET n = r`` per label set, then
  per relationship type ``MATCH (a:Entity {id: r.source}) MATCH (b:Entity {id: r.target})
  CREATE (a)-[e:TYPE]->(b) SET e = r``, in batches of the same size, each row once (CREATE cannot
  fold a repeated row into the first, so a repeat is left out).

``load ratio`` = raw seconds / store seconds: the store's rate as a share of the raw rate (goal ≥ 0.5).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import neo4j

from loupan.cli import sample_dir
from loupan.graph.cypher import checked_label, checked_type
from loupan.graph.ladybug_store import LadybugStore
from loupan.graph.model import EdgeRow, NodeRow
from loupan.graph.neo4j_store import Neo4jStore
from loupan.graph.store import DEFAULT_BATCH_SIZE, GraphStore
from loupan.ingest.batch import Options
from loupan.ingest.pipeline import Ingestor, Summary

HERE = Path(__file__).resolve().parent
SWAPS = [("", ""), ("郑州", "开封"), ("长沙", "株洲"), ("河南", "湖北"), ("恒大", "融创"), ("碧桂园", "阳光城"),
         ("西安", "咸阳"), ("遂宁", "绵阳"), ("平顶山", "洛阳")]
Call = tuple[list[NodeRow], list[EdgeRow]]


def make_corpus(folder: Path, reports: int) -> int:
    """Write ``reports`` distinct reports with sidecars into ``folder``; returns their bytes."""
    news = sample_dir() / "news"
    index = {e["file"]: e for e in json.loads((news / "index.json").read_text(encoding="utf-8"))}
    variants = []
    for old, new in SWAPS:
        for path in sorted(news.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            if not old or old in text:
                meta = index.get(path.name, {})
                variants.append((f"{path.stem}-{new or 'orig'}", text.replace(old, new) if old else text,
                                 {"title": meta.get("title", ""), "outlet": meta.get("source_outlet", ""),
                                  "publishedAt": meta.get("publication_date", "")}))
    size = written = 0
    ending = 0
    while written < reports:
        ending += 1
        for stem, text, meta in variants[: reports - written]:
            path = folder / f"{stem}-{ending:04d}.txt"
            data = (text + "\n" + "—" * ending).encode("utf-8")
            path.write_bytes(data)
            path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False),
                                                                encoding="utf-8")
            size += len(data)
            written += 1
    return size


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def ingest(store: GraphStore, corpus: Path, workers: int) -> tuple[float, Summary]:
    return timed(lambda: Ingestor(store).batch(Options(workers=workers)).run([str(corpus)]))


def rates(seconds: float, summary: Summary, size: int) -> dict[str, Any]:
    done = summary.reports + summary.unchanged
    return {"seconds": round(seconds, 2), "reports": summary.reports, "unchanged": summary.unchanged,
            "rejects": len(summary.errors), "reports_per_s": round(done / seconds, 1),
            "mb_per_s": round(size / 1e6 / seconds, 3),
            "entities": summary.entities.to_json(), "relations": summary.relations.to_json()}


def run_store(store: GraphStore, corpus: Path, workers: int, size: int) -> dict[str, Any]:
    first_s, first = ingest(store, corpus, workers)
    again_s, again = ingest(store, corpus, workers)
    nodes, edges = store.counts()
    return {"ingest": rates(first_s, first, size), "rerun": rates(again_s, again, size),
            "nodes": nodes, "relationships": edges}


# -- Neo4j ---------------------------------------------------------------------------------------

def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recording(store: Neo4jStore) -> tuple[list[Call], list[float]]:
    """Make ``store.upsert`` record its rows (copied before the store folds them) and its time,
    until ``del store.upsert``."""
    calls: list[Call] = []
    spent: list[float] = []
    upsert = store.upsert

    def record(nodes: Iterable[NodeRow] = (), edges: Iterable[EdgeRow] = ()) -> None:
        nodes, edges = list(nodes), list(edges)
        calls.append(copy.deepcopy((nodes, edges)))
        seconds, _ = timed(lambda: upsert(nodes, edges))
        spent.append(seconds)

    store.upsert = record
    return calls, spent


def first_of_each(rows: Iterable[Any], done: set[str]) -> list[Any]:
    out = []
    for row in rows:
        if row.id not in done:
            done.add(row.id)
            out.append(row)
    return out


def raw_load(driver: neo4j.Driver, calls: list[Call], batch: int) -> None:
    nodes_done: set[str] = set()
    edges_done: set[str] = set()

    def run(query: str, rows: list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), batch):
            driver.execute_query(query, {"rows": rows[i : i + batch]})

    for nodes, edges in calls:
        by_labels: dict[str, list[dict[str, Any]]] = {}
        for node in first_of_each(nodes, nodes_done):
            labels = "".join(f":{checked_label(label)}" for label in sorted(set(node.labels)) if label != "Entity")
            by_labels.setdefault(labels, []).append(node.params())
        for labels, rows in by_labels.items():
            run(f"UNWIND $rows AS r CREATE (n:Entity{labels}) SET n = r", rows)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for edge in first_of_each(edges, edges_done):
            by_type.setdefault(checked_type(edge.type), []).append(edge.params())
        for rel_type, rows in by_type.items():
            run("UNWIND $rows AS r MATCH (a:Entity {id: r.source}) MATCH (b:Entity {id: r.target}) "
                f"CREATE (a)-[e:{rel_type}]->(b) SET e = r", rows)


def store_load(store: Neo4jStore, calls: list[Call]) -> None:
    for nodes, edges in calls:
        store.upsert(nodes, edges)


def run_neo4j(args: argparse.Namespace, corpus: Path, size: int) -> dict[str, Any]:
    bench_write = load_script(HERE / "bench_neo4j_write.py")
    with bench_write.server(args) as info:
        store = Neo4jStore(info["uri"], info["user"], info["password"], batch_size=args.batch)
        driver = neo4j.GraphDatabase.driver(info["uri"], auth=(info["user"], info["password"]))
        try:
            bench_write.wipe(store)
            store.apply_schema()
            calls, spent = recording(store)
            result = run_store(store, corpus, args.workers, size)
            del store.upsert  # the class's again
            result["ingest"]["seconds_in_upsert"] = round(sum(spent), 2)
            # rows as the store writes them: it folds the repeats within a call into one row
            node_rows = sum(len({n.id for n in c[0]}) for c in calls)
            edge_rows = sum(len({e.id for e in c[1]}) for c in calls)
            times: dict[str, list[float]] = {"store": [], "raw": []}
            for _ in range(args.repeat):
                for side in ("store", "raw"):
                    bench_write.wipe(store)
                    rows = copy.deepcopy(calls)
                    load = partial(store_load, store, rows) if side == "store" else \
                        partial(raw_load, driver, rows, args.batch)
                    seconds, _ = timed(load)
                    times[side].append(seconds)
            distinct = store.counts()  # after the last raw load
            store_s, raw_s = (statistics.median(times[s]) for s in ("store", "raw"))
            result["load"] = {
                "upsert_calls": len(calls), "node_rows": node_rows, "edge_rows": edge_rows,
                "distinct_nodes": distinct[0], "distinct_relationships": distinct[1], "batch": args.batch,
                "store_seconds": round(store_s, 2), "raw_seconds": round(raw_s, 2),
                "store_rows_per_s": round((node_rows + edge_rows) / store_s),
                "raw_rows_per_s": round((distinct[0] + distinct[1]) / raw_s),
                "ratio": round(raw_s / store_s, 2), "repeat": args.repeat,
            }
            result["server"] = {"version": info.get("version", "?"), "driver": neo4j.__version__}
            bench_write.wipe(store)
        finally:
            driver.close()
            store.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--no-neo4j", action="store_true", help="the embedded store only")
    parser.add_argument("--uri", default=os.environ.get("LOUPAN_TEST_NEO4J_URI"),
                        help="an existing server: its database is WIPED (default: $LOUPAN_TEST_NEO4J_URI, "
                             "else start one)")
    parser.add_argument("--user", default=os.environ.get("LOUPAN_TEST_NEO4J_USER", "neo4j"))
    parser.add_argument("--password", default=os.environ.get("LOUPAN_TEST_NEO4J_PASSWORD"))
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="loupan-bench-ingest-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        size = make_corpus(corpus, args.reports)
        out: dict[str, Any] = {"corpus": {"reports": args.reports, "bytes": size}, "workers": args.workers,
                               "cpus": os.cpu_count()}
        with LadybugStore(Path(tmp) / "store", batch_size=args.batch) as store:
            out["ladybug"] = run_store(store, corpus, args.workers, size)
        print(json.dumps(out["ladybug"]["ingest"]), file=sys.stderr)
        if not args.no_neo4j:
            out["neo4j"] = run_neo4j(args, corpus, size)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
