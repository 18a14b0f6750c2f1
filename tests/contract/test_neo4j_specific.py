"""What only the Neo4j backend has: its generated Cypher, its schema and index use, routing URIs,
error messages, batching. The shared behaviour is in the contract suite; these complete it."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from neo4j import exceptions as nex

from loupan.errors import ConfigError, StoreError, StoreUnavailable
from loupan.graph.cypher import neo4j as dialect
from loupan.graph.model import (
    EdgeRow,
    NodeRow,
    Source,
    city_code,
    code_prefix,
    node_labels,
    relationship_types,
)
from loupan.graph.neo4j_store import Neo4jStore, retried

from ..neo4j_fixture import new_neo4j_store

# -- generated Cypher (no server needed) ------------------------------------------------------


def test_many_row_reads_come_back_as_one_record_with_every_column() -> None:
    text, params = dialect.edges_of(["d1"], ["DEVELOPS"], "out")
    assert text.startswith("CALL () { MATCH (x:Entity)-[e:DEVELOPS]->()")
    assert text.endswith(" } RETURN collect({id: id, type: type, source: source, target: target, attrs: attrs, "
                         "sources: sources}) AS loupan_rows")
    assert params == {"ids": ["d1"]}
    # node reads: a list per column (split from the rows, so that nulls keep their place), the
    # columns' names once beside them
    text, params = dialect.developer_projects("d1", 4)
    assert text.startswith("CALL () { MATCH (d:Entity {id: $id})")
    assert text.endswith(" } WITH collect([edge, id, type, labels, name, aliases, key, code, level, date, attrs]) "
                         "AS rows RETURN [" + ", ".join(f"[r IN rows | r[{i}]]" for i in range(11)) + "] AS "
                         "loupan_values, ['edge', 'id', 'type', 'labels', 'name', 'aliases', "
                         "'key', 'code', 'level', 'date', 'attrs'] AS loupan_columns")
    assert params == {"id": "d1"}
    paged, _ = dialect.list_nodes(["Project"], None, 5, 10, fields=("name",))
    assert paged.endswith("ORDER BY n.id SKIP $skip LIMIT $limit } WITH collect([id, type, name]) AS rows "
                          "RETURN [[r IN rows | r[0]], [r IN rows | r[1]], [r IN rows | r[2]]] AS loupan_values, "
                          "['id', 'type', 'name'] AS loupan_columns")
    for wrap in (dialect.one_record, dialect.rows_record):
        with pytest.raises(ValueError, match="AS name"):
            wrap(("MATCH (n) RETURN n.id AS id, n.name", {}))


def test_a_batch_of_nodes_is_one_statement_with_literal_labels_and_parameter_values() -> None:
    rows = [NodeRow(id="o1", type="Official", name="张三", labels=["Person"]).params(),
            NodeRow(id="d1", type="Developer", name="恒大").params(),
            NodeRow(id="o2", type="Person", name="李四", labels=["Official"]).params()]
    queries = dialect.upsert_nodes(rows)
    assert len(queries) == 1
    text, params = queries[0]
    assert [r["id"] for r in params["rows"]] == ["o1", "d1", "o2"]
    assert "张三" not in text and "李四" not in text and "恒大" not in text
    assert text.startswith("UNWIND $rows AS r MERGE (n:Entity {id: r.id}) ON CREATE SET")
    assert "ON MATCH SET" in text
    for label in node_labels():  # every label of the vocabulary, each set only when the row has it
        assert f"CASE WHEN '{label}' IN r.labels THEN [1] ELSE [] END | SET n:{label})" in text
    assert dialect.upsert_nodes([]) == []


def test_a_batch_of_edges_is_one_statement_whatever_the_types() -> None:
    rows = [EdgeRow("DEVELOPS", "d1", "p1").params(), EdgeRow("HANDLES", "t1", "p1").params(),
            EdgeRow("DEVELOPS", "d2", "p1").params()]
    queries = dialect.upsert_edges(rows)
    assert len(queries) == 1
    text, params = queries[0]
    assert [r["source"] for r in params["rows"]] == ["d1", "t1", "d2"]
    for rel_type in relationship_types():
        assert f"CASE WHEN r.type = '{rel_type}' THEN [1] ELSE [] END | MERGE (a)-[e:{rel_type} {{id: r.id}}]->(b)" in text
    assert dialect.upsert_edges([]) == []


@pytest.mark.parametrize("bad", ["Person`) DETACH DELETE (x", "person", "Person:Official", ""])
def test_identifiers_outside_the_vocabulary_never_reach_the_text(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown node label"):
        dialect.upsert_nodes([{**NodeRow(id="x", type="Person", name="x").params(), "labels": [bad]}])
    with pytest.raises(ValueError, match="unknown relationship type"):
        dialect.upsert_edges([{**EdgeRow("DEVELOPS", "a", "b").params(), "type": bad}])
    # in read filters an unknown type matches nothing, as in the embedded store, and is not written
    for text, _ in (dialect.list_nodes([bad], None, 0, 10), dialect.edges_of(["a"], [bad], "both")):
        assert bad not in text if bad else "false" in text


def test_schema_is_idempotent_and_covers_every_relationship_type() -> None:
    statements = dialect.schema()
    assert statements and all("IF NOT EXISTS" in s for s in statements)
    names = [dialect.schema_name(s) for s in statements]
    assert None not in names and len(set(names)) == len(names)
    assert any(re.search(r"FOR \(n:Entity\) REQUIRE n\.id IS UNIQUE", s) for s in statements)
    assert any("LoupanMeta" in s and "IS UNIQUE" in s for s in statements)
    for prop in ("type", "code", "name"):
        assert any(re.search(rf"INDEX \w+ IF NOT EXISTS FOR \(n:Entity\) ON \(n\.{prop}\)$", s) for s in statements)
    fulltext = [s for s in statements if "FULLTEXT" in s]
    assert len(fulltext) == 1 and "[n.name, n.aliases]" in fulltext[0] and "'cjk'" in fulltext[0]
    for rel_type in relationship_types():
        assert any(f"FOR ()-[e:{rel_type}]-() ON (e.id)" in s for s in statements), rel_type
    for label in node_labels():
        assert any(s.endswith(f"FOR (n:{label}) ON (n.code)") for s in statements), label


def test_shortest_paths_bound_is_an_integer_in_the_pattern() -> None:
    text, params = dialect.shortest_paths("a", "b", 3, 5)
    assert "allShortestPaths((a)-[*1..3]-(b))" in text
    assert params == {"source": "a", "target": "b", "limit": 5}
    with pytest.raises(ValueError):
        dialect.shortest_paths("a", "b", 0, 5)


@pytest.mark.parametrize("uri", ["http://localhost:7474", "localhost:7687", "bolt://localhost:7687/path?x=1"])
def test_a_bad_uri_is_a_config_error(uri: str) -> None:
    with pytest.raises(ConfigError, match="LOUPAN_NEO4J_URI"):
        Neo4jStore(uri, "neo4j", "secret-pw")


def test_reads_are_retried_on_retryable_errors_only() -> None:
    calls: list[str] = []

    def flaky() -> str:
        calls.append("try")
        if len(calls) < 3:
            raise nex.SessionExpired("the cluster member went away")
        return "rows"

    assert retried(flaky, attempts=5, delay=0) == "rows" and len(calls) == 3
    calls.clear()
    with pytest.raises(nex.SessionExpired):
        retried(flaky, attempts=2, delay=0)
    assert len(calls) == 2

    def misconfigured() -> str:
        calls.append("try")
        raise nex.ConfigurationError("not retryable")

    calls.clear()
    with pytest.raises(nex.ConfigurationError):
        retried(misconfigured, attempts=5, delay=0)
    assert calls == ["try"]


# -- against a server ------------------------------------------------------------------------

server = pytest.mark.neo4j


@pytest.fixture
def info(neo4j_info: dict[str, Any] | None) -> dict[str, Any]:
    if neo4j_info is None:
        pytest.skip("Neo4j not configured: set LOUPAN_TEST_NEO4J=start or LOUPAN_TEST_NEO4J_URI")
    return neo4j_info


@pytest.fixture
def neo(info: dict[str, Any]) -> Iterator[Neo4jStore]:
    store = new_neo4j_store(info)
    yield store
    store.close()


def _small_graph(n: int = 60) -> tuple[list[NodeRow], list[EdgeRow]]:
    nodes = [NodeRow(id=f"dev{i}", type="Developer", name=f"开发商{i}") for i in range(n)]
    nodes += [NodeRow(id=f"prj{i}", type="Project", name=f"项目{i}", code=f"4101{i:02d}") for i in range(n)]
    edges = [EdgeRow("DEVELOPS", f"dev{i}", f"prj{i}", [Source("r1", "q")]) for i in range(n)]
    edges += [EdgeRow("SUBSIDIARY_OF", f"dev{i}", f"dev{(i + 1) % n}") for i in range(n)]
    return nodes, edges


def _operators(plan: dict[str, Any]) -> set[str]:
    ops = {re.sub(r"[@(].*", "", str(plan.get("operatorType", "")))}
    for child in plan.get("children", []):
        ops |= _operators(child)
    return ops


def _details(plan: dict[str, Any]) -> list[str]:
    """Each operator's details (the index it seeks, with what), the plan's tree flattened."""
    return [str((plan.get("args") or {}).get("Details", ""))] + [d for c in plan.get("children", []) for d in _details(c)]


SCANS = {"AllNodesScan", "NodeByLabelScan", "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
         "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan"}


@server
@pytest.mark.parametrize("name, query, seek", [
    ("get_nodes", dialect.get_nodes(["dev1", "prj2"]), "NodeUniqueIndexSeek"),
    ("edges_of out", dialect.edges_of(["dev1"], None, "out"), "NodeUniqueIndexSeek"),
    ("edges_of in", dialect.edges_of(["prj1"], None, "in"), "NodeUniqueIndexSeek"),
    ("edges_of both typed", dialect.edges_of(["dev1", "prj1"], ["DEVELOPS"], "both"), "NodeUniqueIndexSeek"),
    ("edges_with_ends", dialect.edges_with_ends(["dev1", "prj1"], ["DEVELOPS"], "both", ["name"]),
     "NodeUniqueIndexSeek"),
    ("developer_projects_with_edges", dialect.developer_projects_with_edges(
        "dev1", 4, ["LOCATED_IN", "HANDLES"], ["name"], ["code"], parents=True), "NodeUniqueIndexSeek"),
    ("developer_projects_with_edges and city task forces", dialect.developer_projects_with_edges(
        "dev1", 4, ["LOCATED_IN", "HANDLES"], ["name"], ["code"], parents=True, city_task_forces=(["name"], 1000)),
     "NodeIndexSeekByRange"),
    ("get_edges", dialect.get_edges(["DEVELOPS|dev1|prj1"]), "DirectedRelationshipIndexSeek"),
    ("delete_edges", dialect.delete_edges(["DEVELOPS|dev1|prj1"]), "DirectedRelationshipIndexSeek"),
    ("shortest_paths", dialect.shortest_paths("dev1", "prj7", 4, 10), "NodeUniqueIndexSeek"),
    ("delete_nodes", dialect.delete_nodes(["dev1"]), "NodeUniqueIndexSeek"),
    ("code prefix", dialect.count_nodes(None, ["4101"]), "NodeIndexSeekByRange"),
])
def test_lookups_seek_an_index(neo: Neo4jStore, name: str, query: tuple[str, dict[str, Any]], seek: str) -> None:
    neo.upsert(*_small_graph())
    ops = _operators(neo.explain(query))
    assert seek in ops, (name, ops)
    assert not ops & SCANS, (name, ops)


@server
@pytest.mark.parametrize("types", [["TaskForce"], ["Official"], ["Project"]])
def test_one_type_inside_a_division_seeks_that_types_code_index(neo: Neo4jStore, types: list[str]) -> None:
    nodes, edges = _small_graph()
    nodes += [NodeRow(id=f"tf{i}", type="TaskForce", name=f"专班{i}", code=f"4101{i:02d}") for i in range(5)]
    nodes += [NodeRow(id=f"off{i}", type="Official", labels=["Person", "Official"], name=f"官员{i}",
                      code=f"4102{i:02d}") for i in range(5)]
    queries = (dialect.list_nodes(types, ["4101", "4102"], 0, 10, fields=["name"]),
               dialect.count_nodes(types, ["4101"]))
    # planned first over empty indexes, the plans the server caches are the ones statistics would pick
    # for an empty graph; only the hint keeps the seek once the graph is there
    for query in queries:
        neo.explain(query)
    neo.upsert(nodes, edges)
    for query in queries:
        details = _details(neo.explain(query))
        assert any(f"RANGE INDEX n:{types[0]}(code) WHERE code STARTS WITH" in d for d in details), details
        assert not any("n:Entity(code)" in d for d in details), details


@server
def test_city_prefix_in_cypher_is_the_python_rule_for_every_division_code(neo: Neo4jStore) -> None:
    """The one rule written twice: the statement that finds a developer's cities' task forces computes
    each city's code prefix in Cypher, the grouping in Python."""
    with resources.files("loupan.schema").joinpath("vocab/divisions.tsv").open(encoding="utf-8") as f:
        codes = [line.split("\t", 1)[0] for line in f.read().splitlines()[1:]]
    assert len(codes) > 3000
    codes += ["", "41010", "4101021", "41010a", "４１０１０２", "000000", "419000", "419001", "509001",
              "110000", "500000", "410000", "429004", "990000"]
    rows = neo.read((f"UNWIND $codes AS c RETURN c, {dialect.city_prefix('c')} AS prefix", {"codes": codes}))
    got = {r["c"]: r["prefix"] for r in rows}
    expected = {c: code_prefix(city_code(c)) for c in codes}
    assert got == expected
    assert (got["410102"], got["110105"], got["419001"], got["419000"], got["410000"]) == ("4101", "11", "419001", "4190", "41")


