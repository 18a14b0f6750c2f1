"""The peer: ``@neo4j/graphql`` (Apollo Server, Node) over the same Neo4j, and its equivalent queries.

``serving(info)`` installs the pinned packages with ``npm ci`` when ``node_modules`` is missing,
starts ``server.mjs`` on a free port against the server ``info`` names and yields its GraphQL URL
and the Node process's pid.

The peer's queries ask for the same entities as loupan's, in its own idiom (nested relationship
fields; ``where: {id: {eq: …}}``). Where loupan does more, the peer is let off:

- flagship: the developer's and its subsidiaries' (two levels) projects, each with its place, the
  place's parent and the task forces handling it, and in the same request every task force whose
  division code starts with one of the cities' prefixes (loupan's "via city" task forces). The
  peer is given those prefixes (worked out beforehand with loupan's own query), where loupan finds
  them from the projects' places while answering; loupan's grouping by city has no counterpart;
- neighbours: the task force's neighbours by relationship (projects, place, agency, leaders,
  members), nodes only (loupan also returns each relationship's id and type);
- big: the giant developer's and its subsidiaries' projects, id, name and code (10,000 objects).

search (loupan's own name index) and paths (shortest paths) have no counterpart.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loupan.graph import queries
from loupan.graph.model import code_prefix
from loupan.graph.store import GraphStore

HERE = Path(__file__).resolve().parent

PROJECT = "name place { name code parent { name code } } taskForces { name }"
FLAGSHIP = ("query($id: ID!, $cities: TaskForceWhere) { developers(where: {id: {eq: $id}}) { name projects { "
            + PROJECT + " } subsidiaries { projects { " + PROJECT + " } subsidiaries { projects { " + PROJECT
            + " } } } } taskForces(where: $cities) { name code } }")
NODE = "id name type"
NEIGHBOURS = ("query($id: ID!) { taskForces(where: {id: {eq: $id}}) { " + NODE + " projects { " + NODE + " } "
              "place { " + NODE + " } agency { " + NODE + " } leaders { " + NODE + " } members { " + NODE + " } } }")
BIG = ("query($id: ID!) { developers(where: {id: {eq: $id}}) { projects { id name code } "
       "subsidiaries { projects { id name code } } } }")

def _flagship(anchors: Any, store: GraphStore) -> tuple[str, dict[str, Any]]:
    groups = queries.task_forces_by_city(store, anchors.flagship)
    prefixes = sorted({code_prefix(g.city_code) for g in groups if g.city_code})
    return FLAGSHIP, {"id": anchors.flagship, "cities": {"OR": [{"code": {"startsWith": p}} for p in prefixes]}}


# name → (anchors, store) → (query, variables)
QUERIES: dict[str, Callable[[Any, GraphStore], tuple[str, dict[str, Any]]]] = {
    "flagship": _flagship,
    "neighbours": lambda a, _: (NEIGHBOURS, {"id": a.neighbour}),
    "big": lambda a, _: (BIG, {"id": a.giant}),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(info: dict[str, Any], timeout: float = 60) -> Iterator[tuple[str, int]]:
    """The peer's GraphQL URL and its Node process's pid, while it runs."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the peer needs Node.js 20+ and npm on PATH")
    if not (HERE / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    port = _free_port()
    env = {**os.environ, "NEO4J_URI": info["uri"], "NEO4J_USER": info["user"], "NEO4J_PASSWORD": info["password"],
           "PORT": str(port), "NODE_ENV": "production"}
    node = shutil.which("node") or "node"
    proc = subprocess.Popen([node, "server.mjs"], cwd=HERE, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + timeout
        assert proc.stdout is not None
        while True:
            line = proc.stdout.readline()
            if line.startswith("READY"):
                break
            if not line and proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the peer server did not start (exit {proc.poll()})")
        yield f"http://127.0.0.1:{port}/graphql", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
