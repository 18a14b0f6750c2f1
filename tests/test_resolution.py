"""Merge, split, judgements, aliases and the review queue, on every store backend; and what
re-ingestion does after each of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loupan.errors import NotFound, ResolutionError
from loupan.graph.export import export_objects
from loupan.graph.merge import add_alias, find_merge, merge, split
from loupan.graph.store import GraphStore
from loupan.ingest.pipeline import Ingestor
from loupan.ingest.resolve import decide, review_queue

HENGDA = "Project:410100:恒大名都"
MINGMEN = "Project:410100:名门翠园"
SHIMAO = "Project:610100:世茂璀璨倾城二期"
SHIMAO_TYPO = "Project:610100:世贸璀璨倾城二期"


def write(folder: Path, name: str, records: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def ingest(store: GraphStore, *paths: Path) -> None:
    summary = Ingestor(store).ingest_paths(list(paths))
    assert not summary.errors


def project(name: str, city: str = "郑州市", province: str = "河南省", **extra: str) -> dict[str, str]:
    return {"name": name, "city": city, "province": province, **extra}


def picture(store: GraphStore, ids: list[str]) -> tuple[dict[str, Any], list[Any]]:
    nodes = {i: n.to_json() for i, n in store.get_nodes(ids).items()}
    for n in nodes.values():
        n["aliases"], n["labels"] = sorted(n["aliases"]), sorted(n["labels"])
    edges = sorted((e.id, sorted(s.encode() for s in e.sources), json.dumps(e.attrs, sort_keys=True))
                   for e in store.edges_of(ids))
    return nodes, edges


def records_of(store: GraphStore, node_id: str) -> list[str]:
    return next(o["records"] for o in export_objects(store) if o["kind"] == "node" and o["id"] == node_id)


def test_merge_moves_everything_and_split_restores_it_exactly(store: GraphStore, tmp_path: Path) -> None:
    ingest(store, write(tmp_path, "a.json", [project("恒大名都", developer="恒大"),
                                            project("名门翠园", developer="名门地产")]))
    before = picture(store, [HENGDA, MINGMEN])
    assert len(records_of(store, HENGDA)) == 1

    change = merge(store, [MINGMEN], HENGDA, "alice", "one project under two names")
    assert (change.action, change.who, change.reason, change.targets) == (
        "merge", "alice", "one project under two names", [HENGDA, MINGMEN])
    assert store.get_node(MINGMEN) is None
    merged = store.get_node(HENGDA)
    assert merged is not None and "名门翠园" in merged.aliases
    assert len(records_of(store, HENGDA)) == 2  # provenance moved with the edges
    assert {e.target for e in store.edges_of([HENGDA], ["DEVELOPS"], "in")} == {HENGDA}
    assert {e.source for e in store.edges_of([HENGDA], ["DEVELOPS"], "in")} == {
        "Developer:恒大", "Developer:名门"}

    undo = split(store, MINGMEN, "bob", "two projects after all")
    assert undo.action == "split" and undo.payload["merge"] == change.id
    assert picture(store, [HENGDA, MINGMEN]) == before
    assert [j.decision for j in store.judgements([MINGMEN])][-1] == "not_same"
    with pytest.raises(NotFound):
        split(store, MINGMEN, "bob", "again")


def test_a_merge_survives_reingestion(store: GraphStore, tmp_path: Path) -> None:
    first = write(tmp_path, "a.json", [project("恒大名都"), project("名门翠园")])
    ingest(store, first)
    merge(store, [MINGMEN], HENGDA, "alice", "same")
    # the same records again, in a new file: the merged-away id is redirected, never recreated
    ingest(store, write(tmp_path / "b", "a2.json", [project("名门翠园（8月）"), project("恒大名都")]))
    assert store.get_node(MINGMEN) is None
    assert len(records_of(store, HENGDA)) == 4


def test_homophone_typo_auto_merges_and_not_same_holds_forever(store: GraphStore, tmp_path: Path) -> None:
    ingest(store, write(tmp_path, "a.json", [project("世茂璀璨倾城二期", "西安市", "陕西省")]))
    ingest(store, write(tmp_path, "b.json", [project("世贸璀璨倾城二期", "西安", "陕西")]))
    assert store.get_node(SHIMAO_TYPO) is None
    change = find_merge(store, SHIMAO_TYPO)
    assert change.who == "resolver" and change.payload["features"]["match"] == "homophone"
    assert len(records_of(store, SHIMAO)) == 2

    split(store, change.id, "carol", "the list had two buildings")
    assert store.get_node(SHIMAO_TYPO) is not None
    ingest(store, write(tmp_path, "c.json", [project("世贸璀璨倾城二期（9月）", "西安市", "陕西省")]))
    assert store.get_node(SHIMAO_TYPO) is not None and store.get_node(SHIMAO) is not None
    assert len(records_of(store, SHIMAO)) == 1 and len(records_of(store, SHIMAO_TYPO)) == 2


def test_an_entity_deleted_with_its_report_takes_no_newcomers(store: GraphStore, tmp_path: Path) -> None:
    """One ingestor (as the API keeps one for its lifetime): a changed file drops the only mention
    of a project, which is deleted; a later homophone of it is then a project of its own, not
    merged into the deleted one (which would lose it)."""
    ingestor = Ingestor(store)
    first = write(tmp_path, "list.json", [project("世茂璀璨倾城二期", "西安市", "陕西省")])
    assert not ingestor.ingest_paths([first]).errors
    assert store.get_node(SHIMAO) is not None
    write(tmp_path, "list.json", [project("曲江池东苑", "西安市", "陕西省")])
    summary = ingestor.ingest_paths([first])
    assert summary.replaced == 1 and store.get_node(SHIMAO) is None
    assert not ingestor.ingest_paths([write(tmp_path, "b.json", [project("世贸璀璨倾城二期", "西安市", "陕西省")])]).errors
    typo = store.get_node(SHIMAO_TYPO)
    assert typo is not None and typo.name == "世贸璀璨倾城二期"
    assert len(records_of(store, SHIMAO_TYPO)) == 1
    assert [c for c in store.changes() if c.action == "merge"] == []


def test_not_same_given_before_the_second_source_arrives(store: GraphStore, tmp_path: Path) -> None:
    ingest(store, write(tmp_path, "a.json", [project("世茂璀璨倾城二期", "西安市", "陕西省")]))
    decide(store, SHIMAO, SHIMAO_TYPO, "not_same", "dave", "known to be different")
    ingest(store, write(tmp_path, "b.json", [project("世贸璀璨倾城二期", "西安市", "陕西省")]))
    assert store.get_node(SHIMAO_TYPO) is not None


def test_review_queue_accept_and_reject(store: GraphStore, tmp_path: Path) -> None:
    ingest(store, write(tmp_path, "a.json", [project("五象澜庭府沁苑", "南宁市", "广西壮族自治区"),
                                            project("恒大悦府", "驻马店市"), project("恒大御府", "驻马店市")]))
    queue = review_queue(store)
    pairs = {(i.a, i.b) for i in queue}
    assert ("Project:411700:恒大御府", "Project:411700:恒大悦府") in pairs
    ingest(store, write(tmp_path, "b.json", [project("五象澜庭府臻苑", "南宁市", "广西壮族自治区")]))
    item = next(i for i in review_queue(store, "Project") if "五象澜庭府臻苑" in i.a + i.b)
    assert item.features["match"] == "fuzzy" and 70 <= item.score < 90
    assert review_queue(store, "Developer") == []

    decide(store, item.a, item.b, "not_same", "erin", "沁苑 and 臻苑 are two phases")
    decide(store, "Project:411700:恒大御府", "Project:411700:恒大悦府", "same", "erin", "one estate")
    assert review_queue(store) == []
    assert store.get_node("Project:411700:恒大悦府") is not None
    assert store.get_node("Project:411700:恒大御府") is None  # the newer side went into the older
    # re-ingesting neither re-queues the rejected pair nor brings back the merged one
    ingest(store, write(tmp_path / "again", "a.json", [project("五象澜庭府臻苑", "南宁市", "广西壮族自治区"),
                                                      project("恒大御府（9月）", "驻马店市")]))
    assert review_queue(store) == []
    assert store.get_node("Project:411700:恒大御府") is None


def test_add_alias_and_errors(store: GraphStore, tmp_path: Path) -> None:
    ingest(store, write(tmp_path, "a.json", [project("恒大名都", developer="恒大"), project("名门翠园")]))
    change = add_alias(store, HENGDA, "恒大名都一期", "frank", "the sales office's name")
    node = store.get_node(HENGDA)
    assert node is not None and "恒大名都一期" in node.aliases
    assert store.changes(HENGDA)[0].id == change.id
    with pytest.raises(NotFound):
        add_alias(store, "Project:nope", "x", "frank", "y")
    with pytest.raises(ResolutionError, match="different types"):
        merge(store, ["Developer:恒大"], HENGDA, "frank", "types differ")
    with pytest.raises(NotFound):
        merge(store, [MINGMEN], "Project:nope", "frank", "missing")
    with pytest.raises(ResolutionError):
        decide(store, HENGDA, MINGMEN, "maybe", "frank", "not a decision")


AGENCY_REPORTS = {
    "a.txt": "遂宁市住房和城乡建设局召开“保交楼”专题会议\n\n11月3日，遂宁市住房和城乡建设局召开专题会议，"
             "研究推进恒大御景半岛项目复工。遂宁市副市长张建华出席会议并讲话。\n",
    "b.txt": "遂宁住建局：全力推进保交楼\n\n12月1日，遂宁市住建局局长李明带队到恒大御景半岛项目现场督导。"
             "遂宁市副市长张建华要求加快施工进度。\n",
    "c.txt": "南充市副市长张建华调研保交楼工作\n\n10月8日，南充市副市长张建华到南充市住房城乡建设局调研，"
             "听取保交楼工作汇报。\n",
    "d.txt": "平顶山多部门联合督导问题楼盘\n\n平顶山市住房和城乡建设局与平顶山市新华区住房和城乡建设局联合召开会议，"
             "部署建业城项目保交楼工作。\n",
    "e.txt": "保交楼工作推进会召开\n\n会上，副市长张建华通报了全省保交楼项目进展情况。\n",
}


def test_agencies_and_officials_resolve_end_to_end_from_news_text(store: GraphStore, tmp_path: Path) -> None:
    """Through the extractor: one agency under its full, folded and short names; a city agency and
    a district one of that city stay apart; a namesake official in another city is another person;
    the same name with no place is queued for review against both, never merged."""
    for name, text in AGENCY_REPORTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    ingest(store, tmp_path)
    agencies = {n.id: n for n in store.list_nodes(["Agency"])}
    suining = [n for n in agencies.values() if n.code == "510900"]
    assert len(suining) == 1, agencies
    assert {"遂宁市住房和城乡建设局", "遂宁市住建局"} <= {suining[0].name, *suining[0].aliases}
    assert len(store.edges_of([suining[0].id], ["MENTIONS"], "in")) == 2
    pingdingshan = sorted((n.code, n.name) for n in agencies.values() if n.code.startswith("4104"))
    assert pingdingshan == [("410400", "平顶山市住房和城乡建设局"), ("410402", "平顶山市新华区住房和城乡建设局")]
    assert len(agencies) == 4

    people = [n for n in store.list_nodes(["Person"]) if n.name == "张建华"]
    placed = sorted(n.code for n in people if n.code)
    assert placed == ["510900", "511300"]
    unplaced = [n.id for n in people if not n.code]
    assert len(unplaced) == 1
    suining_zhang = next(n for n in people if n.code == "510900")
    assert len(store.edges_of([suining_zhang.id], ["MENTIONS"], "in")) == 2
    queued = {frozenset((i.a, i.b)) for i in review_queue(store, "Person")}
    assert queued == {frozenset((unplaced[0], n.id)) for n in people if n.code}
    assert [c for c in store.changes() if c.action == "merge"] == []
