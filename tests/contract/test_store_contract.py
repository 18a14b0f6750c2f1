"""The contract every graph store passes: run against the embedded store and Neo4j alike."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from loupan.graph import queries
from loupan.graph.model import EdgeRow, NodeRow, Source
from loupan.graph.store import GraphStore


def sample_rows() -> tuple[list[NodeRow], list[EdgeRow]]:
    nodes = [
        NodeRow("Developer:恒大", "Developer", "恒大", aliases=["中国恒大"], key="恒大"),
        NodeRow("Project:410100:恒大城", "Project", "恒大城", key="410100:恒大城", code="410102"),
        NodeRow("Place:410000", "Place", "河南省", code="410000", level="province"),
        NodeRow("Place:410100", "Place", "郑州市", code="410100", level="prefecture"),
        NodeRow("Place:410102", "Place", "中原区", code="410102", level="district"),
        NodeRow("TaskForce:410100:郑州市问题楼盘化解专班", "TaskForce", "郑州市问题楼盘化解专班", code="410100"),
        NodeRow("Person:张三@410100", "Official", "张三", labels=["Person", "Official"], code="410100",
                attrs={"title": "副市长"}),
        NodeRow("Report:r1", "Report", "报道一", date="2022-07-15", attrs={"url": "http://example.org/1"}),
    ]
    edges = [
        EdgeRow("DEVELOPS", "Developer:恒大", "Project:410100:恒大城", [Source("Report:r1", "恒大城项目", 3, 8, by="t")]),
        EdgeRow("LOCATED_IN", "Project:410100:恒大城", "Place:410102", [Source("Report:r1", "位于中原区")]),
        EdgeRow("PART_OF", "Place:410102", "Place:410100"),
        EdgeRow("PART_OF", "Place:410100", "Place:410000"),
        EdgeRow("HANDLES", "TaskForce:410100:郑州市问题楼盘化解专班", "Project:410100:恒大城",
                [Source("Report:r1", "专班负责恒大城")]),
        EdgeRow("LEADS", "Person:张三@410100", "TaskForce:410100:郑州市问题楼盘化解专班"),
        EdgeRow("MENTIONS", "Report:r1", "Developer:恒大", [Source("Report:r1", "恒大", 0, 2, field="恒大")]),
    ]
    return nodes, edges


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    nodes, edges = sample_rows()
    store.upsert(nodes, edges)
    return store


def test_upsert_and_read_back(loaded: GraphStore) -> None:
    assert loaded.counts() == (8, 7)
    dev = loaded.get_node("Developer:恒大")
    assert dev is not None and dev.name == "恒大" and dev.aliases == ["中国恒大"] and dev.labels == ["Developer"]
    official = loaded.get_node("Person:张三@410100")
    assert official is not None and set(official.labels) == {"Person", "Official"}
    assert official.attrs == {"title": "副市长"}
    assert loaded.get_node("nope") is None


def test_reingesting_identical_rows_changes_nothing(loaded: GraphStore) -> None:
    before = (loaded.counts(), {n.id: n.to_json() for n in loaded.iter_nodes()},
              {e.id: e.to_json() for e in loaded.iter_edges()})
    nodes, edges = sample_rows()
    loaded.upsert(nodes, edges)
    after = (loaded.counts(), {n.id: n.to_json() for n in loaded.iter_nodes()},
             {e.id: e.to_json() for e in loaded.iter_edges()})
    assert after == before


def test_merge_semantics_longest_name_aliases_and_sources_union(loaded: GraphStore) -> None:
    loaded.upsert(
        [NodeRow("Developer:恒大", "Developer", "中国恒大集团", aliases=["恒大地产"]),
         NodeRow("Developer:恒大", "Developer", "恒大", aliases=["Evergrande"])],
        [EdgeRow("DEVELOPS", "Developer:恒大", "Project:410100:恒大城", [Source("Report:r2", "另一报道")])],
    )
    dev = loaded.get_node("Developer:恒大")
    assert dev is not None and dev.name == "中国恒大集团"
    assert set(dev.aliases) == {"中国恒大", "恒大地产", "恒大", "Evergrande"}
    (edge,) = loaded.edges_of(["Developer:恒大"], ["DEVELOPS"], "out")
    assert {s.report for s in edge.sources} == {"Report:r1", "Report:r2"}
    assert loaded.counts() == (8, 7)


def test_provenance_round_trips(loaded: GraphStore) -> None:
    (edge,) = loaded.edges_of(["Developer:恒大"], ["DEVELOPS"], "out")
    assert edge.sources == [Source("Report:r1", "恒大城项目", 3, 8, by="t")]


def test_edges_of_is_one_round_trip_and_respects_direction(loaded: GraphStore) -> None:
    ids = ["Project:410100:恒大城", "Place:410102", "Developer:恒大"]
    loaded.round_trips = 0
    both = loaded.edges_of(ids)
    assert loaded.round_trips == 1
    assert {e.type for e in both} == {"DEVELOPS", "LOCATED_IN", "PART_OF", "HANDLES", "MENTIONS"}
    incoming = loaded.edges_of(["Project:410100:恒大城"], direction="in")
    assert {e.type for e in incoming} == {"DEVELOPS", "HANDLES"}
    out = loaded.edges_of(["Project:410100:恒大城"], ["LOCATED_IN"], "out")
    assert [e.target for e in out] == ["Place:410102"]


def test_list_and_count_filter_by_label_and_code_prefix(loaded: GraphStore) -> None:
    assert loaded.count_nodes(["Place"]) == 3
    assert loaded.count_nodes(["Official"]) == 1
    assert loaded.count_nodes(["Person"]) == 1
    inside = loaded.list_nodes(code_prefixes=["4101"], limit=10)
    assert {n.id for n in inside} == {"Project:410100:恒大城", "Place:410100", "Place:410102",
                                      "TaskForce:410100:郑州市问题楼盘化解专班", "Person:张三@410100"}
    page1 = loaded.list_nodes(limit=3)
    page2 = loaded.list_nodes(skip=3, limit=3)
    assert len(page1) == 3 and not {n.id for n in page1} & {n.id for n in page2}


def test_shortest_paths(loaded: GraphStore) -> None:
    paths = loaded.shortest_paths("Developer:恒大", "Place:410100", max_hops=4)
    assert len(paths) == 1
    assert [e.type for e in paths[0]] == ["DEVELOPS", "LOCATED_IN", "PART_OF"]
    assert loaded.shortest_paths("Developer:恒大", "Place:410100", max_hops=2) == []


def test_batches_are_bounded_by_batch_size(store: GraphStore) -> None:
    store.batch_size = 10
    nodes = [NodeRow(f"Project:{i}", "Project", f"项目{i}") for i in range(35)]
    store.round_trips = 0
    store.upsert(nodes, [])
    assert store.round_trips == 4 + 1  # ceil(35 / 10) node batches + the generation bump
    assert store.count_nodes(["Project"]) == 35


def test_generation_moves_on_write(store: GraphStore) -> None:
    g0 = store.generation()
    store.upsert([NodeRow("Outlet:光明日报", "Outlet", "光明日报")])
    assert store.generation() > g0


def test_delete_nodes_and_edges(loaded: GraphStore) -> None:
    loaded.delete_edges(["LEADS|Person:张三@410100|TaskForce:410100:郑州市问题楼盘化解专班"])
    assert loaded.counts() == (8, 6)
    loaded.delete_nodes(["Developer:恒大"])
    assert loaded.counts() == (7, 4)


def test_survives_reopen(store_factory: Callable[[], GraphStore]) -> None:
    first = store_factory()
    first.upsert(*sample_rows())
    counts = first.counts()
    second = store_factory()
    assert second.counts() == counts


def test_unknown_relationship_type_is_refused(store: GraphStore) -> None:
    from loupan.graph.cypher import checked_type

    with pytest.raises(ValueError, match="unknown relationship type"):
        checked_type("DROP")


def test_changes_and_judgements_are_kept(store: GraphStore) -> None:
    from loupan.graph.audit import Change, Judgement

    store.record_changes([Change("add_alias", ["Developer:恒大"], "editor:alice", "常用简称", {"alias": "恒大"})])
    store.record_judgements([Judgement("Developer:b", "Developer:a", "not_same", "editor:alice", "不同公司", 71.5,
                                       {"name": 71.5})])
    (change,) = store.changes("Developer:恒大")
    assert (change.action, change.who, change.payload) == ("add_alias", "editor:alice", {"alias": "恒大"})
    assert store.changes("Developer:other") == []
    (j,) = store.judgements(["Developer:a"])
    assert (j.a, j.b, j.decision, j.score, j.features) == ("Developer:a", "Developer:b", "not_same", 71.5, {"name": 71.5})
    with pytest.raises(ValueError, match="decision must be one of"):
        Judgement("x", "y", "maybe", "w", "r")


def test_keyset_pages_cover_everything_once(loaded: GraphStore) -> None:
    nodes = [n.id for n in loaded.iter_nodes(page=3)]
    assert len(nodes) == len(set(nodes)) == 8 and nodes == sorted(nodes)
    edges = [e.id for e in loaded.iter_edges(page=2)]
    assert len(edges) == len(set(edges)) == 7
    names = [r["id"] for r in loaded.name_rows(page=3)]
    assert names == nodes


def test_date_ranges_use_iso_prefixes(loaded: GraphStore) -> None:
    loaded.upsert([NodeRow("Event:a", "Event", "会一", date="2022-07-15"), NodeRow("Event:b", "Event", "会二", date="2021"),
                   NodeRow("Event:c", "Event", "会三")])
    def ids(**kw: str) -> set[str]:
        return {n.id for n in loaded.list_nodes(["Event"], limit=10, **kw)}
    assert ids(date_from="2022") == {"Event:a"}
    assert ids(date_to="2022-07") == {"Event:a", "Event:b"}
    assert ids(date_from="2021", date_to="2021") == {"Event:b"}
    assert loaded.count_nodes(["Event"], date_to="2021-12") == 1
    assert ids() == {"Event:a", "Event:b", "Event:c"}


def test_developer_projects_follows_subsidiaries_to_the_depth_asked(store: GraphStore) -> None:
    def dev(i: int) -> NodeRow:
        return NodeRow(f"Developer:d{i}", "Developer", f"开发商{i}", key=f"d{i}")

    nodes = [dev(i) for i in range(6)] + [NodeRow(f"Project:p{i}", "Project", f"项目{i}", key=f"p{i}")
                                          for i in range(6)]
    chain = [EdgeRow("SUBSIDIARY_OF", f"Developer:d{i + 1}", f"Developer:d{i}") for i in range(5)]  # d5 → … → d0
    develops = [EdgeRow("DEVELOPS", f"Developer:d{i}", f"Project:p{i}") for i in range(6)]
    shared = EdgeRow("DEVELOPS", "Developer:d2", "Project:p1")  # developed by two of the family
    other = EdgeRow("HANDLES", "Developer:d0", "Project:p5")  # not DEVELOPS
    store.upsert(nodes, [*chain, *develops, shared, other])
    before = store.round_trips
    projects = store.developer_projects("Developer:d0", 4)
    assert store.round_trips == before + 1
    # d5 is five levels down; p1 once although d1 and d2 both develop it; edge-id order
    assert [p.id for p in projects] == ["Project:p0", "Project:p1", "Project:p2", "Project:p3", "Project:p4"]
    assert projects[1].name == "项目1" and projects[1].attrs == {}
    assert [p.id for p in store.developer_projects("Developer:d3", 0)] == ["Project:p3"]
    assert [p.id for p in store.developer_projects("Developer:d3", 4)] == ["Project:p3", "Project:p4", "Project:p5"]
    assert store.developer_projects("Developer:nobody", 4) == []


@pytest.mark.parametrize("at_once", [0, 7, 1000])
def test_task_forces_by_city_lists_every_city_task_force_across_pages(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch, at_once: int) -> None:
    nodes = [NodeRow("Developer:d", "Developer", "某地产", key="d"),
             NodeRow("Project:p", "Project", "某苑", key="p", code="410102"),
             NodeRow("Place:410100", "Place", "郑州市", code="410100", level="prefecture"),
             NodeRow("Place:410102", "Place", "中原区", code="410102", level="district")]
    # seven task forces in the city's divisions, one handling the project, one in another city
    nodes += [NodeRow(f"TaskForce:t{i}", "TaskForce", f"专班{i}", key=f"t{i}", code="410102" if i % 2 else "410100")
              for i in range(7)]
    nodes.append(NodeRow("TaskForce:elsewhere", "TaskForce", "开封专班", key="k", code="410200"))
    edges = [EdgeRow("DEVELOPS", "Developer:d", "Project:p"), EdgeRow("LOCATED_IN", "Project:p", "Place:410102"),
             EdgeRow("PART_OF", "Place:410102", "Place:410100"),
             EdgeRow("HANDLES", "TaskForce:t3", "Project:p", [Source("Report:r", "专班3负责某苑")])]
    store.upsert(nodes, edges)
    monkeypatch.setattr(queries, "TASK_FORCE_PAGE", 3)
    monkeypatch.setattr(queries, "TASK_FORCES_AT_ONCE", at_once)
    before = store.round_trips
    [group] = queries.task_forces_by_city(store, "Developer:d")
    # projects, their edges, the nodes at the ends and (on Neo4j) the district's city: one statement
    # on Neo4j, three elsewhere; three pages of task forces; the city's node where the first did not
    # bring it. The task forces already read are not fetched again. On Neo4j the seven city task
    # forces come in the first statement when they are at most TASK_FORCES_AT_ONCE.
    assert store.round_trips - before == ((1 if at_once >= 7 else 4) if store.name == "neo4j" else 7)
    assert group.city is not None and group.city.name == "郑州市"
    links = {link.task_force.id: link.via for link in group.task_forces}
    assert links == {"TaskForce:t3": "project", **{f"TaskForce:t{i}": "city" for i in (0, 1, 2, 4, 5, 6)}}
    assert all(link.task_force.name for link in group.task_forces)


@pytest.mark.parametrize("at_once", [0, 1000])
def test_a_developer_read_with_its_task_forces_by_city_is_its_whole_node(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch, at_once: int) -> None:
    nodes = [NodeRow("Developer:d", "Developer", "某地产", aliases=["某地产集团"], key="d", code="410000"),
             NodeRow("Developer:idle", "Developer", "无项目地产", key="idle"),
             NodeRow("Project:p", "Project", "某苑", key="p", code="410102"),
             NodeRow("Place:410100", "Place", "郑州市", code="410100", level="prefecture"),
             NodeRow("TaskForce:t", "TaskForce", "专班", key="t", code="410100")]
    store.upsert(nodes, [EdgeRow("DEVELOPS", "Developer:d", "Project:p")])
    monkeypatch.setattr(queries, "TASK_FORCES_AT_ONCE", at_once)
    before = store.round_trips
    plain = queries.task_forces_by_city(store, "Developer:d")
    trips = store.round_trips - before
    node, groups = queries.developer_with_task_forces_by_city(store, "Developer:d")
    # in the projects' statement where the store can (Neo4j), one read more elsewhere
    assert store.round_trips - before - trips == trips + (not store.developer_in_projects_read)
    if store.name == "neo4j":
        assert trips == (1 if at_once else 2)  # the city's task forces in the statement, or apart
    assert node == store.get_nodes(["Developer:d"])["Developer:d"] and node.aliases == ["某地产集团"]
    assert [(g.city_code, [p.id for p in g.projects], [t.task_force.id for t in g.task_forces]) for g in groups] \
        == [(g.city_code, [p.id for p in g.projects], [t.task_force.id for t in g.task_forces]) for g in plain] \
        == [("410100", ["Project:p"], ["TaskForce:t"])]
    assert queries.developer_with_task_forces_by_city(store, "Developer:idle") == (
        store.get_nodes(["Developer:idle"])["Developer:idle"], [])
    before = store.round_trips
    assert queries.developer_with_task_forces_by_city(store, "Developer:nobody") == (None, [])
    assert store.round_trips - before == 1  # no node: the generic store reads no projects


@pytest.mark.parametrize("at_once", [10, 11])
def test_task_forces_by_city_nested_and_county_level_divisions_each_list_theirs_in_id_order(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch, at_once: int) -> None:
    """Cities' code prefixes of different lengths, one inside another (a project keyed to its
    province alone), read in parts side by side where the store can (one part per prefix here), or,
    11 (prefix, task force) pairs being few enough, in the statement that reads the projects."""
    monkeypatch.setattr(queries, "READ_PARTS", 3)
    monkeypatch.setattr(queries, "TASK_FORCES_AT_ONCE", at_once)
    places = [("410000", "河南省", "province"), ("410100", "郑州市", "prefecture"),
              ("410102", "中原区", "district"), ("419001", "济源市", "county")]
    nodes = [NodeRow("Developer:d", "Developer", "某地产", key="d")]
    nodes += [NodeRow(f"Place:{c}", "Place", n, code=c, level=lv) for c, n, lv in places]
    nodes += [NodeRow(f"Project:{c}", "Project", f"项目{c}", key=c, code=c) for c in ("410000", "410102", "419001")]
    # ids out of code order: each list must come back by id
    tf_codes = {"t9": "410102", "t1": "410102", "t5": "410100", "t3": "419001", "t7": "410000", "t2": "419001"}
    nodes += [NodeRow(f"TaskForce:{t}", "TaskForce", f"专班{t}", key=t, code=c) for t, c in tf_codes.items()]
    edges = [EdgeRow("DEVELOPS", "Developer:d", f"Project:{c}") for c in ("410000", "410102", "419001")]
    edges += [EdgeRow("LOCATED_IN", f"Project:{c}", f"Place:{c}") for c in ("410000", "410102", "419001")]
    store.upsert(nodes, edges)
    before = store.round_trips
    groups = {g.city_code: [t.task_force.id for t in g.task_forces]
              for g in queries.task_forces_by_city(store, "Developer:d")}
    # on Neo4j: one statement, or one and three parts; the cities' nodes come in the first either way
    assert store.round_trips - before == ((1 if at_once == 11 else 4) if store.name == "neo4j" else 5)
    assert groups == {
        "410000": ["TaskForce:t1", "TaskForce:t2", "TaskForce:t3", "TaskForce:t5", "TaskForce:t7", "TaskForce:t9"],
        "410100": ["TaskForce:t1", "TaskForce:t5", "TaskForce:t9"],
        "419001": ["TaskForce:t2", "TaskForce:t3"],
    }


def test_node_reads_return_the_fields_asked_besides_id_and_type(loaded: GraphStore) -> None:
    full = loaded.get_node("Person:张三@410100")
    assert full is not None
    [(official_id, official)] = loaded.get_nodes(["Person:张三@410100"], ["name"]).items()
    assert (official_id, official.id, official.type, official.name) == (full.id, full.id, "Official", "张三")
    assert (official.labels, official.code, official.attrs) == ([], "", {})  # not read
    [place] = loaded.list_nodes(["Place"], ["410102"], fields=("code", "level"))
    assert (place.id, place.code, place.level, place.name) == ("Place:410102", "410102", "district", "")
    [project] = loaded.developer_projects("Developer:恒大", 2, fields=())
    assert (project.id, project.type, project.name, project.code) == ("Project:410100:恒大城", "Project", "", "")
    assert loaded.get_nodes(["Person:张三@410100"], None)["Person:张三@410100"] == full
    with pytest.raises(ValueError, match="unknown node properties"):
        loaded.get_nodes(["Place:410102"], ["name", "n.attrs"])
    # reads that match nothing: no nodes, with or without fields (no rows must still be an answer)
    for fields in (None, ("name",)):
        assert loaded.get_nodes(["no such id"], fields) == {}
        assert loaded.list_nodes(["TaskForce"], ["99"], fields=fields) == []
        assert loaded.developer_projects("Developer:nobody", 2, fields) == []


def test_the_awaited_reads_answer_as_the_blocking_ones_in_as_many_round_trips(loaded: GraphStore) -> None:
    """``aget_nodes``, ``aedges_of`` and ``aedges_with_ends`` (the API's reads on its event loop):
    the same answers and statement counts as the blocking methods, inside ``reads_on_loop`` (Neo4j:
    the asyncio driver of that loop) and outside it (threads), on two event loops in turn."""
    ids = ["Project:410100:恒大城", "Place:410100", "no such id"]

    async def both(fields: tuple[str, ...] | None, types: list[str]) -> None:
        async with loaded.reads_on_loop():
            await compare(fields, types)
        await compare(fields, types)

    async def compare(fields: tuple[str, ...] | None, types: list[str]) -> None:
        for method, args in (("get_nodes", (ids, fields)), ("edges_of", (ids, types, "both")),
                             ("edges_of", (ids, types, "in")), ("edges_with_ends", (ids, types, "both", fields)),
                             ("get_nodes", ([], fields)), ("edges_of", ([], types)), ("edges_with_ends", ([], types))):
            before = loaded.round_trips
            blocking = getattr(loaded, method)(*args)
            spent = loaded.round_trips - before
            assert await getattr(loaded, "a" + method)(*args) == blocking, method
            assert loaded.round_trips - before == 2 * spent, method

    for fields, types in ((None, []), (("name",), ["HANDLES", "PART_OF"])):
        asyncio.run(both(fields, types))
    assert asyncio.run(loaded.aget_nodes(["Place:410100"]))["Place:410100"] == loaded.get_nodes(["Place:410100"])["Place:410100"]


@pytest.mark.parametrize("fields", [None, ("name",)])
def test_edges_with_ends_reads_the_edges_of_edges_of_and_their_ends(loaded: GraphStore,
                                                                    fields: tuple[str, ...] | None) -> None:
    ids = ["Project:410100:恒大城", "Place:410100"]
    for types in ([], ["HANDLES", "PART_OF"], ["MENTIONS"]):
        expected = loaded.edges_of(ids, types, "both")
        ends = {x for e in expected for x in (e.source, e.target)}
        before = loaded.round_trips
        edges, nodes = loaded.edges_with_ends(ids, types, "both", fields)
        assert loaded.round_trips - before == (1 if loaded.name == "neo4j" else 2 if expected else 1)
        assert edges == expected
        assert set(nodes) == ends
        assert all(nodes[i].name == loaded.get_nodes([i])[i].name for i in ends)
        assert all(n.attrs == {} for n in nodes.values()) or fields is None
    assert loaded.edges_with_ends([], None, "both") == ([], {})
    assert loaded.edges_with_ends(["Developer:恒大"], ["DEVELOPS"], "in") == ([], {})


@pytest.mark.parametrize("fields", [None, ("name",)])
def test_developer_projects_with_edges_is_developer_projects_then_edges_with_ends(
        loaded: GraphStore, fields: tuple[str, ...] | None) -> None:
    loaded.upsert([NodeRow("Developer:恒大地产", "Developer", "恒大地产", key="恒大地产"),
                   NodeRow("Project:410100:恒大名都", "Project", "恒大名都", key="410100:恒大名都", code="410100")],
                  [EdgeRow("SUBSIDIARY_OF", "Developer:恒大地产", "Developer:恒大"),
                   EdgeRow("DEVELOPS", "Developer:恒大地产", "Project:410100:恒大名都"),
                   EdgeRow("LOCATED_IN", "Project:410100:恒大名都", "Place:410100")])
    for types in (["LOCATED_IN", "HANDLES"], ["MENTIONS"], []):
        for parents in (False, True):
            projects = loaded.developer_projects("Developer:恒大", 2, fields)
            edges, ends = loaded.edges_with_ends([p.id for p in projects], types, "both", ("code", "labels"))
            before = loaded.round_trips
            got = loaded.developer_projects_with_edges("Developer:恒大", 2, types, fields, ("code", "labels"), parents)
            assert loaded.round_trips - before == (1 if loaded.name == "neo4j" else 1 + (2 if edges else 1))
            assert got[0] == projects and got[1] == edges
            assert {i: n for i, n in got[2].items() if i in ends} == ends
            extra = set(got[2]) - set(ends)
            # the parents: the district's city and province, and the city's province; only if asked,
            # and only where the store reads them in the same statement
            up = {"Place:410102": {"Place:410100", "Place:410000"}, "Place:410100": {"Place:410000"}}
            if parents and loaded.name == "neo4j":
                assert extra == {u for i in ends for u in up.get(i, ())} - set(ends)
            else:
                assert extra == set()
            if extra:
                assert got[2]["Place:410000"].code == "410000" and got[2]["Place:410000"].labels == ["Place"]
    assert {p.id for p in got[0]} == {"Project:410100:恒大名都", "Project:410100:恒大城"}  # the subsidiary's too
    assert loaded.developer_projects_with_edges("Developer:nobody", 2, ["LOCATED_IN"], parents=True) == ([], [], {})
    alone, edges, ends = loaded.developer_projects_with_edges("Developer:恒大", 0, ["LOCATED_IN"], fields)
    assert [p.id for p in alone] == ["Project:410100:恒大城"]
    assert [e.target for e in edges] == ["Place:410102"] and set(ends) == {"Project:410100:恒大城", "Place:410102"}


def test_task_forces_by_city_reads_only_the_fields_asked_and_groups_alike(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = [NodeRow("Developer:d", "Developer", "某地产", key="d"),
             NodeRow("Project:p", "Project", "某苑", key="p", code="410102", level="x", attrs={"a": 1}),
             NodeRow("Project:q", "Project", "某园", key="q", code="410203"),  # no place: grouped by its own code
             NodeRow("Place:410100", "Place", "郑州市", code="410100", level="prefecture"),
             NodeRow("Place:410102", "Place", "中原区", code="410102", level="district"),
             NodeRow("Place:410200", "Place", "开封市", code="410200", level="prefecture"),
             # handles the project and is one of the city's task forces: "project" either way
             NodeRow("TaskForce:t", "TaskForce", "中原专班", key="t", code="410102"),
             NodeRow("TaskForce:u", "TaskForce", "郑州专班", key="u", code="410100"),
             # an agency handling a project is not a task force
             NodeRow("Agency:a", "Agency", "住建局", key="a", code="410100")]
    edges = [EdgeRow("DEVELOPS", "Developer:d", "Project:p"), EdgeRow("DEVELOPS", "Developer:d", "Project:q"),
             EdgeRow("LOCATED_IN", "Project:p", "Place:410102"),
             EdgeRow("HANDLES", "TaskForce:t", "Project:p"), EdgeRow("HANDLES", "Agency:a", "Project:p")]
    store.upsert(nodes, edges)

    def shape(groups: list[queries.CityGroup]) -> list[tuple[object, ...]]:
        return [(g.city_code, g.city.id if g.city else None, g.city.name if g.city else None,
                 [p.name for p in g.projects], [(t.task_force.id, t.task_force.name, t.via) for t in g.task_forces])
                for g in groups]

    full = queries.task_forces_by_city(store, "Developer:d")
    assert shape(full) == [
        ("410100", "Place:410100", "郑州市", ["某苑"], [("TaskForce:t", "中原专班", "project"),
                                                    ("TaskForce:u", "郑州专班", "city")]),
        ("410200", "Place:410200", "开封市", ["某园"], []),
    ]
    named = queries.task_forces_by_city(store, "Developer:d", queries.GroupFields(
        projects={"name"}, cities={"name"}, task_forces={"name"}))
    assert shape(named) == shape(full)
    assert all(p.attrs == {} and p.level == "" for g in named for p in g.projects)
    # the cities' reads one after another, or side by side (split in parts): the same answer
    for concurrent in (False, True):
        monkeypatch.setattr(store, "concurrent_reads", concurrent)
        assert shape(queries.task_forces_by_city(store, "Developer:d")) == shape(full)
    bare = queries.task_forces_by_city(store, "Developer:d", queries.GroupFields((), (), ()))
    assert [[(t.task_force.id, t.via) for t in g.task_forces] for g in bare] == \
        [[(t.task_force.id, t.via) for t in g.task_forces] for g in full]
    assert all(p.name == "" for g in bare for p in g.projects)
