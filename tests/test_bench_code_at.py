"""bench/code_at.sh lays one commit's application code out as an importable package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "code_at.sh"


def test_a_commits_code_is_imported_from_its_tree_in_a_process_started_outside_the_checkout(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    made = subprocess.run(["sh", str(SCRIPT), "HEAD", str(tree)], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tree / "loupan").iterdir() if p.is_dir() and p.name != "__pycache__") \
        == ["api", "graph", "ingest", "sample", "schema"]
    probe = ("import loupan, loupan.graph.queries, loupan.api.types, loupan.schema; "
             "print(loupan.graph.queries.__file__); print(loupan.api.types.__file__)")
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(tree)},
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert all(Path(line).is_relative_to(tree) for line in run.stdout.split()), run.stdout
    refused = subprocess.run(["sh", str(SCRIPT), "HEAD"], capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and "usage" in refused.stderr
