"""Regression floor: the extractor against the hand-labelled fixture reports (scorer's matching rules)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loupan.extract_cli import _published_from_index
from loupan.ingest.extract import extract
from tests.extract_scoring import new_counts, score_doc, totals

FIXTURES = Path(__file__).parent / "fixtures"
GOLD = sorted((FIXTURES / "gold").glob("*.json"))
# Floors a little under what the extractor reaches (entity 0.96, relation 0.90 at rules-2).
ENTITY_FLOOR = 0.93
RELATION_FLOOR = 0.85


def _predict(gold_path: Path) -> dict[str, Any]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text_path = FIXTURES / "news" / gold.get("file", gold_path.stem + ".txt")
    text = text_path.read_text(encoding="utf-8")
    out: dict[str, Any] = extract(text, published=_published_from_index(text_path)).to_json()
    return out


def test_gold_fixtures_present() -> None:
    assert len(GOLD) == 7


def test_f1_on_gold_reaches_floor() -> None:
    counts = new_counts()
    for gold_path in GOLD:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        score_doc(gold, _predict(gold_path), counts)
    entity_f1, relation_f1 = totals(counts, "ent"), totals(counts, "rel")
    assert entity_f1 >= ENTITY_FLOOR, f"entity F1 {entity_f1:.3f}"
    assert relation_f1 >= RELATION_FLOOR, f"relation F1 {relation_f1:.3f}"


@pytest.mark.parametrize("gold_path", GOLD, ids=[p.stem for p in GOLD])
def test_every_mention_quotes_the_original(gold_path: Path) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = (FIXTURES / "news" / gold.get("file", gold_path.stem + ".txt")).read_text(encoding="utf-8")
    pred = _predict(gold_path)
    ids = set()
    for ent in pred["entities"]:
        ids.add(ent["id"])
        assert ent["mentions"], ent
        for m in ent["mentions"]:
            assert text[m["start"] : m["end"]] == m["text"]
    for rel in pred["relations"]:
        assert rel["source"] in ids and rel["target"] in ids
        ev = rel["evidence"]
        assert text[ev["start"] : ev["end"]] == ev["text"] and ev["text"]


def test_cli_prints_the_scorer_format_and_reads_the_index() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loupan.extract_cli", "--json", str(FIXTURES / "news" / "seed.txt")],
        capture_output=True, text=True, check=True, timeout=120,
    )
    out = json.loads(done.stdout)
    assert set(out) >= {"entities", "relations"}
    dates = {e["attrs"].get("date") for e in out["entities"] if e["type"] == "Event"}
    assert "2022-07-15" in dates  # 7月15日 resolved with the index's publication date 2022-07


def test_cli_reads_stdin_and_rejects_empty_input() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "loupan.extract_cli", "--json", "--published", "2022-07-14", "-"],
        input="郑州市住房保障和房地产管理局相关负责人表示".encode(), capture_output=True, check=True, timeout=120,
    )
    assert any(e["type"] == "Agency" for e in json.loads(ok.stdout)["entities"])
    bad = subprocess.run(
        [sys.executable, "-m", "loupan.extract_cli", "--json", "-"], input=b"  \n", capture_output=True, timeout=120, check=False
    )
    assert bad.returncode == 2 and b"empty" in bad.stderr


def test_english_report_does_not_crash() -> None:
    text = (FIXTURES / "news" / "25.txt").read_text(encoding="utf-8")
    out = extract(text, published="2021-10-04")
    assert isinstance(out.to_json()["entities"], list)
