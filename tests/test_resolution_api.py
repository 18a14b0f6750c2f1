"""The resolution GraphQL fields, through a schema made of the resolution classes alone (the app's
schema combines them with the rest)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import strawberry

from loupan.api.context import Context
from loupan.api.resolution import ResolutionMutation, ResolutionQuery
from loupan.api.types import Developer, Entity
from loupan.graph.search import CachedIndex
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor

schema = strawberry.Schema(query=ResolutionQuery, mutation=ResolutionMutation, types=[Entity, Developer])

QUEUE = """query($type: String) { candidates(type: $type, first: 5) { a { id name } b { id name } score features } }"""
JUDGE = """mutation($a: ID!, $b: ID!, $d: String!) {
  judge(a: $a, b: $b, decision: $d, reason: "checked the permits") {
    change { action who reason targets at } entity { id aliases } } }"""
SPLIT = """mutation($id: ID!) { splitEntity(id: $id, reason: "two estates") { change { action payload } entity { id } } }"""
MERGE = """mutation($ids: [ID!]!, $into: ID!) {
  mergeEntities(ids: $ids, into: $into, reason: "same permit") { change { id action who } entity { id aliases } } }"""
ALIAS = """mutation($id: ID!) { addAlias(id: $id, alias: "悦府一期", reason: "sales name") { change { action } entity { aliases } } }"""
HISTORY = """query($id: ID) { changes(id: $id, first: 10) { action who reason } judgements(id: $id) { decision who } }"""


def run(store: GraphStore, query: str, roles: frozenset[str] = frozenset({"reader", "editor"}),
        **variables: Any) -> dict[str, Any]:
    async def go() -> Any:
        ctx = Context(store=store, index=CachedIndex(store), user="reviewer", roles=roles)
        return await schema.execute(query, variable_values=variables, context_value=ctx)

    result = asyncio.run(go())
    if result.errors:
        return {"errors": [e.message for e in result.errors]}
    return dict(result.data or {})


def test_review_through_graphql(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"name": n, "city": "驻马店市", "province": "河南省"}
                                for n in ("恒大悦府", "恒大御府", "佳和新城")], ensure_ascii=False), encoding="utf-8")
    Ingestor(store).ingest_paths([path])
    queue = run(store, QUEUE, type="Project")["candidates"]
    assert len(queue) == 1 and queue[0]["features"]["match"] == "fuzzy"
    a, b = queue[0]["a"]["id"], queue[0]["b"]["id"]

    refused = run(store, JUDGE, roles=frozenset({"reader"}), a=a, b=b, d="same")
    assert "editor" in refused["errors"][0]

    done = run(store, JUDGE, a=a, b=b, d="same")["judge"]
    assert done["change"]["action"] == "merge" and done["change"]["who"] == "reviewer"
    survivor = done["entity"]["id"]
    assert {"恒大悦府", "恒大御府"} & set(done["entity"]["aliases"])
    assert run(store, QUEUE, type="Project")["candidates"] == []

    gone = a if survivor == b else b
    split_ = run(store, SPLIT, id=gone)["splitEntity"]
    assert split_["change"]["action"] == "split" and split_["entity"]["id"] == gone

    merged = run(store, MERGE, ids=[gone], into=survivor)["mergeEntities"]
    assert merged["change"]["action"] == "merge" and merged["entity"]["id"] == survivor
    assert run(store, ALIAS, id=survivor)["addAlias"]["entity"]["aliases"].count("悦府一期") == 1
    history = run(store, HISTORY, id=survivor)
    assert [c["action"] for c in history["changes"]][:4] == ["add_alias", "merge", "split", "merge"]
    assert [j["decision"] for j in history["judgements"]][-3:] == ["same", "not_same", "same"]
    assert "not an entity" not in str(run(store, SPLIT, id="Project:nope"))
    assert run(store, SPLIT, id="Project:nope")["errors"]


def test_review_cli(tmp_path: Path, capsys: Any) -> None:
    from loupan.cli import main
    from loupan.review_cli import run as review

    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"name": n, "city": "南宁市", "province": "广西壮族自治区"}
                                for n in ("五象澜庭府沁苑", "五象澜庭府臻苑")], ensure_ascii=False), encoding="utf-8")
    store = str(tmp_path / "store")
    assert main(["ingest", "-q", "--store", store, str(path)]) == 0
    capsys.readouterr()
    assert review(["--store", store, "--type", "Project"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 1 and lines[0]["features"]["match"] == "fuzzy"
    a, b = lines[0]["a"], lines[0]["b"]
    assert review(["--store", store, "--reject", a, b]) == 2  # a decision needs a reason
    assert review(["--store", store, "--reject", a, b, "--reason", "two buildings", "--who", "gina"]) == 0
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (out["decision"], out["who"], out["into"]) == ("not_same", "gina", None)
    assert review(["--store", store]) == 0
    assert capsys.readouterr().out == ""
