"""bench/extensions_ab.py compares like with like: strawberry's four extensions, as the schema had
them, refuse and accept the same texts with the same errors as the schema's one extension."""

from __future__ import annotations

import asyncio
from pathlib import Path

from loupan.api.schema import MAX_ALIASES, MAX_QUERY_DEPTH, MAX_QUERY_TOKENS, schema

from .scripts import load_script
from .test_query_limits import nested

script = load_script(Path(__file__).resolve().parent.parent / "bench" / "extensions_ab.py")


def test_the_four_extensions_answer_as_the_one_does() -> None:
    four = script.four_extensions()
    texts = [
        nested(MAX_QUERY_DEPTH + 1),
        "{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1)) + " }",
        "{ " + " ".join("__typename" for _ in range(MAX_QUERY_TOKENS)) + " }",
        "{ __typename }",
        "{ nothing }",
        "{ __typename",
    ]
    for text in texts * 2:  # the second time from the caches
        one_result, four_result = (asyncio.run(s.execute(text)) for s in (schema, four))
        assert one_result.data == four_result.data, text
        assert [e.message for e in one_result.errors or []] == [e.message for e in four_result.errors or []], text
    assert asyncio.run(four.execute("{ __typename }")).data == {"__typename": "Query"}
