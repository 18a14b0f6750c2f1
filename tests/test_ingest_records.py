"""Structured records: messy real rows, bad inputs, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loupan.graph.store import GraphStore
from loupan.ingest.normalize import clean_name, company_core
from loupan.ingest.pipeline import Ingestor
from loupan.ingest.records import parse_records

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(("raw", "core", "aliases", "notes"), [
    ("恒大中心（8月）", "恒大中心", (), ("8月",)),
    ("浩创梧桐茗筑（9月30）", "浩创梧桐茗筑", (), ("9月30",)),
    ("上东郡（澜悦景苑）", "上东郡", ("澜悦景苑",), ()),
    ("奥园悦城(汇景园)", "奥园悦城", ("汇景园",), ()),
    ("金科城（二期）（7月底）", "金科城二期", (), ("7月底",)),
    ("某某花园（A区）", "某某花园A区", (), ()),
    ("“格林尚坊花园”", "格林尚坊花园", (), ()),
    ("碧桂园·天玺", "碧桂园·天玺", (), ()),
])
def test_clean_name(raw: str, core: str, aliases: tuple[str, ...], notes: tuple[str, ...]) -> None:
    cleaned = clean_name(raw)
    assert (cleaned.core, cleaned.aliases, cleaned.notes) == (core, aliases, notes)


@pytest.mark.parametrize(("name", "core"), [
    ("中国恒大集团", "恒大"), ("恒大", "恒大"), ("阳光城集团", "阳光城"), ("金科地产集团股份有限公司", "金科"),
    ("中交世茂（北京）置业有限公司", "中交世茂"), ("碧桂园服务", "碧桂园服务"), ("融創中國", "融创中国"),
    ("四川蓝光发展股份有限公司", "蓝光"), ("世茂集团", "世茂"),
])
def test_company_core(name: str, core: str) -> None:
    from loupan.ingest.build import region_names

    assert company_core(name, region_names()) == core


def test_parse_reports_each_bad_record_and_keeps_the_rest() -> None:
    text = json.dumps([{"name": "甲项目", "city": "郑州市", "province": "河南省"},
                       {"city": "郑州市"}, "not an object",
                       {"name": "乙项目", "city": {"nested": 1}, "province": "河南"},
                       {"name": "丙项目", "province": "河南省", "developer": "恒大", "phase": "二期"}])
    items = list(parse_records("x.json", text))
    good = [i for i in items if not isinstance(i, Exception)]
    bad = [i for i in items if isinstance(i, Exception)]
    assert [r.fields["name"] for r in good] == ["甲项目", "丙项目"]
    assert good[1].extra == {"phase": "二期"}
    assert [str(e) for e in bad] == [
        "x.json#1: the record has no 'name' (the project's name)",
        "x.json#2: expected an object with name, city, province, got str",
        "x.json#3: a nested object where text was expected",
    ]


def test_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = '{"name": "A苑", "city": "西安市", "province": "陕西省"}\n{broken\n'
    items = list(parse_records("r.jsonl", jsonl))
    assert items[0].fields["name"] == "A苑"  # type: ignore[union-attr]
    assert str(items[1]).startswith("r.jsonl:2: not valid JSON")
    csv_text = "name,city,province,developer\nB苑,长沙市,湖南省,新力\nC苑,长沙市,湖南省,新力,extra\n"
    items = list(parse_records("r.csv", csv_text))
    assert items[0].fields["developer"] == "新力"  # type: ignore[union-attr]
    assert str(items[1]) == "r.csv:3: more cells than header columns"


def write_inputs(folder: Path) -> None:
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps([
        {"name": "恒大名都（8月）", "city": "郑州市", "province": "河南", "developer": "恒大"},
        {"name": "君悦华府", "city": "靖江市", "province": "江苏省", "developer": "中国恒大集团"},
        {"name": "巴南某苑", "city": "巴南区", "province": "重庆市"},
    ], ensure_ascii=False), encoding="utf-8")
    (folder / "truncated.json").write_text('[{"name": "丢失", "city": "郑州市"', encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff\xfe" * 50)
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    (folder / "records.csv").write_text("name,city,province\n东方苑,西安市,陕西省\n,西安市,陕西省\n", encoding="utf-8")


def test_bad_inputs_are_named_and_good_ones_still_land(store: GraphStore, tmp_path: Path) -> None:
    write_inputs(tmp_path / "in")
    summary = Ingestor(store).ingest_paths([tmp_path / "in", tmp_path / "missing.json"])
    problems = {Path(e.source.split("#")[0].split(":")[0]).name: e.problem for e in summary.errors}
    assert set(problems) == {"truncated.json", "binary.txt", "empty.txt", "records.csv", "missing.json"}
    assert "not valid JSON" in problems["truncated.json"]
    assert "name" in problems["records.csv"]
    assert summary.records == 4
    names = {n.name for n in store.list_nodes(["Project"], limit=50)}
    assert names == {"恒大名都", "君悦华府", "巴南某苑", "东方苑"}
    # Places become a hierarchy: 靖江市 lies in 泰州市 in 江苏省; 巴南区 directly in 重庆市.
    paths = store.shortest_paths("Place:321282", "Place:320000", 3)
    assert [[e.target for e in p] for p in paths] == [["Place:321200", "Place:320000"]]
    assert store.edges_of(["Place:500113"], ["PART_OF"], "out")[0].target == "Place:500000"
    # brand and legal name of the same developer meet on one node, which keeps both names
    dev = store.get_node("Developer:恒大")
    assert dev is not None and {"恒大", "中国恒大集团"} <= {dev.name, *dev.aliases}


def test_records_are_idempotent(store: GraphStore) -> None:
    folder = FIXTURES / "weneedhome"
    Ingestor(store).ingest_paths([folder])
    counts = store.counts()
    assert counts[0] > 700
    Ingestor(store).ingest_paths([folder])
    assert store.counts() == counts
