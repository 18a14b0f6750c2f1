"""Batch ingestion on real inputs: globs, standard input, envelopes, sidecars, GBK, replacing a
changed report, the rejects file and the exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from loupan.graph.export import export_lines
from loupan.graph.store import GraphStore
from loupan.ingest.batch import Options
from loupan.ingest.build import content_hash, report_id
from loupan.ingest.inputs import expand
from loupan.ingest.pipeline import Ingestor, Summary

ZHENGZHOU = "郑州市人民政府成立保交楼工作专班。"
ZHENGZHOU_HENGDA = "郑州市人民政府成立保交楼工作专班，督促恒大集团加快名门紫园项目复工。"
CHANGSHA = "长沙市住房和城乡建设局7月12日召开问题楼盘化解工作推进会。"


def ingest(store: GraphStore, *specs: str | Path, **options: Any) -> Summary:
    return Ingestor(store).batch(Options(**options)).run([str(s) for s in specs])


def loupan(*args: str, data_dir: Path, stdin: bytes | None = None, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "LOUPAN_DATA_DIR": str(data_dir), **(env or {})}
    full_env.pop("LOUPAN_NEO4J_URI", None)
    return subprocess.run([sys.executable, "-m", "loupan.cli", *args], capture_output=True, env=full_env,
                          input=stdin if stdin is not None else b"", cwd=cwd, timeout=600, check=False)


def mentioned_by(store: GraphStore, report: str) -> dict[str, str]:
    """id -> type of every node the report mentions."""
    edges = store.edges_of([report], ["MENTIONS"], "out")
    return {n.id: n.type for n in store.get_nodes([e.target for e in edges]).values()}


def sourced_from(store: GraphStore, report: str) -> list[str]:
    return [e.id for e in store.iter_edges() if any(s.report == report for s in e.sources)]


def test_files_directories_globs_and_missing_inputs(tmp_path: Path) -> None:
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for name in ("a/one.txt", "a/deep/two.txt", "a/deep/three.html", "a/notes.docx", "a/index.json",
                 "a/one.txt.meta.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = list(expand([str(tmp_path / "a" / "**" / "*.txt"), str(tmp_path / "a"), str(tmp_path / "a/one.txt"),
                         str(tmp_path / "nothing-*.txt"), str(tmp_path / "missing.txt"), "-"]))
    names = [f.name if isinstance(f, Path) else f if isinstance(f, str) else f.problem for f in found]
    assert names == ["two.txt", "one.txt", "three.html",  # the glob's, then what the folder adds, each once
                     "no ingestible file matches this pattern", "no such file or directory; check the path", "-"]


def test_standard_input_text_envelope_and_csv(tmp_path: Path) -> None:
    data = tmp_path / "data"
    text = loupan("ingest", "-", "--json", "--workers", "0", data_dir=data, stdin=CHANGSHA.encode("gbk"))
    assert text.returncode == 0, text.stderr.decode()
    assert json.loads(text.stdout)["reports"] == 1
    envelope = "\n".join(json.dumps(line, ensure_ascii=False) for line in [
        {"text": ZHENGZHOU, "url": "https://example.org/a", "outlet": "大河报", "publishedAt": "2022-07-20"},
        {"html": f"<p>{ZHENGZHOU_HENGDA}</p>", "url": "https://example.org/b"},
    ])
    lines = loupan("ingest", "-", "--json", "--workers", "0", data_dir=data, stdin=envelope.encode("utf-8"))
    assert lines.returncode == 0, lines.stderr.decode()
    assert json.loads(lines.stdout)["reports"] == 2
    csv = "name,city,province,developer\n某某苑,长沙市,湖南省,新力\n"
    records = loupan("ingest", "-", "--stdin-format", "csv", "--json", "--workers", "0", data_dir=data,
                     stdin=csv.encode("gb18030"))
    assert records.returncode == 0, records.stderr.decode()
    assert json.loads(records.stdout)["records"] == 1
    more = "\n".join(json.dumps({"name": n, "city": "长沙市", "province": "湖南省"}, ensure_ascii=False)
                     for n in ("甲苑", "乙苑"))
    jsonl = loupan("ingest", "-", "--json", "--workers", "0", data_dir=data, stdin=more.encode("utf-8"))
    assert jsonl.returncode == 0, jsonl.stderr.decode()
    assert json.loads(jsonl.stdout)["records"] == 2
    exported = [json.loads(line) for line in loupan("export", data_dir=data).stdout.splitlines()]
    reports = {o["id"]: o for o in exported if o["type"] == "Report"}
    assert report_id("https://example.org/a") in reports and report_id("https://example.org/b") in reports
    assert reports[report_id("https://example.org/a")]["date"] == "2022-07-20"
    assert any(o["type"] == "Agency" and o["name"].startswith("长沙市") for o in exported)  # GBK read right
    assert any(o["type"] == "Project" and o["name"] == "某某苑" for o in exported)


def test_envelope_lines_carry_their_metadata(store: GraphStore, tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": ZHENGZHOU_HENGDA, "url": "https://example.org/1", "outlet": "大河报（河南）",
                    "publishedAt": "2022-07-20T08:00:00+08:00", "title": "郑州成立专班"}, ensure_ascii=False),
        "",
        json.dumps({"html": f"<html><body><p>{CHANGSHA}</p><script>x()</script></body></html>"}, ensure_ascii=False),
        json.dumps({"text": CHANGSHA + "又", "url": ["not", "text"]}, ensure_ascii=False),
        '{"text": "截断',
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest(store, tmp_path / "feed.jsonl")
    assert summary.reports == 2
    assert sorted((Path(e.source).name, e.problem.split(" (")[0]) for e in summary.errors) == [
        ("feed.jsonl:4", "'url' should be text, not list"), ("feed.jsonl:5", "not valid JSON")]
    first = store.get_node(report_id("https://example.org/1"))
    assert first is not None and first.name == "郑州成立专班" and first.date == "2022-07-20"
    assert first.attrs["outlet"] == "大河报（河南）"
    published_by = store.edges_of([first.id], ["PUBLISHED_BY"], "out")
    assert [e.target for e in published_by] == ["Outlet:大河报"]
    assert "Developer" in mentioned_by(store, first.id).values()
    html_report = [n for n in store.list_nodes(["Report"], limit=10) if n.name.startswith("长沙")]
    assert len(html_report) == 1 and "x()" not in html_report[0].name


def test_sidecar_metadata_and_chinese_encodings(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "gbk.txt").write_bytes(CHANGSHA.encode("gbk"))
    (tmp_path / "gbk.txt.meta.json").write_text(json.dumps(
        {"url": "https://example.org/cs", "outlet": "长沙晚报", "publishedAt": "2022-07-12", "title": "长沙推进会"},
        ensure_ascii=False), encoding="utf-8")
    (tmp_path / "gb18030.html").write_bytes(f"<html><body><p>{ZHENGZHOU}</p></body></html>".encode("gb18030"))
    (tmp_path / "broken.txt").write_text(ZHENGZHOU_HENGDA, encoding="utf-8")
    (tmp_path / "broken.txt.meta.json").write_text("{not json", encoding="utf-8")
    summary = ingest(store, tmp_path)
    assert summary.reports == 2
    assert [(Path(e.source).name, e.problem.split(" (")[0]) for e in summary.errors] == [
        ("broken.txt", "its metadata file broken.txt.meta.json cannot be read")]
    report = store.get_node(report_id("https://example.org/cs"))
    assert report is not None and (report.name, report.date, report.attrs["outlet"]) == \
        ("长沙推进会", "2022-07-12", "长沙晚报")
    names = {n.name for n in store.list_nodes(["Agency"], limit=50)}
    assert any(n.startswith("长沙市") for n in names) and any(n.startswith("郑州市") for n in names)


def test_a_changed_report_replaces_its_facts(store: GraphStore, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text(ZHENGZHOU, encoding="utf-8")
    report = tmp_path / "report.txt"
    report.write_text(ZHENGZHOU_HENGDA, encoding="utf-8")
    assert ingest(store, other, report).reports == 2
    other_id, old_id = report_id(content_hash(ZHENGZHOU)), report_id(content_hash(ZHENGZHOU_HENGDA))
    old = mentioned_by(store, old_id)
    shared = set(old) & set(mentioned_by(store, other_id))
    only_old = set(old) - shared
    assert shared and "Developer" in {old[i] for i in only_old}, old

    report.write_text(ZHENGZHOU + "会议要求加快处置。", encoding="utf-8")  # 恒大 and 名门紫园 are gone
    summary = ingest(store, other, report)
    assert (summary.reports, summary.unchanged, summary.replaced) == (1, 1, 1)
    new_id = report_id(content_hash(ZHENGZHOU + "会议要求加快处置。"))
    assert store.get_node(old_id) is None and store.get_node(new_id) is not None
    assert sourced_from(store, old_id) == []
    now = mentioned_by(store, new_id)
    gone = only_old - set(now)
    assert gone and store.get_nodes(sorted(gone)) == {}  # the developer and the project left with the report
    for node_id in shared:  # shared entities stay, and keep the other report's sources
        mentions = store.edges_of([node_id], ["MENTIONS"], "in")
        assert {e.source for e in mentions} >= {other_id}
    for edge in store.edges_of(sorted(shared)):
        assert edge.sources and all(s.report != old_id for s in edge.sources)
    # the places a record or a report needs as parents stay; nothing is left pointing nowhere
    assert store.get_node("Place:410000") is not None


def test_a_changed_text_under_the_same_url_replaces_it(store: GraphStore) -> None:
    url = "https://example.org/changing"
    first = Ingestor(store).ingest_report(ZHENGZHOU_HENGDA, url=url, title="v1")
    assert "Developer" in mentioned_by(store, first).values()
    before = store.counts()
    second = Ingestor(store).ingest_report(ZHENGZHOU, url=url, title="v2")
    assert second == first
    node = store.get_node(first)
    assert node is not None and node.name == "v2" and node.attrs["content_hash"] == content_hash(ZHENGZHOU)
    assert "Developer" not in mentioned_by(store, first).values()
    assert store.list_nodes(["Developer"]) == [] and store.list_nodes(["Project"]) == []
    assert store.counts()[0] < before[0]
    assert Ingestor(store).ingest_report(ZHENGZHOU, url=url, title="v2") == first  # unchanged: kept as is


def test_a_changed_records_file_replaces_its_records(store: GraphStore, tmp_path: Path) -> None:
    def records(path: Path, *names: str) -> None:
        path.write_text("\n".join(json.dumps({"name": n, "city": "长沙市", "province": "湖南省", "developer": "新力"},
                                             ensure_ascii=False) for n in names), encoding="utf-8")

    records(tmp_path / "list.jsonl", "甲苑", "乙苑")
    records(tmp_path / "other.jsonl", "乙苑")
    assert ingest(store, tmp_path).records == 3
    projects = {n.name: n.id for n in store.list_nodes(["Project"])}
    assert set(projects) == {"甲苑", "乙苑"}
    records(tmp_path / "list.jsonl", "乙苑", "丙苑")
    summary = ingest(store, tmp_path)
    assert (summary.records, summary.unchanged, summary.replaced) == (2, 1, 1)
    assert {n.name for n in store.list_nodes(["Project"])} == {"乙苑", "丙苑"}
    mentions = store.edges_of([projects["乙苑"]], ["MENTIONS"], "in")
    assert len(mentions) == 2  # the other file's, and the new version's
    developer = store.list_nodes(["Developer"])
    assert len(developer) == 1 and len(store.edges_of([developer[0].id], ["DEVELOPS"], "out")) == 2


def test_rerun_skips_everything_and_workers_agree(store: GraphStore, tmp_path: Path) -> None:
    from loupan.cli import sample_dir

    news = sample_dir() / "news"
    first = ingest(store, news, workers=2)
    assert first.errors == [] and first.reports == 16
    assert first.entities.added > 50 and first.relations.added > 50
    exported = list(export_lines(store))
    again = ingest(store, news, workers=2)
    assert (again.reports, again.unchanged, again.entities.added, again.relations.added) == (0, 16, 0, 0)
    assert list(export_lines(store)) == exported


def test_rejects_file_quiet_mode_and_exit_status(tmp_path: Path) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    (good / "news.txt").write_text(CHANGSHA, encoding="utf-8")
    (good / "list.json").write_text(json.dumps([{"name": "某某苑", "city": "长沙市", "province": "湖南省"}],
                                               ensure_ascii=False), encoding="utf-8")
    data = tmp_path / "data"
    ok = loupan("ingest", str(good), "--workers", "0", "--quiet", data_dir=data)
    assert (ok.returncode, ok.stderr, ok.stdout) == (0, b"", b"")
    assert (data / "rejects.jsonl").read_text(encoding="utf-8") == ""

    (bad / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    (bad / "empty.md").write_text(" \n\u3000\n", encoding="utf-8")
    (bad / "truncated.json").write_text('[{"name": "某某苑", "city": "长沙', encoding="utf-8")
    (bad / "fields.jsonl").write_text('{"name": "甲苑", "city": "长沙市"}\n{"city": "长沙市"}\n', encoding="utf-8")
    (bad / "encoding.txt").write_bytes("长沙市住建局".encode("gbk") + b"\xff")
    (bad / "damaged.txt").write_bytes("长沙".encode() + b"\xff\xfe\x80" + "住建局".encode())  # not GB18030 mojibake
    (bad / "big.html").write_text("<p>" + CHANGSHA * 50 + "</p>", encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    mixed = loupan("ingest", str(good), str(bad), str(tmp_path / "nowhere"), "--workers", "0", "--rejects",
                   str(rejects), "--json", data_dir=data, env={"LOUPAN_MAX_INPUT_BYTES": "2000"})
    assert mixed.returncode == 1, mixed.stderr.decode()
    lines = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    reasons = {Path(r["input"]).name: r["reason"] for r in lines}
    assert len(lines) == len(reasons) == 8
    assert reasons["binary.txt"].startswith("looks binary")
    assert reasons["empty.md"].startswith("is empty")
    assert reasons["truncated.json"].startswith("not valid JSON")
    assert reasons["fields.jsonl:2"] == "the record has no 'name' (the project's name)"
    assert reasons["encoding.txt"].startswith("neither UTF-8 nor GB18030")
    assert reasons["damaged.txt"].startswith("is UTF-8 with 3 invalid byte(s), the first at byte 6")
    assert reasons["big.html"] == f"is {(bad / 'big.html').stat().st_size} bytes, over the limit of 2000 " \
                                  "(LOUPAN_MAX_INPUT_BYTES); split it or raise the limit"
    assert reasons["nowhere"].startswith("no such file or directory")
    summary = json.loads(mixed.stdout)
    assert (summary["unchanged"], summary["records"], summary["rejects"]) == (2, 1, 8)
    assert b"rejected: " in mixed.stderr and b"8 inputs rejected" in mixed.stderr

    again = loupan("ingest", str(bad / "fields.jsonl"), "--workers", "0", "--quiet", "--rejects", str(rejects),
                   data_dir=data)
    assert again.returncode == 1  # held unchanged, and its bad record is still reported
    assert [json.loads(x)["input"] for x in rejects.read_text(encoding="utf-8").splitlines()] == \
        [f"{bad / 'fields.jsonl'}:2"]
    assert loupan("ingest", data_dir=data).returncode == 2  # usage: nothing named
