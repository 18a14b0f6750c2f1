"""End to end: the bundled sample ingested into each store, served by a real uvicorn server,
queried over HTTP with a plain GraphQL client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from loupan.api.app import Router, create_app
from loupan.api.schema import schema
from loupan.cli import sample_dir
from loupan.config import Settings
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor

from .server import GraphQLClient, running

FLAGSHIP = """
query Flagship($name: String!) {
  developer(name: $name) {
    id name aliases
    taskForcesByCity {
      city { name code }
      projects { name }
      taskForces { via taskForce { name } relations { type sources { quote report { title } } } }
    }
  }
}"""


@pytest.fixture(scope="module")
def sample_counts(module_store: GraphStore) -> tuple[int, int]:
    summary = Ingestor(module_store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    assert summary.errors == []
    assert summary.reports == 16 and summary.records > 600
    return module_store.counts()


@pytest.fixture(scope="module")
def gql(module_store: GraphStore, sample_counts: tuple[int, int]) -> Iterator[GraphQLClient]:
    with running(create_app(Settings(), module_store)) as base:
        client = GraphQLClient(base)
        yield client
        client.close()


def test_search_tolerates_short_forms_typos_and_pinyin(gql: GraphQLClient) -> None:
    query = "query($q: String!, $t: [String!]) { search(query: $q, types: $t, first: 5) { score matched entity { id type name } } }"
    for q, expected in [("恒大", "恒大"), ("恒达", "恒大"), ("hengda", "恒大"), ("融創", "融创"),
                        ("平顶山", "平顶山市"), ("遂宁住建", "遂宁")]:
        hits = gql(query, q=q)["search"]
        assert hits, q
        assert expected in hits[0]["entity"]["name"] or any(expected in h["matched"] for h in hits[:1]), (q, hits)
    places = gql(query, q="郑州", t=["Place"])["search"]
    assert places and all(h["entity"]["type"] == "Place" for h in places)


def test_flagship_developer_task_forces_by_city(gql: GraphQLClient) -> None:
    data = gql(FLAGSHIP, name="恒大")["developer"]
    assert data and data["id"] == "Developer:恒大"
    groups = data["taskForcesByCity"]
    assert len(groups) > 10  # 恒大's stalled projects span many cities in the crowd-sourced list
    assert all(g["projects"] for g in groups)
    with_task_forces = [g for g in groups if g["taskForces"]]
    assert with_task_forces, "the sample's news reports name task forces in cities with 恒大 projects"
    assert all(g["city"]["code"] for g in with_task_forces)


def test_answers_are_utf8_json_with_chinese_unescaped(gql: GraphQLClient) -> None:
    response = gql.http.post("/graphql", json={"query": FLAGSHIP, "variables": {"name": "恒大"}})
    assert response.headers["content-type"] == "application/json"
    assert "恒大".encode() in response.content and b"\\u6052" not in response.content
    assert json.loads(response.content)["data"]["developer"]["id"] == "Developer:恒大"


def test_what_orjson_refuses_is_still_answered_as_json() -> None:
    data = {"data": {"attrs": {"households": 2**70, "名称": "恒大"}}}
    encoded = Router(schema).encode_json(data)
    assert json.loads(encoded) == data and "恒大".encode() in encoded


def test_every_relation_has_a_report_and_a_quote_or_field(gql: GraphQLClient) -> None:
    data = gql("""{ developer(name: "融创") { projects { relations { type sources { quote field record
                   report { id title } } } sources { quote report { title } } } } }""")
    projects = data["developer"]["projects"]
    assert projects
    for project in projects:
        assert project["sources"], project
        for rel in project["relations"]:
            assert rel["sources"], rel
            for src in rel["sources"]:
                assert src["report"]["id"].startswith("Report:")
                assert src["quote"] or src["field"] or src["record"]


def test_text_facts_carry_quotes_with_spans(gql: GraphQLClient) -> None:
    hits = gql('{ search(query: "平顶山市住房和城乡建设局", types: ["Agency"], first: 1) { entity { id '
               'sources { quote span report { title } } relations { type sources { quote span } } } } }')["search"]
    assert hits
    entity = hits[0]["entity"]
    assert any(s["span"] and s["report"]["title"] for s in entity["sources"])
    assert any(r["sources"] and r["sources"][0]["span"] for r in entity["relations"])


def test_pagination_with_total_count(gql: GraphQLClient) -> None:
    query = """query($after: String) { entities(types: ["Project"], first: 50, after: $after) {
               totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = gql(query, after=after)["entities"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] > 300


def test_paths_between_developer_and_place(gql: GraphQLClient) -> None:
    paths = gql('{ paths(source: "Developer:恒大", target: "Place:410000", maxHops: 4) { length nodes { id } '
                'relations { type } } }')["paths"]
    assert paths and paths[0]["length"] <= 4
    assert paths[0]["nodes"][0]["id"] == "Developer:恒大" and paths[0]["nodes"][-1]["id"] == "Place:410000"


def test_bad_arguments_are_graphql_errors(gql: GraphQLClient) -> None:
    body = gql.raw('{ entities(first: 100000) { totalCount } }')
    assert body["errors"] and "first must be between" in body["errors"][0]["message"]


def test_reingesting_the_sample_changes_no_counts(module_store: GraphStore, sample_counts: tuple[int, int]) -> None:
    Ingestor(module_store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    assert module_store.counts() == sample_counts
