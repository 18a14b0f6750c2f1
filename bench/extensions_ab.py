"""The schema's one extension (``api.schema.OperationLimits``) against strawberry's four that did its
jobs before (``MaxTokensLimiter``, ``AddValidationRules``, ``ParserCache``, ``ValidationCache``), in
one process, executions paired.

    python bench/extensions_ab.py --scale 10000 --query neighbours,flagship,search --pairs 2000

Both schemas are the app's types and executor over the same store (a Neo4j server started on the
generated graph, as ``bench_queries.py`` starts it), each execution with a new ``Context`` and its
answer encoded, as ``bench_queries.executor`` runs them. After a warm-up, the two sides take turns
execution by execution (the order turning each pair), so that this machine's speed, which drifts by
a fifth within minutes, weighs on both alike. Prints per query the median and mean CPU ms of this
process per execution on each side and the median and mean of the paired differences (one minus
four).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import generate  # noqa: E402
from bench_queries import QUERIES, neo4j_store, paired, variables  # noqa: E402


def four_extensions() -> Any:
    """The app's schema as it was configured with strawberry's four extensions."""
    import strawberry
    from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache

    from loupan.api import schema as app

    return app.require_reader(strawberry.Schema(
        query=app.Query, mutation=app.Mutation, types=[app.Entity, app.Developer],
        execution_context_class=app.LeafFastPathExecutor,
        extensions=[lambda: MaxTokensLimiter(max_token_count=app.MAX_QUERY_TOKENS),
                    lambda: AddValidationRules(list(app._LIMIT_RULES)),
                    lambda: ParserCache(maxsize=app.CACHED_QUERIES),
                    lambda: ValidationCache(maxsize=app.CACHED_QUERIES)]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(10_000, 100_000, 1_000_000), default=10_000)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--query", default="neighbours,flagship,search")
    parser.add_argument("--warm", type=int, default=300, help="executions per side before measuring")
    parser.add_argument("--pairs", type=int, default=2000)
    args = parser.parse_args()
    # what bench_queries.neo4j_store reads of its own arguments: the defaults
    args.neo4j_uri = args.neo4j_data_dir = args.neo4j_heap = args.neo4j_page_cache = args.batch = None
    from loupan.api.app import Router
    from loupan.api.context import Context
    from loupan.api.schema import schema
    from loupan.graph.search import CachedIndex, settle_heap

    sides = {"one": schema, "four": four_extensions()}
    encode = Router(schema).encode_json
    with neo4j_store(args.scale, args.seed, args) as (store, anchors, _raw):
        index = CachedIndex(store)

        async def execute(side: str, query: str, values: dict[str, Any]) -> float:
            started = time.process_time()
            result = await sides[side].execute(query, variable_values=values,
                                               context_value=Context(store=store, index=index))
            if result.errors:
                raise SystemExit(f"extensions_ab: the query failed on side {side!r}: {result.errors}")
            encode({"data": result.data})
            return (time.process_time() - started) * 1000

        async def measure(name: str) -> dict[str, list[float]]:
            query, values = QUERIES[name], variables(name, anchors)
            async with store.reads_on_loop():  # as the app holds it
                for side in sides:
                    for _ in range(args.warm):
                        await execute(side, query, values)
                settle_heap()
                spent: dict[str, list[float]] = {side: [] for side in sides}
                for i in range(args.pairs):
                    for side in (list(sides) if i % 2 == 0 else list(sides)[::-1]):
                        spent[side].append(await execute(side, query, values))
                return spent

        for name in args.query.split(","):
            if name not in QUERIES:
                raise SystemExit(f"extensions_ab: no query {name!r}; there are {', '.join(QUERIES)}")
            spent = asyncio.run(measure(name))
            print(f"{name}: CPU ms per execution, median / mean: "
                  f"{paired(spent, 'one', 'four', ('one extension', 'four'))}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
