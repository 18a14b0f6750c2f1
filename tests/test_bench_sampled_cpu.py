"""bench/sampled_cpu.py: py-spy's raw stacks sorted into waiting and working categories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .scripts import load_script

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "sampled_cpu.py"
sampled_cpu: Any = load_script(SCRIPT)

LOOP = "<module> (loupan:6);run (uvicorn/main.py:643);_run_once (asyncio/base_events.py:1922)"
STACKS = [
    f"{LOOP};EpollSelector.select (selectors.py:468) 40",
    "_bootstrap (threading.py:1002);_worker (concurrent/futures/thread.py:81) 100",
    f"{LOOP};handle (fastapi/routing.py:1373);execute (graphql/execution/executor.py:917);"
    "_complete_items (api/execution.py:204);complete (<string>:3) 30",
    f"{LOOP};handle (fastapi/routing.py:1373);Router.encode_json (api/app.py:57) 5",
    "_worker (concurrent/futures/thread.py:83);task_forces_by_city (graph/queries.py:120);"
    "Neo4jStore._read_rows (graph/neo4j_store.py:147);Unpacker.unpack (neo4j/_codec/packstream/v1/__init__.py:283) 7",
    "_worker (concurrent/futures/thread.py:83);task_forces_by_city (graph/queries.py:120);"
    "BoltSocketBase._wait_for_io (neo4j/_async_compat/network/_bolt_socket.py:486) 11",
    "_worker (concurrent/futures/thread.py:83);task_forces_by_city (graph/queries.py:131) 9",
    f"{LOOP};h11_impl (uvicorn/protocols/http/h11_impl.py:407) 3",
    "somewhere (elsewhere.py:1) 2",
    "a line that is not a stack",
    "",
]


def test_waits_are_apart_and_work_goes_to_its_first_matching_category() -> None:
    counts, waiting, total = sampled_cpu.categorize(STACKS)
    assert (waiting, total) == (40 + 100 + 11, 207)
    assert counts == {
        "GraphQL completion (fast path)": 30,
        "encoding the answer (orjson)": 5,
        "driver: unpacking records": 7,
        "loupan.graph (grouping, reads' own work)": 9,
        "HTTP (uvicorn, starlette, FastAPI)": 3,
        "other": 2,
    }


def test_an_unreadable_or_idle_file_is_an_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.txt"
    monkeypatch.setattr("sys.argv", ["sampled_cpu.py", str(missing)])
    assert sampled_cpu.main() == 1
    assert f"cannot read {missing}" in capsys.readouterr().err
    idle = tmp_path / "idle.txt"
    idle.write_text(STACKS[0] + "\n", encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["sampled_cpu.py", str(idle)])
    assert sampled_cpu.main() == 1
    assert f"{idle} holds no working samples (40 in all)" in capsys.readouterr().err
