"""bench/bench_queries.py's measuring helpers: warming up until the server is steady, the sides' order,
waiting for the app's name index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .scripts import bench_script


@pytest.fixture(scope="module")
def bench_queries() -> Iterator[Any]:
    with bench_script("bench_queries") as module:
        yield module


def fake_server(monkeypatch: pytest.MonkeyPatch, module: Any, per_request_ms: list[float], requests: int = 100) -> Any:
    """The server's CPU counter moves by ``per_request_ms[i]`` × ``requests`` in window ``i``."""
    total = [0.0]
    windows = iter(per_request_ms)

    def run() -> dict[str, Any]:
        total[0] += next(windows) * requests / 1000
        return {"requests": requests}

    monkeypatch.setattr(module, "cpu_seconds", lambda pid: total[0] if pid == 4242 else None)
    return run


def test_warm_up_goes_on_until_two_windows_in_a_row_make_no_new_low(bench_queries: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    run = fake_server(monkeypatch, bench_queries, [36.7, 24.4, 17.9, 15.2, 12.5, 13.6, 9.0, 5.0, 5.3, 4.6, 4.9, 4.0])
    # 13.6 is no new low, but 9.0 is; 5.3 and 4.6 are not 15% below 5.0
    assert bench_queries.warm_until_steady(run, 4242, window=0, longest=60) == [
        36.7, 24.4, 17.9, 15.2, 12.5, 13.6, 9.0, 5.0, 5.3, 4.6]


def test_warm_up_stops_at_its_longest(bench_queries: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run = fake_server(monkeypatch, bench_queries, [40.0, 30.0, 20.0, 10.0, 5.0])
    assert bench_queries.warm_until_steady(run, 4242, window=0, longest=0) == [40.0]


def test_warm_up_without_a_server_to_watch_is_one_window(bench_queries: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    run = fake_server(monkeypatch, bench_queries, [9.0, 9.0])
    calls: list[int] = []

    def counted() -> dict[str, Any]:
        calls.append(1)
        return run()

    assert bench_queries.warm_until_steady(counted, None, window=0, longest=60) == []
    assert len(calls) == 1


def test_no_side_is_always_measured_first(bench_queries: Any) -> None:
    sides = ["api", "floor", "peer"]
    rounds = [bench_queries.turned(sides, r) for r in range(4)]
    assert rounds == [["api", "floor", "peer"], ["floor", "peer", "api"], ["peer", "api", "floor"],
                      ["api", "floor", "peer"]]
    assert bench_queries.turned(["api", "floor"], 1) == ["floor", "api"]


def test_the_table_rounds_the_peer_and_marks_what_was_not_measured(bench_queries: Any) -> None:
    def cell(peer: float | None) -> dict[str, Any]:
        found = {"api": {"p50_ms": 7.84, "p99_ms": 14.41, "rps": 118.83}, "floor": {"p50_ms": 3.74}, "p50_vs_floor": 2.09}
        return found | ({"peer": {"rps": peer}, "rps_vs_peer": 0.75} if peer else {})

    runs = {"runs": {"neo4j-10000": {"queries": {"flagship": {"clients": {"1": cell(206.23000000000002), "32": cell(None)}}}}}}
    header, with_peer, without = bench_queries.table(runs).splitlines()
    assert with_peer.split() == ["neo4j-10000", "flagship", "1", "7.8", "14.4", "118.8", "3.7", "2.09", "206.2", "0.75"]
    assert without.split()[-2:] == ["-", "-"] and header.startswith("store-scale")


def test_the_markdown_rows_follow_the_queries_order_and_show_what_each_side_spent(bench_queries: Any) -> None:
    def cell(peer: bool) -> dict[str, Any]:
        found = {"api": {"p50_ms": 51.254, "p99_ms": 69.784, "rps": 19.4, "cpu_ms_per_request": {"api": 44.9, "store": 27.6}},
                 "floor": {"p50_ms": 23.96, "rps": 40.95}, "p50_vs_floor": 2.14}
        return found | ({"peer": {"rps": 19.03, "cpu_ms_per_request": {"peer": 49.8, "store": 42.5}},
                         "rps_vs_peer": 1.02} if peer else {})

    runs = {"runs": {"neo4j-1000000": {"queries": {
        "search": {"clients": {"32": cell(False), "1": cell(False)}},
        "flagship": {"clients": {"1": cell(True)}}}}}}
    header, rule, flagship, search_1, search_32 = bench_queries.markdown(runs, ["neo4j-1000000"]).splitlines()
    columns = header.count("|") - 1
    assert rule.count("---") == columns and flagship.count("|") - 1 == columns
    assert flagship.split(" | ") == ["| neo4j-1000000", "flagship", "1", "51.3", "69.8", "19.40", "24.0", "40.95", "2.14",
                                     "19.03", "1.02", "44.9 (+27.6)", "49.8 (+42.5) |"]
    assert search_1.split(" | ")[1:3] == ["search", "1"] and search_32.split(" | ")[2] == "32"
    assert search_1.endswith("| – | – | 44.9 (+27.6) | – |")


def test_paired_gives_each_side_and_the_differences_new_minus_old(bench_queries: Any) -> None:
    line = bench_queries.paired({"new": [1.0, 2.0, 4.0], "old": [2.0, 2.5, 4.0]}, "new", "old", ("rows", "maps"))
    assert line == "rows 2.000 / 2.333, maps 2.500 / 2.833; paired difference -0.5000 / -0.5000"


@pytest.mark.parametrize("warm", [True, False])
def test_measuring_waits_for_the_app_s_name_index(bench_queries: Any, tmp_path: Path, warm: bool) -> None:
    from loupan.api.app import create_app
    from loupan.config import Settings
    from loupan.graph.ladybug_store import LadybugStore
    from loupan.graph.model import NodeRow

    from .server import running

    store = LadybugStore(tmp_path / "store")
    try:
        store.upsert([NodeRow("Place:410100", "Place", "郑州市", code="410100", level="prefecture")], [])
        with running(create_app(Settings(), store, warm_index=warm)) as base:
            if warm:
                bench_queries.index_ready(base, timeout=30)
            else:  # never built until a search: the wait gives up, naming the state
                with pytest.raises(SystemExit, match="'not built'"):
                    bench_queries.index_ready(base, timeout=0.2)
    finally:
        store.close()


def test_cpu_sets_and_the_split_run_s_own_key(bench_queries: Any) -> None:
    assert bench_queries.cpu_set("0") == {0} and bench_queries.cpu_set("0,2-4") == {0, 2, 3, 4}
    assert bench_queries.run_key("neo4j", 1_000_000, None) == "neo4j-1000000"
    assert bench_queries.run_key("neo4j", 1_000_000, "0") == "neo4j-1000000-split"


PINNED = """
import json, os, subprocess, sys, threading, time
sys.path.insert(0, {bench!r})
import bench_queries
server = subprocess.Popen([sys.executable, "-c", "import threading, time\\n"
                           "[threading.Thread(target=time.sleep, args=(30,), daemon=True).start() for _ in range(3)]\\n"
                           "time.sleep(30)"])
time.sleep(1)  # its threads started
threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
try:
    split = bench_queries.split_cores(server.pid, {{min(os.sched_getaffinity(0))}})
    child = subprocess.run([sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                           capture_output=True, text=True, check=True).stdout
    def tasks(pid):
        return sorted({{tuple(sorted(os.sched_getaffinity(int(t)))) for t in os.listdir(f"/proc/{{pid}}/task")}})
    print(json.dumps([split, tasks(server.pid), tasks(os.getpid()), json.loads(child)]))
finally:
    server.kill()
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="splitting the cores needs two of them")
def test_split_cores_pins_every_thread_of_the_server_and_of_this_side(bench_queries: Any) -> None:
    """In a process of its own (it pins the process it runs in): a stand-in server with threads, this
    side with a thread of its own, and a process started after, which inherits this side's CPUs."""
    code = PINNED.format(bench=str(Path(bench_queries.__file__).parent))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    first = min(os.sched_getaffinity(0))
    rest = sorted(os.sched_getaffinity(0) - {first})
    split, server, mine, child = json.loads(done.stdout)
    assert split == {"server": [first], "clients": rest}
    assert server == [[first]] and mine == [rest] and child == rest


def test_split_cores_refuses_all_the_cpus_or_no_server(bench_queries: Any) -> None:
    with pytest.raises(SystemExit, match="some, not all"):
        bench_queries.split_cores(os.getpid(), set(os.sched_getaffinity(0)))
    with pytest.raises(SystemExit, match="needs a Neo4j server"):
        bench_queries.split_cores(None, {0})
