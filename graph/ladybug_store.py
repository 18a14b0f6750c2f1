"""The embedded store: ladybug (the maintained fork of Kùzu), one directory, zero set-up.

One process may write at a time; a second writer gets a clear :class:`StoreUnavailable`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import ladybug

from loupan.errors import StoreError, StoreUnavailable
from loupan.graph.cypher import ladybug as dialect
from loupan.graph.store import DEFAULT_BATCH_SIZE, GraphStore, Query


class LadybugStore(GraphStore):
    dialect = dialect
    name = "ladybug"

    def __init__(self, path: str | Path, *, read_only: bool = False, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        super().__init__(batch_size)
        self.path = Path(path)
        self.read_only = read_only
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            self._db = ladybug.Database(str(self.path / "graph.lbug"), read_only=read_only)
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as e:
            raise StoreUnavailable(
                f"cannot open the embedded store in {self.path}: {e}. Only one process can write to it "
                "at a time: stop the other loupan process (a running `loupan serve`?) or set "
                "LOUPAN_DATA_DIR to another directory."
            ) from e
        self._lock = threading.RLock()
        if not read_only:
            self.apply_schema()

    def _read(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        columns, rows = self._read_rows(query, params)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def _read_rows(self, query: str, params: dict[str, Any]) -> tuple[list[str], Sequence[Sequence[Any]]]:
        with self._lock:
            try:
                result = self._conn.execute(query, params)
            except RuntimeError as e:
                raise StoreError(f"embedded store query failed: {e}") from e
            assert not isinstance(result, list)
            return result.get_column_names(), cast(list[list[Any]], result.get_all())  # lists, not dicts

    def _node_queries(self, rows: list[dict[str, Any]]) -> list[Query]:
        # One writer process: the ids found now cannot change before the batch is written.
        found = {r["id"] for r in self._read(*dialect.existing_ids([r["id"] for r in rows]))}
        new = [r for r in rows if r["id"] not in found]
        old = [r for r in rows if r["id"] in found]
        return ([dialect.create_nodes(new)] if new else []) + ([dialect.update_nodes(old)] if old else [])

    def _write_batch(self, queries: Sequence[Query]) -> None:
        with self._lock:
            self.round_trips += len(queries)
            try:
                self._conn.execute("BEGIN TRANSACTION")
                for query, params in queries:
                    self._conn.execute(query, params)
                self._conn.execute("COMMIT")
            except RuntimeError as e:
                with contextlib.suppress(RuntimeError):
                    self._conn.execute("ROLLBACK")
                raise StoreError(f"embedded store write failed: {e}") from e

    def close(self) -> None:
        with self._lock:
            self._conn.close()
            self._db.close()
