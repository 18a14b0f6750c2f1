"""Query latency and throughput of the GraphQL API, each beside its floor measured in the same run.

    python bench/bench_queries.py --scale 10000 --stores ladybug,neo4j --clients 1,32
    python bench/bench_queries.py --scale 100000 --stores neo4j --peer      # and @neo4j/graphql beside it
    python bench/bench_queries.py --scale 100000 --stores ladybug --profile big
    python bench/bench_queries.py --scale 1000000 --stores neo4j --peer --server-cpus 0   # the server on CPU 0

For each store: the synthetic graph of ``generate.py`` at ``--scale``, written once and reused (the
embedded store in ``bench/.data/ladybug-<scale>-<seed>``; Neo4j in a server from
``scripts/neo4j_server.py`` whose directory is ``bench/.data/neo4j-<scale>-<seed>``, unless
``--neo4j-uri`` names a running one, whose database is then WIPED and refilled; an ``anchors.json``
in the directory marks a finished generation, and a run cut short resumes by upserting everything
again), the API served by a real uvicorn in a thread of this process, and for every query and every
client count:

- api:   HTTP POSTs to ``/graphql`` from ``loadgen.py`` in a process of its own (C clients, keep-alive);
- floor: the exact Cypher statements the API ran for that request (recorded once, replayed with the
         same parameters) executed straight through the Neo4j driver or a ladybug connection, one
         thread per client, no HTTP and no GraphQL; for ``search`` the in-memory name index's
         look-up is part of the floor too. The floor uses the blocking driver, also where the API
         sends a statement through the driver's asyncio API (its small reads, ``reads_on_loop``);
- peer:  (``--peer``, Neo4j only) the equivalent query against ``@neo4j/graphql`` served by Node
         over the same database (``bench/peer/``).

Before a query's measurements every side is loaded, unmeasured, in windows of ``--warmup`` seconds
until the Neo4j server's CPU per request is steady (``warm_until_steady``); the sides are measured
in an order that turns each round, and each measurement starts once the Neo4j server is quiet
(``wait_quiet``). Each records the CPU per request
of the processes involved (``cpu_ms_per_request``): the API's (this process), the Neo4j server's
(when this run started it) and the peer's Node process.

Prints a table and writes JSON into ``bench/results/latest.json`` (merged by store and scale, so runs
at different scales accumulate). Ratios: ``api p50 / floor p50`` (goal ≤ 2 for the flagship at 1M
nodes, ≤ 3 for the 10,000-object response) and ``api rps / peer rps`` (goal ≥ 1).

``--server-cpus 0`` splits the machine: the Neo4j server on CPU 0, everything else (the API, the
floor's clients, the load generator, the peer) on the other CPUs, as when the database has a
machine of its own (``split_cores``); its results are kept under ``neo4j-<scale>-split``. Without
it, as by default, every side and the server share every CPU, so at saturation a side's throughput
is the machine's CPU over its own and the server's CPU per request.

``--generate-only`` writes (or checks) the stores and measures nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.util
import io
import json
import os
import platform
import pstats
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import generate  # noqa: E402
from loadgen import summary  # noqa: E402

from loupan.graph.search import CachedIndex  # noqa: E402
from loupan.graph.store import GraphStore, Query  # noqa: E402

RESULTS = HERE / "results" / "latest.json"
DATA = HERE / ".data"
# Neo4j server memory (maximum heap, page cache) by scale; scales not named get the script's defaults
# (heap 1g, page cache 256m). At 1M nodes the store is a few GiB.
NEO4J_MEMORY = {1_000_000: ("4g", "3g")}

QUERIES: dict[str, str] = {
    "flagship": "query($id: ID!) { developer(id: $id) { name taskForcesByCity { city { name code } "
                "projects { name } taskForces { via taskForce { name } } } } }",
    "search": "query($q: String!) { search(query: $q, first: 10) { score matched entity { id name type } } }",
    "neighbours": "query($id: ID!) { neighbors(id: $id, depth: 1) { nodes { id name type } "
                  "relations { id type } } }",
    "paths": "query($s: ID!, $t: ID!) { paths(source: $s, target: $t, maxHops: 4, first: 5) { length "
             "nodes { id name } relations { type } } }",
    "big": "query($id: ID!) { developer(id: $id) { projects { id name code } } }",
}


def variables(name: str, anchors: generate.Anchors) -> dict[str, Any]:
    return {"flagship": {"id": anchors.flagship}, "search": {"q": anchors.search},
            "neighbours": {"id": anchors.neighbour},
            "paths": {"s": anchors.path_source, "t": anchors.path_target},
            "big": {"id": anchors.giant}}[name]


def index_ready(base: str, timeout: float = 3600.0) -> None:
    """Wait until the app at ``base`` reports its name index built (``/healthz``)."""
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(f"{base}/healthz", timeout=30) as response:
            state = json.loads(response.read()).get("search_index")
        if state in ("ready", "rebuilding"):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: the app's name index is still {state!r} after {timeout:.0f} s")
        time.sleep(0.5)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _script(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def generated_neo4j(scale: int, seed: int) -> Iterator[tuple[dict[str, Any], generate.Anchors]]:
    """A Neo4j server started on the graph generated at ``scale`` (stopped on the way out), with the
    scale's memory, and the graph's anchors; exits saying how to generate it where there is none."""
    path = DATA / f"neo4j-{scale}-{seed}"
    marker = path / generate.ANCHORS_FILE
    if not marker.exists():
        raise SystemExit(f"{path} holds no finished graph: run bench/bench_queries.py --scale {scale} "
                         "--stores neo4j --generate-only first")
    anchors = generate.Anchors(**json.loads(marker.read_text()))
    server = _script("neo4j_server", ROOT / "scripts" / "neo4j_server.py")
    heap, page_cache = NEO4J_MEMORY.get(scale, (None, None))
    info = server.start(data_dir=path, password=(path / "password").read_text().strip(), heap=heap,
                        page_cache=page_cache)
    try:
        yield info, anchors
    finally:
        server.stop(info)


# -- stores ---------------------------------------------------------------------------------------

@contextmanager
def ladybug_store(scale: int, seed: int, batch: int | None = None) -> Iterator[tuple[GraphStore, generate.Anchors, Any]]:
    from loupan.graph.ladybug_store import LadybugStore

    path = DATA / f"ladybug-{scale}-{seed}"
    marker = path / generate.ANCHORS_FILE
    if not marker.exists():
        log(f"generating {scale} nodes into {path.relative_to(ROOT)} (kept for later runs)")
        graph, anchors = generate.build(scale, seed)
        with LadybugStore(path, batch_size=batch or generate.DEFAULT_BATCH) as store:
            seconds = generate.write(store, graph, progress=log)
        log(f"written in {seconds:.0f}s")
        anchors.written_s, anchors.batch = round(seconds, 1), store.batch_size
        marker.write_text(json.dumps(anchors.to_json(), ensure_ascii=False))
    anchors = generate.Anchors(**json.loads(marker.read_text()))
    store = LadybugStore(path)
    try:
        yield store, anchors, RawLadybug(store)
    finally:
        store.close()


@contextmanager
def neo4j_store(scale: int, seed: int, args: argparse.Namespace) -> Iterator[tuple[GraphStore, generate.Anchors, Any]]:
    from loupan.graph.neo4j_store import Neo4jStore

    with ExitStack() as stack:
        marker = None
        if args.neo4j_uri:
            info = {"uri": args.neo4j_uri, "user": args.neo4j_user, "password": args.neo4j_password}
        else:
            server = _script("neo4j_server", ROOT / "scripts" / "neo4j_server.py")
            path = Path(args.neo4j_data_dir or DATA / f"neo4j-{scale}-{seed}").resolve()
            path.mkdir(parents=True, exist_ok=True)
            marker = path / generate.ANCHORS_FILE
            secret = path / "password"  # the database keeps the password it was created with
            if not secret.exists():
                secret.write_text(secrets.token_urlsafe(18))
                secret.chmod(0o600)
            heap, page_cache = NEO4J_MEMORY.get(scale, (None, None))
            info = server.start(data_dir=path, password=secret.read_text().strip(),
                                heap=args.neo4j_heap or heap, page_cache=args.neo4j_page_cache or page_cache)
            stack.callback(server.stop, info)
            log(f"Neo4j in {_shown(path)}: heap {info['heap']}, page cache {info['page_cache']}")
        store = Neo4jStore(info["uri"], info["user"], info["password"], batch_size=args.batch or generate.NEO4J_BATCH)
        stack.callback(store.close)
        store.apply_schema()
        if marker is not None and marker.exists():
            anchors = generate.Anchors(**json.loads(marker.read_text()))
            if store.counts() != (anchors.nodes, anchors.edges):
                raise SystemExit(f"{_shown(marker.parent)} holds {store.counts()} nodes and edges, its "
                                 f"{marker.name} says {anchors.nodes, anchors.edges}: remove the directory")
        else:
            graph, anchors = generate.build(scale, seed)
            if marker is None and store.counts()[0] != len({n.id for n in graph.nodes}):
                while store.read(("MATCH (n) RETURN count(n) AS c", {}))[0]["c"]:
                    store._write_batch([("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n", {})])
            if marker is None and store.counts()[0] == len({n.id for n in graph.nodes}):
                log(f"Neo4j at {info['uri']} already holds the {scale}-node graph")
            else:  # an empty database, or one a run cut short: upserting everything finishes it
                log(f"generating {scale} nodes into Neo4j at {info['uri']} (batch {store.batch_size})")
                seconds = generate.write(store, graph, progress=log)
                log(f"written in {seconds:.0f}s")
                anchors.written_s, anchors.batch = round(seconds, 1), store.batch_size
            if marker is not None:
                marker.write_text(json.dumps(anchors.to_json(), ensure_ascii=False))
            del graph
        raw = RawNeo4j(info)
        stack.callback(raw.close)
        store.server_info = info  # type: ignore[attr-defined]
        store.memory = {"heap": info.get("heap"), "page_cache": info.get("page_cache")}  # type: ignore[attr-defined]
        yield store, anchors, raw


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


class RawNeo4j:
    """The floor: statements straight through the driver, records fetched, nothing else."""

    def __init__(self, info: dict[str, Any]) -> None:
        import neo4j

        self._neo4j = neo4j
        self.driver = neo4j.GraphDatabase.driver(info["uri"], auth=(info["user"], info["password"]))
        self._pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="floor-wave")

    def run(self, waves: list[list[Query]]) -> int:
        """Each wave's statements side by side (a session each, as the store sends them), the waves
        one after another; each statement an auto-commit transaction, as Neo4jStore reads (a managed
        transaction would add a round trip for COMMIT)."""
        def one(query: Query) -> int:
            with self.driver.session(default_access_mode=self._neo4j.READ_ACCESS) as session:
                return len(list(session.run(self._neo4j.Query(query[0]), query[1])))  # type: ignore[arg-type]

        n = 0
        for wave in waves:
            n += one(wave[0]) if len(wave) == 1 else sum(self._pool.map(one, wave))
        return n

    def close(self) -> None:
        self._pool.shutdown()
        self.driver.close()


class RawLadybug:
    """The floor: statements straight through a ladybug connection (one per thread), rows fetched."""

    def __init__(self, store: Any) -> None:
        import ladybug

        self._ladybug, self._db = ladybug, store._db
        self._local = threading.local()

    def run(self, waves: list[list[Query]]) -> int:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._ladybug.Connection(self._db)
        n = 0
        for text, params in (q for wave in waves for q in wave):  # the embedded store reads one at a time
            n += len(conn.execute(text, params).get_all())
        return n

    def close(self) -> None:
        pass


# -- recording what the API runs ----------------------------------------------------------------

@contextmanager
def recording(store: GraphStore) -> Iterator[list[tuple[Query, float, float]]]:
    """Every read the store sends while inside (as dicts or as positional rows), with the times it
    started and ended, except the search index's generation check."""
    seen: list[tuple[Query, float, float]] = []
    skip = store.dialect.generation()[0]

    def note(query: str, params: dict[str, Any], started: float) -> None:
        if query != skip:
            seen.append(((query, params), started, time.perf_counter()))

    def recorded(original: Callable[[str, dict[str, Any]], Any]) -> Callable[[str, dict[str, Any]], Any]:
        def record(query: str, params: dict[str, Any]) -> Any:
            started = time.perf_counter()
            try:
                return original(query, params)
            finally:
                note(query, params, started)
        return record

    def recorded_async(original: Callable[[str, dict[str, Any]], Awaitable[Any]],
                       ) -> Callable[[str, dict[str, Any]], Awaitable[Any]]:
        async def record(query: str, params: dict[str, Any]) -> Any:
            started = time.perf_counter()
            try:
                return await original(query, params)
            finally:
                note(query, params, started)
        return record

    store._read = recorded(store._read)  # type: ignore[method-assign]
    store._read_rows = recorded(store._read_rows)  # type: ignore[method-assign]
    # the reads awaited on the loop, where the backend has its own (else they call the two above)
    awaited = [name for name in ("_aread", "_aread_rows") if getattr(type(store), name) is not getattr(GraphStore, name)]
    for name in awaited:
        setattr(store, name, recorded_async(getattr(store, name)))
    try:
        yield seen
    finally:
        del store._read, store._read_rows
        for name in awaited:
            delattr(store, name)


