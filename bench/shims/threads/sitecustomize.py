"""On ``PYTHONPATH``, keeps the API's small reads in threads (``Neo4jStore.reads_on_loop`` as the
generic store's: the blocking driver through ``asyncio.to_thread``), as before they moved to the
driver's asyncio API. For measuring, never for serving."""

from loupan.graph.neo4j_store import Neo4jStore
from loupan.graph.store import GraphStore

Neo4jStore.reads_on_loop = GraphStore.reads_on_loop  # type: ignore[method-assign]
