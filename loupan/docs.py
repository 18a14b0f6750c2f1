"""The README's GraphQL examples, run for real: ``python -m loupan.docs`` rewrites each example's
output from the bundled sample; ``tests/test_docs.py`` fails when an output in the README is stale.

An example in README.md is a ```graphql block directly preceded by ``<!-- example -->`` and directly
followed by a ```json block holding its output.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

EXAMPLE = re.compile(r"(<!-- example -->\n```graphql\n)(?P<query>.*?)(\n```\n+```json\n)(?P<output>.*?)(```)", re.S)


def run_query(store: Any, query: str) -> dict[str, Any]:
    from loupan.api.context import Context
    from loupan.api.schema import schema
    from loupan.graph.search import CachedIndex

    async def go() -> dict[str, Any]:
        result = await schema.execute(query, context_value=Context(store=store, index=CachedIndex(store)))
        if result.errors:
            raise RuntimeError(f"README example failed: {result.errors[0].message}\n{query}")
        return dict(result.data or {})

    return asyncio.run(go())


def render(data: dict[str, Any]) -> str:
    return json.dumps({"data": data}, ensure_ascii=False, indent=2) + "\n"


def examples(text: str) -> list[tuple[str, str]]:
    return [(m.group("query"), m.group("output")) for m in EXAMPLE.finditer(text)]


def refreshed(text: str, store: Any) -> str:
    return EXAMPLE.sub(lambda m: m.group(1) + m.group("query") + m.group(3) + render(run_query(store, m.group("query")))
                       + m.group(5), text)


def sample_store(path: Path) -> Any:
    from loupan.cli import sample_dir
    from loupan.graph.ladybug_store import LadybugStore
    from loupan.ingest.pipeline import Ingestor

    store = LadybugStore(path)
    Ingestor(store).ingest_paths([sample_dir() / "records", sample_dir() / "news"])
    return store


def main() -> int:
    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    with tempfile.TemporaryDirectory() as tmp:
        store = sample_store(Path(tmp) / "store")
        readme.write_text(refreshed(readme.read_text(encoding="utf-8"), store), encoding="utf-8")
        store.close()
    print(f"refreshed {len(examples(readme.read_text(encoding='utf-8')))} examples in {readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