def waves(recorded: list[tuple[Query, float, float]]) -> list[list[Query]]:
    """The statements in the order they started, grouped into waves of those that ran at the same
    time (each started before all the earlier ones of its wave had ended): the floor replays a
    wave's statements side by side, as the API sent them, and the waves one after another."""
    out: list[list[Query]] = []
    wave_end = float("-inf")
    for query, started, ended in sorted(recorded, key=lambda r: r[1]):
        if out and started < wave_end:
            out[-1].append(query)
            wave_end = max(wave_end, ended)
        else:
            out.append([query])
            wave_end = ended
    return out


# -- measuring --------------------------------------------------------------------------------------

def load(url: str, body: dict[str, Any], clients: int, seconds: float, timeout: float = 3600) -> dict[str, Any]:
    # A request may wait long: the app builds its search index on the first search (minutes at 1M
    # nodes), and 32 clients queue behind slow queries.
    spec = {"url": url, "body": body, "clients": clients, "seconds": seconds, "timeout": timeout}
    done = subprocess.run([sys.executable, str(HERE / "loadgen.py")], input=json.dumps(spec), text=True,
                          capture_output=True, check=False)
    if done.returncode:
        raise RuntimeError(f"loadgen failed for {url}: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def floor(fn: Callable[[], Any], clients: int, seconds: float, min_requests: int = 5) -> dict[str, Any]:
    for _ in range(2):
        fn()
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < deadline or len(latencies) < min_requests:
            t = time.perf_counter()
            fn()
            with lock:
                latencies.append(time.perf_counter() - t)

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(client) for _ in range(clients)]:
            f.result()
    wall = time.perf_counter() - started
    return summary(latencies, wall, process_cpu_s=round(time.process_time() - cpu, 3))


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``; None elsewhere or if gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_reader(pid: int, script: str) -> Callable[[], float]:
    """A function giving process ``pid``'s CPU seconds so far; it stops ``script`` (exits naming
    it) when they cannot be read."""
    def spent() -> float:
        seconds = cpu_seconds(pid)
        if seconds is None:
            raise SystemExit(f"{script}: cannot read the CPU time of the Neo4j server (pid {pid})")
        return seconds
    return spent


