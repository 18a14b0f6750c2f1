"""Analyst features through a real server on each store: auth, limits, batching, timelines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from loupan.api.app import create_app
from loupan.api.auth import hash_key
from loupan.cli import sample_dir
from loupan.config import Settings
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor

from .server import GraphQLClient, running

EDITOR_KEY, READER_KEY = "lp_test_editor_key", "lp_test_reader_key"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


@pytest.fixture(scope="module")
def base(module_store: GraphStore) -> Iterator[str]:
    Ingestor(module_store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    settings = Settings(api_keys=SecretStr(f"ed:editor:{hash_key(EDITOR_KEY)},rd:reader:{hash_key(READER_KEY)}"),
                        anonymous_read=False)
    with running(create_app(settings, module_store)) as url:
        yield url


@pytest.fixture(scope="module")
def reader(base: str) -> Iterator[GraphQLClient]:
    client = GraphQLClient(base, {"Authorization": f"Bearer {READER_KEY}"})
    yield client
    client.close()


@pytest.fixture(scope="module")
def editor(base: str) -> Iterator[GraphQLClient]:
    client = GraphQLClient(base, {"Authorization": f"Bearer {EDITOR_KEY}"})
    yield client
    client.close()


def codes(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [e["extensions"]["code"] for e in body.get("errors") or []]


INGEST = 'mutation($t: String!) { ingestReport(text: $t, title: "测试", publishedAt: "2022-08-01") { report { id } } }'
TEXT = "8月1日,许昌市住房和城乡建设局召开问题楼盘化解工作推进会,成立许昌市问题楼盘处置化解工作专班。"


@pytest.mark.parametrize(("headers", "query"), [
    ({}, "{ stats { nodes } }"),  # anonymous read is off on this server
    ({"Authorization": "Bearer nope"}, "{ stats { nodes } }"),
    ({"Authorization": "Basic abc"}, "{ stats { nodes } }"),
    ({"Authorization": f"Bearer {READER_KEY}"}, INGEST),
])
def test_refusals(base: str, headers: dict[str, str], query: str) -> None:
    client = GraphQLClient(base, headers)
    try:
        body = client.raw(query, t=TEXT)
    finally:
        client.close()
    assert codes(body) == ["FORBIDDEN"], body
    assert "role" in body["errors"][0]["message"] or "key" in body["errors"][0]["message"]


def test_anonymous_read_when_switched_on_but_never_writes(module_store: GraphStore) -> None:
    with running(create_app(Settings(anonymous_read=True), module_store)) as url:
        client = GraphQLClient(url)
        try:
            assert client("{ stats { nodes } }")["stats"]["nodes"] > 0
            assert codes(client.raw(INGEST, t=TEXT)) == ["FORBIDDEN"]
        finally:
            client.close()


def test_editor_ingests_and_the_change_is_audited(editor: GraphQLClient, module_store: GraphStore) -> None:
    report_id = editor(INGEST, t=TEXT)["ingestReport"]["report"]["id"]
    assert report_id.startswith("Report:")
    (change,) = module_store.changes(report_id)
    assert (change.action, change.who) == ("ingest_report", "ed")
    hits = editor('{ search(query: "许昌市住房和城乡建设局", types: ["Agency"]) { entity { name } } }')["search"]
    assert hits and "许昌" in hits[0]["entity"]["name"]


def test_limits_and_stable_error_codes(reader: GraphQLClient) -> None:
    assert codes(reader.raw("{ entities(first: 5000) { totalCount } }")) == ["BAD_USER_INPUT"]
    deep = "{ search(query: \"恒大\") { entity { " + "neighbors { " * 12 + "id" + " }" * 12 + " } } }"
    body = reader.raw(deep)
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"] and "depth" in body["errors"][0]["message"]
    assert codes(reader.raw("{ nosuchfield }")) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(reader.raw('{ neighbors(id: "Developer:恒大", depth: 9) { truncated } }')) == ["BAD_USER_INPUT"]


def test_round_trips_are_bounded_by_depth_not_result_size(reader: GraphQLClient, module_store: GraphStore) -> None:
    query = """query($n: Int!) { entities(types: ["Project"], first: $n) { edges { node {
        name place { name place { name } } sources(first: 3) { quote report { title } }
        relations { type target { name } } } } } }"""
    trips = []
    for n in (3, 60):
        before = module_store.round_trips
        data = reader(query, n=n)
        trips.append(module_store.round_trips - before)
        assert len(data["entities"]["edges"]) == n
    assert trips[0] == trips[1] <= 12, trips


def test_neighbors_timeline_and_adoptions(reader: GraphQLClient) -> None:
    hood = reader('{ neighbors(id: "Place:410400", depth: 2) { nodes { id type } relations { type } truncated } }')
    types = {n["type"] for n in hood["neighbors"]["nodes"]}
    assert {"Place", "Agency"} <= types
    items = reader('{ timeline(placeCode: "410400", from: "2022") { date kind entity { name } } }')["timeline"]
    assert items and all(i["date"] >= "2022" for i in items)
    assert any(i["kind"] == "event" and "平顶山" in i["entity"]["name"] for i in items)
    adoptions = reader('{ adoptions(policy: "一楼一策一专班") { date adopter { name } city { name } '
                       'relation { sources { quote report { title } } } } }')["adoptions"]
    cities = {a["city"]["name"] for a in adoptions if a["city"]}
    assert cities & {"平顶山市", "郑州市", "开封市"}, adoptions
    assert all(a["relation"]["sources"][0]["quote"] for a in adoptions)


def test_entity_filters_and_role_validity(reader: GraphQLClient) -> None:
    events = reader('{ entities(types: ["Event"], dateFrom: "2022-07", dateTo: "2022-07", first: 50) '
                    '{ totalCount edges { node { date } } } }')["entities"]
    assert events["totalCount"] > 0 and all(e["node"]["date"].startswith("2022-07") for e in events["edges"])
    projects = reader('{ entities(developer: "Developer:恒大", placeCode: "410100", first: 100) '
                      '{ totalCount edges { node { name code } } } }')["entities"]
    assert projects["totalCount"] >= 2 and all(e["node"]["code"].startswith("4101") for e in projects["edges"])
    hits = reader('{ search(query: "张树营", types: ["Official"]) { entity { relations(types: ["HOLDS_POSITION"]) '
                  '{ target { name } role { title from to } sources { quote } } } } }')["search"]
    (held,) = hits[0]["entity"]["relations"]
    assert held["role"]["title"] == "副组长、副市长" and held["role"]["from"] == "2022-07"
    assert "领导小组" in held["target"]["name"] and "张树营" in held["sources"][0]["quote"]


def test_node_resolves_developer_type(reader: GraphQLClient) -> None:
    data = reader('{ node(id: "Developer:恒大") { __typename name ... on Developer { projects { id } } } }')
    assert data["node"]["__typename"] == "Developer" and len(data["node"]["projects"]) > 50


def test_exported_sdl_is_current() -> None:
    from loupan.api.schema import schema

    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.as_str() + "\n", \
        "schema/schema.graphql is stale: run `loupan schema`"


def test_relations_page_with_after_and_add_up_to_all_of_them(reader: GraphQLClient) -> None:
    """Small pages, each starting after the last id of the one before, give every relation once,
    in the order one large page gives them."""
    busiest = reader('{ entity(id: "Place:410400") { relations(first: 100) { id type } } }')["entity"]["relations"]
    assert 4 < len(busiest) < 100 and "MENTIONS" not in {r["type"] for r in busiest}
    paged: list[str] = []
    after = None
    while True:
        page = reader('query($after: String) { entity(id: "Place:410400") { relations(first: 2, after: $after) '
                      '{ id } } }', after=after)["entity"]["relations"]
        paged.extend(r["id"] for r in page)
        if len(page) < 2:
            break
        after = page[-1]["id"]
    assert paged == [r["id"] for r in busiest]
    assert len(set(paged)) == len(paged)
