"""The command-line contract, run as a user runs it: a real `loupan` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from loupan.cli import sample_dir


def loupan(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOUPAN_DATA_DIR": str(data_dir)}
    env.pop("LOUPAN_NEO4J_URI", None)
    return subprocess.run([sys.executable, "-m", "loupan.cli", *args], capture_output=True, text=True,
                          env=env, input=stdin, timeout=600, check=False)


def test_ingest_reports_bad_inputs_and_keeps_the_rest_then_exports(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "ok.jsonl").write_text('{"name": "某某苑（8月）", "city": "长沙", "province": "湖南", "developer": "新力"}\n'
                                     '{"name": ' + "\n", encoding="utf-8")
    (inputs / "broken.json").write_text("[{", encoding="utf-8")
    (inputs / "news.txt").write_bytes("长沙市住房和城乡建设局7月12日召开问题楼盘化解工作推进会。".encode("gb18030"))
    data = tmp_path / "data"
    done = loupan("ingest", str(inputs), "--json", data_dir=data)
    assert done.returncode == 1, done.stderr
    assert "broken.json: not valid JSON" in done.stderr
    assert "ok.jsonl:2: not valid JSON" in done.stderr
    summary = json.loads(done.stdout)
    assert summary["records"] == 1 and summary["reports"] == 1 and len(summary["errors"]) == 2

    exported = loupan("export", "--format", "jsonl", data_dir=data)
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    nodes = {o["id"]: o for o in lines if o["kind"] == "node"}
    rels = [o for o in lines if o["kind"] == "relationship"]
    project = next(o for o in nodes.values() if o["type"] == "Project")
    assert project["name"] == "某某苑" and project["attrs"]["notes"] == ["8月"]
    assert project["records"] == [f"{inputs / 'ok.jsonl'}:1"]
    assert any(o["type"] == "Agency" and "长沙" in o["name"] for o in nodes.values())  # GB18030 text read right
    assert all(r["sources"] for r in rels)
    assert {r["type"] for r in rels} >= {"DEVELOPS", "LOCATED_IN", "PART_OF", "MENTIONS"}

    again = loupan("ingest", str(inputs / "ok.jsonl"), str(inputs / "news.txt"), "--json", data_dir=data)
    assert json.loads(again.stdout)["unchanged"] == 2
    assert loupan("export", data_dir=data).stdout == exported.stdout


def test_extract_prints_the_scorer_format(tmp_path: Path) -> None:
    done = loupan("extract", "--json", str(sample_dir() / "news" / "seed.txt"), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["entities"] and out["relations"]
    text = (sample_dir() / "news" / "seed.txt").read_text(encoding="utf-8")
    for ent in out["entities"]:
        for m in ent["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]


def test_a_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from loupan.graph.ladybug_store import "
                               f"LadybugStore; s = LadybugStore({str(tmp_path / 'd')!r}); print('open', flush=True); "
                               "sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        done = loupan("ingest", str(sample_dir() / "records"), data_dir=tmp_path / "d")
        assert done.returncode == 2
        assert "Only one process can write to it at a time" in done.stderr
    finally:
        holder.communicate("", timeout=30)