def with_cpu(measure: Callable[[], dict[str, Any]], processes: dict[str, int | None]) -> dict[str, Any]:
    """``measure()``'s result with ``cpu_ms_per_request``: the CPU each named process spent during it,
    per request (``None`` as a pid: this process, whose threads serve the API). Where the time of a
    saturated machine goes: the side that needs less CPU per answer serves more of them."""
    def now(pid: int | None) -> float | None:
        return time.process_time() if pid is None else cpu_seconds(pid)

    before = {name: now(pid) for name, pid in processes.items()}
    result = measure()
    spent = {name: now(pid) for name, pid in processes.items()}
    requests = max(1, int(result["requests"]))
    result["cpu_ms_per_request"] = {name: round((spent[name] - b) * 1000 / requests, 1)  # type: ignore[operator]
                                    for name, b in before.items() if b is not None and spent[name] is not None}
    return result


def wait_quiet(pid: int | None, below: float = 0.1, longest: float = 120) -> float:
    """Wait until process ``pid`` uses less than ``below`` of a core over a second (at most
    ``longest`` seconds); return the seconds waited. After a heavy load (the name index's build, a
    warm-up, another side's 32 clients) the Neo4j server's collector works on for a while, and the
    side measured next would pay for it."""
    started = time.perf_counter()
    while pid is not None and time.perf_counter() - started < longest:
        before = cpu_seconds(pid)
        time.sleep(1)
        after = cpu_seconds(pid)
        if before is None or after is None or after - before < below:
            break
    return round(time.perf_counter() - started, 1)


