"""Docs stay true: the README's GraphQL examples give the output the README shows."""

from __future__ import annotations

import json
from pathlib import Path

from loupan.docs import examples, render, run_query, sample_store

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_examples_match_the_sample(tmp_path: Path) -> None:
    found = examples(README.read_text(encoding="utf-8"))
    assert found, "README.md has no <!-- example --> blocks"
    store = sample_store(tmp_path / "store")
    try:
        for query, output in found:
            fresh = render(run_query(store, query))
            assert json.loads(output) == json.loads(fresh), (
                f"README output is stale for:\n{query}\nrun `python -m loupan.docs` to refresh it")
    finally:
        store.close()


def test_readme_names_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
