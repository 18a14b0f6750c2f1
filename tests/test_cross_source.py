"""Cross-source resolution on real data: the crowd-sourced list and an older revision of it.

The older revision (``fixtures/weneedhome-older``, made by ``fixtures/weneedhome/make_older.py``)
carries the edits such lists really go through; its ``truth.tsv`` says which records are one
project. Both files go in through ``loupan ingest``, the graph comes out through ``loupan export``,
and pairwise precision and recall are computed from the ``records`` each Project node lists.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from loupan.cli import main

from .scripts import load_script

FIXTURES = Path(__file__).parent / "fixtures"
FLAT = FIXTURES / "weneedhome" / "properties-flat.json"
OLDER = FIXTURES / "weneedhome-older" / "properties-older.json"
TRUTH = FIXTURES / "weneedhome-older" / "truth.tsv"

Rec = tuple[str, int]


def truth_clusters() -> dict[Rec, str]:
    out: dict[Rec, str] = {}
    for line in TRUTH.read_text(encoding="utf-8").splitlines()[1:]:
        record, entity = line.split("\t")[:2]
        key: Rec = ("flat", int(record[5:])) if record.startswith("flat:") else ("older", int(record))
        out[key] = entity
    return out


def record_key(ref: str) -> Rec | None:
    path, _, index = ref.rpartition("#")
    name = Path(path).name
    if name == FLAT.name:
        return ("flat", int(index))
    if name == OLDER.name:
        return ("older", int(index))
    return None


def pairs(clusters: dict[str, list[Rec]]) -> set[tuple[Rec, Rec]]:
    return {(a, b) if a < b else (b, a) for members in clusters.values() for a, b in combinations(members, 2)}


def pairwise(export_lines: list[str], truth: dict[Rec, str]) -> tuple[float, float, dict[str, list[Rec]]]:
    predicted: dict[str, list[Rec]] = {}
    for line in export_lines:
        obj = json.loads(line)
        if obj["kind"] != "node" or obj["type"] != "Project":
            continue
        recs = [r for r in (record_key(ref) for ref in obj["records"]) if r in truth]
        if recs:
            predicted[obj["id"]] = recs
    seen = [r for members in predicted.values() for r in members]
    assert len(seen) == len(set(seen)), "a record is listed by two Project nodes"
    assert set(seen) == set(truth), "every record must be listed by some Project node"
    true_clusters: dict[str, list[Rec]] = {}
    for rec, entity in truth.items():
        true_clusters.setdefault(entity, []).append(rec)
    got, want = pairs(predicted), pairs(true_clusters)
    precision = len(got & want) / len(got) if got else 1.0
    recall = len(got & want) / len(want) if want else 1.0
    return precision, recall, predicted


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("cross")
    store, out = str(folder / "store"), folder / "export.jsonl"
    assert main(["ingest", "--quiet", "--store", store, str(FLAT)]) == 0
    assert main(["ingest", "--quiet", "--store", store, str(OLDER)]) == 0
    assert main(["export", "--format", "jsonl", "--store", store, "--output", str(out)]) == 0
    return out.read_text(encoding="utf-8").splitlines()


def test_generator_output_is_committed_and_current(tmp_path: Path) -> None:
    module: Any = load_script(FIXTURES / "weneedhome" / "make_older.py")
    module.OUT = tmp_path
    module.main()
    assert (tmp_path / "properties-older.json").read_text(encoding="utf-8") == OLDER.read_text(encoding="utf-8")
    assert (tmp_path / "truth.tsv").read_text(encoding="utf-8") == TRUTH.read_text(encoding="utf-8")


def test_pairwise_precision_and_recall(exported: list[str]) -> None:
    precision, recall, _ = pairwise(exported, truth_clusters())
    print(f"pairwise precision {precision:.4f} recall {recall:.4f}")
    assert precision >= 0.99
    assert recall >= 0.95


def test_the_metric_sees_mistakes() -> None:
    """The scorer itself: a wrong merge lowers precision, a missed one lowers recall."""
    truth = {("flat", 0): "a", ("older", 0): "a", ("flat", 1): "b", ("older", 1): "c"}
    lines = [json.dumps({"kind": "node", "type": "Project", "id": "P:x",
                         "records": [f"{FLAT}#0", f"{FLAT}#1"]}),
             json.dumps({"kind": "node", "type": "Project", "id": "P:y", "records": [f"{OLDER}#0"]}),
             json.dumps({"kind": "node", "type": "Project", "id": "P:z", "records": [f"{OLDER}#1"]})]
    precision, recall, _ = pairwise(lines, truth)
    assert (precision, recall) == (0.0, 0.0)


def test_distinct_projects_that_look_alike_stay_apart(exported: list[str]) -> None:
    truth = truth_clusters()
    _, _, predicted = pairwise(exported, truth)
    for members in predicted.values():
        entities = {truth[r] for r in members}
        decoys = {e for e in entities if e.startswith("decoy")}
        assert not decoys or len(entities) == 1, f"a look-alike was merged: {members}"