def warm_until_steady(run: Callable[[], dict[str, Any]], server_pid: int | None, window: float,
                      longest: float, tolerance: float = 0.15) -> list[float]:
    """Load with ``run()`` (one window of ``window`` seconds) until the Neo4j server's CPU per request
    stops falling: two windows in a row that are not ``tolerance`` below the lowest before them, or
    ``longest`` seconds in all. Returns the server's CPU ms per request of each window. A JVM
    compiles its hot code over thousands of requests: replaying the 10k graph's flagship statements
    on a freshly started server cost it 29.2, 7.3, 3.0, then 3.0 ms of CPU per iteration in 8-second
    windows, so whichever side was measured first paid for the compiling. Without a server to watch
    (the embedded store), one window."""
    per_request: list[float] = []
    started = time.perf_counter()
    flat = 0  # windows in a row without a new low
    while True:
        cell = with_cpu(run, {"store": server_pid} if server_pid else {})
        spent = cell["cpu_ms_per_request"].get("store")
        if spent is None:
            return per_request
        flat = flat + 1 if per_request and spent > (1 - tolerance) * min(per_request) else 0
        per_request.append(spent)
        if flat == 2 or time.perf_counter() - started + window > longest:
            return per_request


def turned(order: list[str], r: int) -> list[str]:
    """The sides' order in round ``r``: turned by one each round, so that no side is always the one
    measured first (the JVM still warming, the server's collector still busy) or last."""
    k = r % len(order)
    return order[k:] + order[:k]