def _failing_once(real_session: Any, opened: list[str]) -> Any:
    """A driver's ``session`` whose first opening fails as a leader switch does; ``opened`` gets
    each opening's access mode."""
    def session(**kw: Any) -> Any:
        opened.append(kw.get("default_access_mode", ""))
        if len(opened) == 1:
            raise nex.ServiceUnavailable("leader switch")
        return real_session(**kw)

    return session


@server
def test_a_read_that_meets_a_retryable_error_is_run_again(neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    neo.upsert(*_small_graph(3))
    opened: list[str] = []
    monkeypatch.setattr(neo._driver, "session", _failing_once(neo._driver.session, opened))
    assert neo.get_node("dev1") is not None
    assert opened == ["READ", "READ"]
    with pytest.raises(StoreError, match="SyntaxError"):  # a bad statement is not tried again
        neo.read(("MATCH (n RETURN n", {}))
    assert len(opened) == 3


@server
def test_an_awaited_read_is_retried_translated_and_sees_the_writes_before_it(neo: Neo4jStore,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    async def check() -> None:
        async with neo.reads_on_loop():
            async with neo.reads_on_loop():  # entered again: the same driver serves
                assert list(neo._async_drivers.values()) == [driver := neo._async_drivers[asyncio.get_running_loop()]]
            assert neo._async_drivers == {asyncio.get_running_loop(): driver}
            await reads(driver)
        assert neo._async_drivers == {}

    async def reads(driver: Any) -> None:
        neo.upsert(*_small_graph(3))  # the blocking driver writes; the asyncio one must see it
        assert set(await neo.aget_nodes(["dev1", "dev2"])) == {"dev1", "dev2"}
        opened: list[str] = []
        monkeypatch.setattr(driver, "session", _failing_once(driver.session, opened))
        assert (await neo.aget_nodes(["dev1"]))["dev1"].id == "dev1"
        assert opened == ["READ", "READ"]
        with pytest.raises(StoreError, match="SyntaxError"):  # not tried again, and said as the blocking read says it
            await neo.aread(("MATCH (n RETURN n", {}))
        assert len(opened) == 3

    asyncio.run(check())


@server
def test_one_record_reads_keep_the_order_and_paging_of_their_rows(neo: Neo4jStore) -> None:
    nodes, edges = _small_graph(60)
    neo.upsert(nodes, edges)
    before = neo.round_trips
    first = neo.list_nodes(["Project"], None, 0, 25)
    rest = neo.list_nodes(["Project"], None, 25, 1000)
    assert neo.round_trips - before == 2
    assert [n.id for n in first + rest] == sorted(f"prj{i}" for i in range(60))
    assert first[0].name == "项目0" and first[0].code == "410100"
    projects = neo.developer_projects("dev0", 60)  # the SUBSIDIARY_OF ring reaches every developer
    by_edge_id = sorted(range(60), key=lambda i: f"DEVELOPS|dev{i}|prj{i}")
    assert [p.id for p in projects] == [f"prj{i}" for i in by_edge_id]
    assert neo.list_nodes(["Project"], ["9999"], 0, 10) == []
    # a node without name or code among others: each column keeps its nulls in place
    neo._write_batch([("CREATE (:Entity:Project {id: 'prj5a', type: 'Project'})", {})])
    read = neo.list_nodes(["Project"], None, 0, 1000, fields=("name", "code"))
    expected = {f"prj{i}": (f"项目{i}", f"4101{i:02d}") for i in range(60)} | {"prj5a": ("", "")}
    assert [(n.id, n.name, n.code) for n in read] == [(i, *expected[i]) for i in sorted(expected)]
    assert [n.id for n in read].index("prj5a") not in (0, len(read) - 1)  # among others, not at an end


@server
def test_schema_is_in_place_and_reapplying_it_changes_nothing(neo: Neo4jStore) -> None:
    def names() -> set[str]:
        rows = neo.read(("SHOW INDEXES YIELD name, state, type, options", {}))
        assert all(r["state"] == "ONLINE" for r in rows)
        return {r["name"] for r in rows}

    before = names()
    neo.round_trips = 0
    neo.apply_schema()
    assert neo.round_trips == 2  # SHOW INDEXES, SHOW CONSTRAINTS: nothing to create, nothing to wait for
    assert names() == before
    neo._write_batch([("DROP INDEX entity_name", {})])
    assert "entity_name" not in names()
    neo.apply_schema()
    assert names() == before
    assert {"entity_id", "entity_type", "entity_code", "entity_name", "entity_names", "rel_develops_id"} <= before
    fulltext = neo.read(("SHOW FULLTEXT INDEXES YIELD name, options WHERE name = 'entity_names' "
                         "RETURN options.indexConfig['fulltext.analyzer'] AS analyzer", {}))
    assert fulltext == [{"analyzer": "cjk"}]


@server
def test_fulltext_index_finds_names_and_aliases(neo: Neo4jStore) -> None:
    neo.upsert([NodeRow(id="dev:evergrande", type="Developer", name="中国恒大集团", aliases=["恒大地产"]),
                NodeRow(id="dev:country", type="Developer", name="碧桂园控股")])

    def hits(text: str) -> list[str]:
        query = ("CALL db.index.fulltext.queryNodes('entity_names', $q) YIELD node RETURN node.id AS id", {"q": text})
        return [r["id"] for r in neo.read(query)]

    assert hits("恒大") == ["dev:evergrande"]
    assert hits("地产") == ["dev:evergrande"]  # only in an alias
    assert hits("碧桂园") == ["dev:country"]


@server
def test_nodes_carry_entity_and_type_labels_and_edges_their_type(neo: Neo4jStore) -> None:
    neo.upsert([NodeRow(id="o1", type="Official", name="张三", labels=["Person"]),
                NodeRow(id="a1", type="Agency", name="郑州市住房保障和房地产管理局")],
               [EdgeRow("HOLDS_POSITION", "o1", "a1")])
    rows = neo.read(("MATCH (n:Entity {id: 'o1'})-[e]->(m) RETURN labels(n) AS labels, type(e) AS t, "
                     "e.type AS prop", {}))
    assert [{**r, "labels": sorted(r["labels"])} for r in rows] == [
        {"labels": ["Entity", "Official", "Person"], "t": "HOLDS_POSITION", "prop": "HOLDS_POSITION"}]
    assert sorted(neo.get_node("o1").labels) == ["Official", "Person"]  # type: ignore[union-attr]


@server
def test_routing_uri_is_accepted(info: dict[str, Any]) -> None:
    routed = re.sub(r"^bolt(\+s|\+ssc)?://", lambda m: f"neo4j{m.group(1) or ''}://", info["uri"])
    assert routed.startswith("neo4j")
    store = new_neo4j_store(info, uri=routed)
    try:
        store.upsert([NodeRow(id="p1", type="Project", name="恒大名都")])
        assert store.get_node("p1").name == "恒大名都"  # type: ignore[union-attr]
        assert store.counts() == (1, 0)
    finally:
        store.close()


@server
def test_wrong_password_is_store_unavailable_naming_the_uri_not_the_password(info: dict[str, Any]) -> None:
    wrong = "not-the-password-" + "x7q"
    with pytest.raises(StoreUnavailable) as caught:
        Neo4jStore(info["uri"], info["user"], wrong, info.get("database"))
    message = str(caught.value)
    assert info["uri"] in message
    assert "LOUPAN_NEO4J_PASSWORD" in message
    assert wrong not in message and (not info["password"] or info["password"] not in message)
    assert caught.value.__cause__ is not None


@server
def test_unreachable_server_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match=r"(?s)cannot reach Neo4j at bolt://127\.0\.0\.1:9: .*LOUPAN_NEO4J_URI"):
        Neo4jStore("bolt://127.0.0.1:9", "neo4j", "secret-pw")


@pytest.mark.parametrize("uri", ["bolt://neo4j:hunter2-pw@127.0.0.1:9", "neo4j://neo4j:hunter2-pw@127.0.0.1:9"])
def test_credentials_in_the_uri_are_refused_without_repeating_them(uri: str) -> None:
    with pytest.raises(ConfigError, match="LOUPAN_NEO4J_PASSWORD") as caught:
        Neo4jStore(uri, "neo4j", "secret-pw")
    assert "hunter2-pw" not in str(caught.value) and "127.0.0.1:9" in str(caught.value)


@server
@pytest.mark.parametrize("n, batch", [(25, 10), (30, 10), (7, 1000), (1, 1)])
def test_writes_are_batched(info: dict[str, Any], n: int, batch: int) -> None:
    store = new_neo4j_store(info, batch_size=batch)
    try:
        nodes = [NodeRow(id=f"p{i}", type="Project", name=f"项目{i}") for i in range(n)]
        store.upsert(nodes)
        assert store.round_trips == math.ceil(n / batch) + 1  # + the generation bump
        store.round_trips = 0
        store.upsert([], [EdgeRow("PART_OF", f"p{i}", f"p{(i + 1) % n}") for i in range(n)])
        assert store.round_trips == math.ceil(n / batch) + 1
        assert store.counts() == (n, n)
    finally:
        store.close()


@server
def test_every_write_bumps_the_generation(neo: Neo4jStore) -> None:
    assert neo.generation() == 0
    neo.upsert([NodeRow(id="p1", type="Project", name="x")])
    neo.upsert([NodeRow(id="p1", type="Project", name="x")])
    neo.delete_nodes(["p1"])
    assert neo.generation() == 3
    assert neo.read(("MATCH (m:LoupanMeta) RETURN m.key AS key", {})) == [{"key": "generation"}]


def test_docs_name_only_variables_that_exist() -> None:
    from loupan.config import Settings

    root = Path(__file__).resolve().parents[2]
    docs = (root / "docs" / "neo4j.md").read_text(encoding="utf-8")
    known = {f"LOUPAN_{name.upper()}" for name in Settings.model_fields}
    elsewhere = (root / "docker-compose.yml").read_text(encoding="utf-8") + (
        root / "tests" / "neo4j_fixture.py").read_text(encoding="utf-8")
    for variable in set(re.findall(r"\bLOUPAN_[A-Z_]+[A-Z]\b", docs)):
        assert variable in known or variable in elsewhere, f"docs/neo4j.md names {variable}, which nothing reads"
    for variable in ("LOUPAN_NEO4J_URI", "LOUPAN_NEO4J_USER", "LOUPAN_NEO4J_PASSWORD", "LOUPAN_NEO4J_DATABASE"):
        assert variable in known and variable in docs
