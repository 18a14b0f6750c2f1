"""bench/shims: each switches off the part it names in a process that has it on PYTHONPATH (and
nothing without it); work_slots.py's --side reads them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

PROBE = """
import asyncio
from uvicorn.config import Config
from loupan.api.lane import PostedOperations

handed_on = []

async def app(scope, receive, send):
    handed_on.append(scope["path"])

async def context_of(headers):
    return None

async def main():
    from loupan.api.app import Router
    from loupan.api.schema import schema
    body = {"type": "http.request", "body": b'{"query": "{ __typename }"}', "more_body": False}
    sent = []

    async def receive():
        return body

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [(b"content-type", b"application/json")]}
    await PostedOperations(app, Router(schema), context_of)(scope, receive, send)
    return sent

sent = asyncio.run(main())
config = Config(app=app, http="auto")
config.load()
from loupan.graph.neo4j_store import Neo4jStore
from loupan.graph.store import GraphStore
from loupan.graph import queries
from loupan.api.execution import LeafFastPathExecutor
reads = "threads" if Neo4jStore.reads_on_loop is GraphStore.reads_on_loop else "loop"
print("lane" if sent and not handed_on else "router", config.http_protocol_class.__name__, reads,
      queries.TASK_FORCES_AT_ONCE, "ahead" if Neo4jStore.developer_in_projects_read else "first",
      "cycle" if LeafFastPathExecutor.build_response is LeafFastPathExecutor.__mro__[1].build_response
      else "broken")
"""


def _probe(pythonpath: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(str(ROOT / p) for p in pythonpath.split(":"))
    done = subprocess.run([sys.executable, "-c", PROBE], check=False, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(("pythonpath", "expected"), [
    (None, "lane HttpToolsProtocol loop 4000 ahead broken"),
    ("bench/shims/h11", "lane H11Protocol loop 4000 ahead broken"),
    ("bench/shims/router", "router HttpToolsProtocol loop 4000 ahead broken"),
    ("bench/shims/router:bench/shims/h11", "router H11Protocol loop 4000 ahead broken"),
    ("bench/shims/threads", "lane HttpToolsProtocol threads 4000 ahead broken"),
    ("bench/shims/apart", "lane HttpToolsProtocol loop 1000 ahead broken"),
    ("bench/shims/first", "lane HttpToolsProtocol loop 4000 first broken"),
    ("bench/shims/cycle", "lane HttpToolsProtocol loop 4000 ahead cycle"),
])
def test_each_shim_switches_off_its_part_only(pythonpath: str | None, expected: str) -> None:
    assert _probe(pythonpath) == expected


def test_a_side_reads_its_label_and_environment() -> None:
    work_slots: Any = load_script(BENCH / "work_slots.py")
    label, env = work_slots.side("router, h11:PYTHONPATH=bench/shims/router:bench/shims/h11,LOUPAN_WORK_SLOTS=2")
    assert (label, env) == ("router, h11", {"PYTHONPATH": "bench/shims/router:bench/shims/h11", "LOUPAN_WORK_SLOTS": "2"})
    assert work_slots.resolved(env) == {
        "PYTHONPATH": os.pathsep.join([str(BENCH / "shims" / "router"), str(BENCH / "shims" / "h11")]),
        "LOUPAN_WORK_SLOTS": "2"}
    for bad in ("no environment", "label:", ":A=1", "label:A"):
        with pytest.raises(SystemExit):
            work_slots.side(bad)


def test_the_encoding_timer_encodes_as_the_app_does_and_writes_its_medians(tmp_path: Path) -> None:
    probe = ("from loupan.api.app import Router\nfrom loupan.api.schema import schema\n"
             "encode = Router(schema).encode_json\n"
             "print(encode({'data': {'name': '恒大'}}).decode(), encode({'data': None}).decode(), "
             "Router.encode_json.__module__)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= {"PYTHONPATH": str(BENCH / "shims" / "encode_timed"), "LOUPAN_ENCODE_TIMES": str(tmp_path / "times"),
            "LOUPAN_ENCODE_TIMES_EVERY": "2"}
    done = subprocess.run([sys.executable, "-c", probe], check=False, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ['{"data":{"name":"恒大"}}', '{"data":null}', "sitecustomize"]
    (written,) = tmp_path.glob("times.*")
    line = written.read_text(encoding="utf-8")
    assert line.startswith("answers 2: encoding ") and " ms, again at once " in line
    assert line.endswith("(medians of the last 2), 13 bytes\n")