def split_cores(server_pid: int | None, server_cpus: set[int]) -> dict[str, list[int]]:
    """Pin every thread of the Neo4j server to ``server_cpus`` and every thread of this process (the
    API's uvicorn thread, the floor's clients) to the other CPUs it may use; threads and processes
    started later (the load generator, the peer's Node) inherit the pin of their starter. As deployed,
    the database has CPUs of its own (its own machine), so the API's work does not take the server's
    CPU, nor the server's the API's; on one shared machine both sides compete for all of it. Returns
    the two sets."""
    if server_pid is None:
        raise SystemExit("--server-cpus needs a Neo4j server this run started (not --neo4j-uri, not ladybug)")
    mine = os.sched_getaffinity(0)
    rest = mine - server_cpus
    if not server_cpus <= mine or not rest:
        raise SystemExit(f"--server-cpus {sorted(server_cpus)}: must be some, not all, of this process's CPUs "
                         f"{sorted(mine)}")
    for pid, cpus in ((server_pid, server_cpus), (os.getpid(), rest)):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(ProcessLookupError):  # a thread that has ended since the listing
                os.sched_setaffinity(int(task.name), cpus)
    return {"server": sorted(server_cpus), "clients": sorted(rest)}


def run_key(store_name: str, scale: int, server_cpus: str | None) -> str:
    """The results' key of a run: ``neo4j-1000000``, or with the cores split ``neo4j-1000000-split``."""
    return f"{store_name}-{scale}" + ("-split" if server_cpus else "")


def cpu_set(text: str) -> set[int]:
    """``0`` or ``0,2`` or ``0-3``: a set of CPU numbers."""
    cpus: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if a and b else None


def paired(spent: dict[str, list[float]], new: str, old: str, labels: tuple[str, str]) -> str:
    """Median / mean of the CPU ms of two sides measured in pairs (``spent[new][i]`` beside
    ``spent[old][i]``), and of the paired differences, new minus old; ``labels`` name the sides."""
    differences = [a - b for a, b in zip(spent[new], spent[old], strict=True)]
    return (f"{labels[0]} {statistics.median(spent[new]):.3f} / {statistics.mean(spent[new]):.3f}, {labels[1]} "
            f"{statistics.median(spent[old]):.3f} / {statistics.mean(spent[old]):.3f}; paired difference "
            f"{statistics.median(differences):+.4f} / {statistics.mean(differences):+.4f}")


