"""``loupan serve --workers N``: several processes answering over one Neo4j database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from loupan.cli import main
from loupan.graph.model import NodeRow

from .neo4j_fixture import new_neo4j_store
from .server import free_port, worker_pids


def test_workers_need_neo4j(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("LOUPAN_NEO4J_URI", raising=False)
    assert main(["serve", "--data-dir", str(tmp_path / "data"), "--workers", "2", "--port", "9"]) == 2
    err = capsys.readouterr().err
    assert "--workers 2: the embedded store is one process's" in err and "needs Neo4j" in err
    assert not (tmp_path / "data").exists()  # refused before anything was opened
    assert main(["serve", "--data-dir", str(tmp_path / "data"), "--workers", "0"]) == 2
    assert "--workers must be at least 1, got 0" in capsys.readouterr().err


def test_a_worker_that_cannot_listen_stops_the_server_naming_why(capsys: pytest.CaptureFixture[str]) -> None:
    """The port is held by a socket without SO_REUSEPORT: every worker fails to bind, and the command
    ends with an error instead of serving nothing (no Neo4j needed: binding comes first)."""
    uri_before = os.environ.get("LOUPAN_NEO4J_URI")
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        code = main(["serve", "--store", "bolt://127.0.0.1:9", "--port", str(port), "--workers", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert os.environ.get("LOUPAN_NEO4J_URI") == uri_before  # the flag went to the workers only
    assert "a server process ended (loupan-serve-" in err and "exit code 3" in err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler it set is gone


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.neo4j
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads worker processes from /proc")
def test_workers_are_processes_of_their_own_reaching_the_store_the_flag_names(
        neo4j_info: dict[str, Any] | None, tmp_path: Path) -> None:
    if neo4j_info is None:
        pytest.skip("Neo4j not configured: set LOUPAN_TEST_NEO4J=start or LOUPAN_TEST_NEO4J_URI "
                    "(CI never skips: there this is an error)")
    store = new_neo4j_store(neo4j_info)
    try:
        store.upsert([NodeRow(f"Developer:d{i}", "Developer", f"开发商{i}", key=f"d{i}") for i in range(7)])
    finally:
        store.close()
    port = free_port()
    # the URI as a flag, not in the environment: the workers must still reach that database
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOUPAN_")}
    env.update(LOUPAN_NEO4J_USER=neo4j_info["user"], LOUPAN_NEO4J_PASSWORD=neo4j_info["password"],
               LOUPAN_ANONYMOUS_READ="true", LOUPAN_DATA_DIR=str(tmp_path / "never"))
    with (tmp_path / "serve.log").open("w") as log_file:  # the child keeps its own descriptor
        server = subprocess.Popen(
            [sys.executable, "-c", "import sys; from loupan.cli import main; sys.exit(main())", "serve",
             "--store", neo4j_info["uri"], "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200 and len(worker_pids(server.pid)) >= 2:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "loupan serve --workers 2 did not come up"
            time.sleep(0.2)
        workers = worker_pids(server.pid)
        assert len(workers) == 2, workers
        before = {w: _cpu_ticks(w) for w in workers}

        def ask(_: int) -> int:
            with httpx.Client(base_url=base, timeout=30) as http:  # a connection each: the kernel spreads them
                answers = [http.post("/graphql", json={"query": "{ stats { nodes } }"}).json() for _ in range(40)]
            assert all(a == {"data": {"stats": {"nodes": 7}}} for a in answers), answers[0]
            return len(answers)

        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(ask, range(16))) == 640
        # every worker did work: each has its own socket, and the kernel spreads 16 connections over
        # the two (all on one: about 1 in 30,000)
        assert [w for w in workers if _cpu_ticks(w) > before[w] + 5] == workers
        assert not (tmp_path / "never").exists()  # no embedded store anywhere
    finally:
        server.send_signal(signal.SIGTERM)  # as `docker stop` would: the workers are stopped too
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log = (tmp_path / "serve.log").read_text()
    assert server.returncode == 0, log
    assert "serving the Neo4j at " in log and "from 2 processes" in log
    outlived = [w for w in workers if Path(f"/proc/{w}").exists()]
    for w in outlived:
        os.kill(w, signal.SIGKILL)
    assert not outlived, "a worker outlived the server"
