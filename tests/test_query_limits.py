"""The query limits (depth, aliases, tokens) hold on every request, also when the query's text has
been parsed and validated before and comes from the caches."""

from __future__ import annotations

import asyncio

import pytest

from loupan.api.schema import MAX_ALIASES, MAX_QUERY_DEPTH, MAX_QUERY_TOKENS, schema


def errors_of(query: str) -> list[str]:
    result = asyncio.run(schema.execute(query))
    return [e.message for e in result.errors or []]


def nested(depth: int) -> str:
    inner = "id"
    for _ in range(depth - 1):
        inner = f"place {{ {inner} }}"
    return f'{{ entity(id: "x") {{ {inner} }} }}'


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_limits_hold_when_the_text_comes_from_the_caches(attempt: int) -> None:
    assert not any("exceeds maximum" in m for m in errors_of(nested(MAX_QUERY_DEPTH)))
    too_deep = errors_of(nested(MAX_QUERY_DEPTH + 1))
    assert any("exceeds maximum operation depth" in m for m in too_deep), too_deep
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES + 1)) + " }"
    assert any("aliases" in m for m in errors_of(aliases)), errors_of(aliases)
    assert errors_of("{ " + " ".join(f"a{i}: __typename" for i in range(MAX_ALIASES)) + " }") == []
    tokens = "{ " + " ".join("__typename" for _ in range(MAX_QUERY_TOKENS)) + " }"
    assert any("token" in m.lower() for m in errors_of(tokens)), errors_of(tokens)[:1]
    assert errors_of("{ __typename }") == []


def test_a_text_seen_before_is_neither_parsed_nor_validated_again() -> None:
    from loupan.api import schema as module

    text = "{ __typename a: __typename }"
    errors_of(text)
    parsed, validated = module._parse.cache_info(), module._validate.cache_info()
    assert errors_of(text) == []
    assert module._parse.cache_info().misses == parsed.misses
    assert module._parse.cache_info().hits == parsed.hits + 1
    assert module._validate.cache_info().misses == validated.misses
    assert module._validate.cache_info().hits == validated.hits + 1
    assert module._parse.cache_info().maxsize == module._validate.cache_info().maxsize == module.CACHED_QUERIES