def bench_store(store_name: str, store: GraphStore, anchors: generate.Anchors, raw: Any,
                args: argparse.Namespace) -> dict[str, Any]:
    from loupan.api.app import create_app
    from loupan.config import Settings
    from tests.server import running

    names = [q for q in args.queries.split(",") if q]
    clients = [int(c) for c in args.clients.split(",")]
    peer_url, peer_queries, peer_pid = None, {}, None
    # the store's server, when this run started it (its CPU is counted beside each side's)
    pid = getattr(store, "server_info", {}).get("pid")
    server_pid = int(pid) if pid else None
    store_cpu: dict[str, int | None] = {"store": server_pid} if server_pid else {}
    out: dict[str, Any] = {"nodes": anchors.nodes, "edges": anchors.edges, "queries": {}}
    if args.server_cpus:  # before the peer, the app and the floor's threads start: they inherit it
        out["cpus"] = split_cores(server_pid, cpu_set(args.server_cpus))
        log(f"{store_name}: the server on CPUs {out['cpus']['server']}, this process and its children on "
            f"{out['cpus']['clients']}")
    with ExitStack() as stack:
        if args.peer and store_name == "neo4j":
            peer = _script("peer_driver", HERE / "peer" / "peer.py")
            peer_url, peer_pid = stack.enter_context(peer.serving(store.server_info))  # type: ignore[attr-defined]
            peer_queries = peer.QUERIES
        app = create_app(Settings(anonymous_read=True), store, settle=True)  # as `loupan serve` runs it
        base = stack.enter_context(running(app))
        url = f"{base}/graphql"
        t = time.perf_counter()
        index_ready(base)  # the app builds its name index from start-up: not while measuring
        log(f"{store_name}: the app's name index ready after {time.perf_counter() - t:.1f}s")
        index = CachedIndex(store, settle=True)  # in the app's process: settled as the app's own is
        if "search" in names:  # minutes at 1M nodes; only the search floor needs it
            t = time.perf_counter()
            index.get()
            log(f"{store_name}: name index for search built in {time.perf_counter() - t:.1f}s")
        for name in names:
            body = {"query": QUERIES[name], "variables": variables(name, anchors)}
            load(url, body, 1, 0)  # warm: the app's own search index, plans, caches
            with recording(store) as statements:
                answer = subprocess.run([sys.executable, str(HERE / "loadgen.py")], capture_output=True, text=True,
                                        input=json.dumps({"url": url, "body": body, "clients": 1, "seconds": 0,
                                                          "min_requests": 0, "warmup": 0, "timeout": 3600}),
                                        check=True)
            del answer
            statements = waves(list(statements))
            step: Callable[[], Any]
            if name == "search":
                q = anchors.search

                def step(statements: list[list[Query]] = statements, q: str = q) -> Any:
                    index.get().search(q, None, 10)
                    return raw.run(statements)
            else:
                def step(statements: list[list[Query]] = statements) -> Any:
                    return raw.run(statements)
            entry: dict[str, Any] = {"statements": sum(len(w) for w in statements), "waves": len(statements),
                                     "rows": step(), "clients": {}}
            peer_body = None
            if peer_url and name in peer_queries:
                pq, pv = peer_queries[name](anchors, store)
                peer_body = {"query": pq, "variables": pv}
            # each side: what loads it (clients, seconds), and the processes whose CPU counts
            sides: dict[str, tuple[Callable[[int, float], dict[str, Any]], dict[str, int | None]]] = {
                "api": (partial(load, url, body), {"api": None, **store_cpu}),
                "floor": (partial(floor, step), dict(store_cpu)),
            }
            if peer_url and peer_body:
                sides["peer"] = (partial(load, peer_url, peer_body), {"peer": peer_pid, **store_cpu})
            if args.warmup > 0:  # every side's plans compiled and hot in the JVM before any is measured
                entry["warmup_store_cpu_ms_per_request"] = {
                    side: warm_until_steady(partial(run, max(clients), args.warmup), server_pid, args.warmup,
                                            args.warmup_max)
                    for side, (run, _) in sides.items()}
            waited: list[float] = []
            for c in clients:
                cell: dict[str, Any] = {}
                rounds: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
                for r in range(args.rounds):  # each side starts on a quiet server (see wait_quiet)
                    for side in turned(list(sides), r):
                        waited.append(wait_quiet(server_pid))
                        run, processes = sides[side]
                        rounds[side].append(with_cpu(partial(run, c, args.seconds), processes))
                for side, runs in rounds.items():
                    if runs:
                        cell[side] = {k: statistics.median(r[k] for r in runs) if isinstance(runs[0][k], (int, float))
                                      else runs[0][k] for k in runs[0]}
                cell["p50_vs_floor"] = ratio(cell["api"]["p50_ms"], cell["floor"]["p50_ms"])
                cell["rps_floor_vs_api"] = ratio(cell["floor"]["rps"], cell["api"]["rps"])
                if "peer" in cell:
                    cell["rps_vs_peer"] = ratio(cell["api"]["rps"], cell["peer"]["rps"])
                    cell["p50_vs_peer"] = ratio(cell["api"]["p50_ms"], cell["peer"]["p50_ms"])
                entry["clients"][str(c)] = cell
                log(f"{store_name} {anchors.scale} {name:10} c={c:<3} api p50 {cell['api']['p50_ms']:8.1f} ms "
                    f"p99 {cell['api']['p99_ms']:8.1f} rps {cell['api']['rps']:7.1f} | floor p50 "
                    f"{cell['floor']['p50_ms']:7.1f} rps {cell['floor']['rps']:7.1f} | ×{cell['p50_vs_floor']}"
                    + (f" | peer p50 {cell['peer']['p50_ms']:7.1f} rps {cell['peer']['rps']:7.1f} "
                       f"api/peer rps ×{cell['rps_vs_peer']}" if "peer" in cell else "")
                    + " | CPU ms/request " + ", ".join(f"{side} {cell[side]['cpu_ms_per_request']}"
                                                       for side in ("api", "floor", "peer") if side in cell))
            entry["waited_for_a_quiet_server_s"] = round(sum(waited), 1)
            out["queries"][name] = entry
        if args.profile:
            out["profile"] = profile(store, anchors, args.profile, store_name)
    return out


