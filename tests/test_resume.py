"""Killed at any moment, a re-run finishes the job: `loupan ingest` is killed with SIGKILL twice in the
middle of a large batch, run again, and its export is compared with an uninterrupted run's.

The batch is generated from the bundled real reports: each text with some names swapped (郑州 →
开封 …) and a distinct ending, with its metadata in a sidecar. Both stores first hold one copy of each
variant text, so that the names the graph teaches the extractor are the same whenever a report is
extracted; what the batch itself teaches would otherwise reach a report in an uninterrupted run a
few chunks later than in a resumed one.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loupan.cli import sample_dir
from loupan.graph.store import GraphStore

from .conftest import BACKENDS
from .neo4j_fixture import new_neo4j_store

SWAPS = [("", ""), ("郑州", "开封"), ("长沙", "株洲"), ("河南", "湖北"), ("恒大", "融创"), ("碧桂园", "阳光城")]
ENDINGS = 8  # copies of each variant, told apart by their last line
KILLS = (0.25, 0.6)  # kill once this share of the batch is reported done, then once more
WORKERS = "2"


def variants() -> Iterator[tuple[str, str, dict[str, str]]]:
    """(name, text, metadata) of each distinct variant of each bundled report."""
    news = sample_dir() / "news"
    index = {e["file"]: e for e in json.loads((news / "index.json").read_text(encoding="utf-8"))}
    for k, (old, new) in enumerate(SWAPS):
        for path in sorted(news.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            if old and old not in text:
                continue
            meta = index.get(path.name, {})
            yield (f"v{k}-{path.stem}", text.replace(old, new) if old else text,
                   {"title": meta.get("title", ""), "outlet": meta.get("source_outlet", ""),
                    "publishedAt": meta.get("publication_date", "")})


class Inputs:
    def __init__(self, root: Path) -> None:
        self.seed, self.batch = root / "seed", root / "batch"
        self.seed.mkdir()
        self.batch.mkdir()
        self.files = 0
        seeds, texts = set(), set()  # distinct texts: a report without a swapped name recurs
        for name, text, meta in variants():
            (self.seed / f"{name}.txt").write_text(text, encoding="utf-8")
            seeds.add(text)
            for ending in range(1, ENDINGS + 1):
                path = self.batch / f"{name}-{ending}.txt"
                path.write_text(text + "\n" + "—" * ending, encoding="utf-8")
                path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False),
                                                                    encoding="utf-8")
                texts.add(text + "\n" + "—" * ending)
                self.files += 1
        self.seeded, self.reports = len(seeds), len(texts)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    return Inputs(tmp_path_factory.mktemp("inputs"))


class Target:
    """Where the CLI writes: an embedded store directory, or the test Neo4j server (one database,
    wiped between the two runs)."""

    def __init__(self, backend: str, root: Path, info: dict[str, Any] | None) -> None:
        self.backend, self.root, self.info = backend, root, info

    def env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOUPAN_")}
        env["LOUPAN_DATA_DIR"] = str(self.root / name)
        if self.info is not None:
            env.update(LOUPAN_NEO4J_URI=self.info["uri"], LOUPAN_NEO4J_USER=self.info["user"],
                       LOUPAN_NEO4J_PASSWORD=self.info["password"])
            if self.info.get("database"):
                env["LOUPAN_NEO4J_DATABASE"] = self.info["database"]
        return env

    def fresh(self) -> None:
        if self.info is not None:
            new_neo4j_store(self.info, fresh=True).close()

    def open(self, name: str) -> GraphStore:
        if self.info is not None:
            return new_neo4j_store(self.info, fresh=False)
        from loupan.graph.ladybug_store import LadybugStore

        return LadybugStore(self.root / name)


def cli(target: Target, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loupan.cli", *args], capture_output=True, text=True,
                          env=target.env(name), timeout=900, check=False)


def descendants(pid: int) -> set[int]:
    """The processes under ``pid`` (Linux ``/proc``): the extraction workers and their helpers."""
    try:
        children = {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()
    return children.union(*(descendants(c) for c in children))


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # an exited orphan nobody reaped is gone too


def ingest_killed(target: Target, name: str, batch: Path, after: int) -> None:
    """Run the batch, SIGKILL it once the progress line says ``after`` items are done, and check that
    its workers do not outlive it."""
    with subprocess.Popen([sys.executable, "-m", "loupan.cli", "ingest", str(batch), "--workers", WORKERS],
                          stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                          env=target.env(name)) as process:
        assert process.stderr is not None
        seen, helpers = "", set()
        for line in process.stderr:
            match = re.match(r"ingest: (\d+) done", line)
            if match and int(match.group(1)) >= after:
                helpers = descendants(process.pid)
                os.kill(process.pid, signal.SIGKILL)
                seen = line.strip()
                break
        process.wait(timeout=600)
    assert process.returncode == -signal.SIGKILL, f"the run ended before the kill: {seen!r}"
    assert len(helpers) >= int(WORKERS)
    deadline = time.monotonic() + 30
    while any(running(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in helpers if running(p)], "workers outlived the killed run"


def reports(target: Target, name: str) -> tuple[int, int]:
    """(complete, pending) reports in the store."""
    store = target.open(name)
    try:
        nodes = [n for n in store.iter_nodes() if n.type == "Report"]
    finally:
        store.close()
    return (sum(1 for n in nodes if "content_hash" in n.attrs), sum(1 for n in nodes if "writes" in n.attrs))


def export(target: Target, name: str) -> list[str]:
    done = cli(target, name, "export")
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_twice_then_rerun_equals_one_uninterrupted_run(
        backend: str, inputs: Inputs, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    info = None
    if backend == "neo4j":
        info = request.getfixturevalue("neo4j_info")
        if info is None:
            pytest.skip("Neo4j not configured: set LOUPAN_TEST_NEO4J=start or LOUPAN_TEST_NEO4J_URI")
    seed, batch, seeded, count = inputs.seed, inputs.batch, inputs.seeded, inputs.reports
    target = Target(backend, tmp_path, info)

    target.fresh()
    for args in (("ingest", str(seed), "--workers", "0", "--quiet"), ("ingest", str(batch), "--workers", WORKERS, "--quiet")):
        done = cli(target, "whole", *args)
        assert done.returncode == 0, done.stderr
    expected = export(target, "whole")
    assert reports(target, "whole") == (seeded + count, 0)

    target.fresh()
    assert cli(target, "resumed", "ingest", str(seed), "--workers", "0", "--quiet").returncode == 0
    ingest_killed(target, "resumed", batch, int(inputs.files * KILLS[0]))
    complete, _ = reports(target, "resumed")
    assert seeded < complete < seeded + count  # the kill fell in the middle of the batch
    ingest_killed(target, "resumed", batch, int(inputs.files * KILLS[1]))
    rerun = cli(target, "resumed", "ingest", str(batch), "--workers", WORKERS, "--json")
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["unchanged"] > 0 and summary["unchanged"] + summary["reports"] == inputs.files
    assert reports(target, "resumed") == (seeded + count, 0)  # nothing lost, nothing left half-written
    assert export(target, "resumed") == expected  # nothing doubled, nothing different
