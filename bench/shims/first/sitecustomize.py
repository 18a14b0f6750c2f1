"""On ``PYTHONPATH``, has the API read a developer before its ``taskForcesByCity``, in a statement of
its own, as it did before ``GraphStore.developer_in_projects_read``: the flagship in two statements,
not one. For measuring, never for serving."""

from loupan.graph.neo4j_store import Neo4jStore

Neo4jStore.developer_in_projects_read = False