def executor(store: GraphStore, index: CachedIndex | None = None) -> Callable[[str, dict[str, Any]], Awaitable[bytes]]:
    """``execute(query, variables)``: the query in-process through the app's schema over ``store``,
    with a new ``Context`` each time as each request gets one, and the answer encoded as the app
    encodes it. A query that fails stops the benchmark."""
    from loupan.api.app import Router
    from loupan.api.context import Context
    from loupan.api.schema import schema

    encode, index = Router(schema).encode_json, index or CachedIndex(store)

    async def execute(query: str, values: dict[str, Any]) -> bytes:
        result = await schema.execute(query, variable_values=values, context_value=Context(store=store, index=index))
        if result.errors:
            raise SystemExit(f"the query failed in-process: {result.errors}")
        return bytes(encode({"data": result.data}))

    return execute


def profile(store: GraphStore, anchors: generate.Anchors, name: str, store_name: str, repeat: int = 20) -> dict[str, Any]:
    """cProfile of ``repeat`` executions of one query in-process, store calls run inline (no threads)."""
    ctx_index = CachedIndex(store)
    if name == "search":  # built before profiling; other queries never read it (minutes at 1M nodes)
        ctx_index.get()
    execute = executor(store, ctx_index)

    async def inline(fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        return fn(*a, **kw)

    async def many() -> None:
        for _ in range(repeat):
            await execute(QUERIES[name], variables(name, anchors))

    real = asyncio.to_thread
    asyncio.to_thread = inline  # type: ignore[assignment]
    try:
        prof = cProfile.Profile()
        prof.enable()
        asyncio.run(many())
        prof.disable()
    finally:
        asyncio.to_thread = real
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(35)
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(25)
    path = HERE / "results" / f"profile-{store_name}-{anchors.scale}-{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.getvalue().replace(str(ROOT) + "/", "").replace(sys.prefix, "<venv>")
                    .replace(sys.base_prefix, "<python>"))

    def cumulative(match: Callable[[tuple[str, int, str]], bool]) -> float:
        return sum(v[3] for k, v in stats.stats.items() if match(k))  # type: ignore[attr-defined]

    shares = {
        "store reads (driver, rows, nodes)": cumulative(lambda k: k[2] in ("read", "read_nodes")
                                                        and k[0].endswith("graph/store.py")),
        "nodes and edges from rows": cumulative(lambda k: k[2] == "from_record" or k[0] == "<string>" and k[2] == "make"),
        "encoding the answer": cumulative(lambda k: k[2] == "encode_json"),
    }
    return {"query": name, "repeat": repeat, "total_s": round(total, 3), "file": str(path.relative_to(ROOT)),
            "cumulative_s": {k: round(v, 3) for k, v in shares.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=int, choices=(10_000, 100_000, 1_000_000), default=10_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--stores", default="ladybug,neo4j")
    parser.add_argument("--clients", default="1,32")
    parser.add_argument("--queries", default=",".join(QUERIES))
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=1, help="alternate api/floor/peer this often; medians")
    parser.add_argument("--warmup", type=float, default=3.0,
                        help="seconds of each window of load on each side (api, floor, peer) before a query's "
                             "measurements, unmeasured, repeated until the Neo4j server's CPU per request is "
                             "steady: the first side measured would otherwise pay for a cold JVM")
    parser.add_argument("--warmup-max", type=float, default=60.0,
                        help="seconds of warm-up windows on each side at most")
    parser.add_argument("--peer", action="store_true", help="also measure @neo4j/graphql (Neo4j only; needs npm)")
    parser.add_argument("--profile", metavar="QUERY", help="cProfile this query in-process after measuring")
    parser.add_argument("--neo4j-uri", help="an existing server (its database is WIPED); default: start one")
    parser.add_argument("--neo4j-data-dir", type=Path,
                        help="directory of the server started (kept); default bench/.data/neo4j-<scale>-<seed>")
    parser.add_argument("--neo4j-heap", help="maximum heap of the server started, e.g. 4g (default by scale)")
    parser.add_argument("--neo4j-page-cache", help="page cache of the server started, e.g. 3g (default by scale)")
    parser.add_argument("--batch", type=int, help="rows per write transaction while generating (default: "
                        f"{generate.DEFAULT_BATCH} on ladybug, {generate.NEO4J_BATCH} on Neo4j)")
    parser.add_argument("--generate-only", action="store_true", help="write (or check) the stores, measure nothing")
    parser.add_argument("--neo4j-user", default="neo4j")
    parser.add_argument("--neo4j-password", default=os.environ.get("LOUPAN_NEO4J_PASSWORD", ""))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--server-cpus", metavar="CPUS",
                        help="e.g. 0: pin the Neo4j server to these CPUs and the API, the floor's clients, the "
                             "load generator and the peer to the others, as when the database has a machine "
                             "of its own; the results are kept apart (key neo4j-<scale>-split)")
    parser.add_argument("--markdown", action="store_true",
                        help="measure nothing: print the results in --out for --stores at --scale as the "
                             "rows of bench/README.md's tables")
    args = parser.parse_args()
    if args.markdown:
        results = json.loads(args.out.read_text())
        print(markdown(results, [run_key(name, args.scale, args.server_cpus) for name in args.stores.split(",")]))
        return 0

    import neo4j

    # before this run starts anything: what else the machine is doing (the flagship's ratio to the
    # peer at 1M moved by a quarter between a machine shared with other jobs and a quiet one)
    load_at_start = os.getloadavg()[0]
    results: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results.setdefault("runs", {})
    for store_name in args.stores.split(","):
        opener = {"ladybug": lambda: ladybug_store(args.scale, args.seed, args.batch),
                  "neo4j": lambda: neo4j_store(args.scale, args.seed, args)}[store_name]
        with opener() as (store, anchors, raw):
            if args.generate_only:
                log(f"{store_name}-{args.scale}: {anchors.nodes} nodes, {anchors.edges} edges")
                continue
            run = bench_store(store_name, store, anchors, raw, args)
        run["at"] = datetime.now(UTC).isoformat(timespec="seconds")
        run["settings"] = {"seconds": args.seconds, "rounds": args.rounds, "warmup": args.warmup,
                           "warmup_max": args.warmup_max, "seed": args.seed,
                           "python": platform.python_version(), "strawberry": metadata.version("strawberry-graphql"),
                           "neo4j_driver": neo4j.__version__,
                           "cpus": os.cpu_count(), "load_avg_at_start": load_at_start,
                           "load_avg_at_end": os.getloadavg()[0]}
        run["settings"]["written"] = {"seconds": anchors.written_s, "batch": anchors.batch} if anchors.written_s else None
        if getattr(store, "memory", None):
            run["settings"]["server_memory"] = store.memory  # type: ignore[attr-defined]
        results["runs"][run_key(store_name, args.scale, args.server_cpus)] = run
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(table(results))
    return 0


