"""The graph store: every byte that goes to or comes from a graph database passes through here."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loupan.config import Settings
    from loupan.graph.store import GraphStore


def open_store(settings: Settings, *, read_only: bool = False) -> GraphStore:
    """The store the settings name: Neo4j when a URI is set, else the embedded store."""
    if settings.neo4j_uri:
        from loupan.graph.neo4j_store import Neo4jStore

        store: GraphStore = Neo4jStore(
            settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password.get_secret_value(),
            settings.neo4j_database, batch_size=settings.batch_size,
        )
        store.apply_schema()
        return store
    from loupan.graph.ladybug_store import LadybugStore

    return LadybugStore(settings.data_dir, read_only=read_only, batch_size=settings.batch_size)