def table(results: dict[str, Any]) -> str:
    lines = ["store-scale       query      clients  api p50   api p99   api rps  floor p50  ×floor  peer rps  ×peer(rps)"]
    for key, run in sorted(results["runs"].items()):
        for name, entry in run["queries"].items():
            for c, cell in entry["clients"].items():
                peer = cell.get("peer")
                lines.append(f"{key:17} {name:10} {c:>7} {cell['api']['p50_ms']:8.1f} {cell['api']['p99_ms']:9.1f} "
                             f"{cell['api']['rps']:9.1f} {cell['floor']['p50_ms']:10.1f} {cell['p50_vs_floor']!s:>7} "
                             f"{format(peer['rps'], '.1f') if peer else '-':>9} {cell.get('rps_vs_peer', '-')!s:>10}")
    return "\n".join(lines)


MARKDOWN_HEADER = ("| store, nodes | query | clients | api p50 ms | api p99 ms | api req/s | floor p50 ms | floor req/s "
                   "| ×floor (p50) | peer req/s | ×peer (req/s) | CPU ms/request: API process (+ server) "
                   "| peer's Node (+ server) |")


def markdown(results: dict[str, Any], keys: list[str]) -> str:
    """The runs named by `keys` as the rows of the tables in bench/README.md, header included."""

    def cpu(cell: dict[str, Any], side: str) -> str:
        spent = cell.get("cpu_ms_per_request") or {}
        if side not in spent:
            return "–"
        return f"{spent[side]}" + (f" (+{spent['store']})" if "store" in spent else "")

    lines = [MARKDOWN_HEADER, "|" + "---|" * MARKDOWN_HEADER.count(" | ") + "---|"]
    for key in keys:
        queries = results["runs"][key]["queries"]  # in the order of QUERIES, then any others
        for name in sorted(queries, key=lambda name: (list(QUERIES).index(name) if name in QUERIES else len(QUERIES), name)):
            for c, cell in sorted(queries[name]["clients"].items(), key=lambda item: int(item[0])):
                api, floor, peer = cell["api"], cell["floor"], cell.get("peer")
                lines.append(" | ".join([
                    f"| {key}", name, c, f"{api['p50_ms']:.1f}", f"{api['p99_ms']:.1f}", f"{api['rps']:.2f}",
                    f"{floor['p50_ms']:.1f}", f"{floor['rps']:.2f}", f"{cell['p50_vs_floor']}",
                    f"{peer['rps']:.2f}" if peer else "–", f"{cell['rps_vs_peer']}" if peer else "–",
                    cpu(api, "api"), cpu(peer, "peer") if peer else "–"]) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
