"""On ``PYTHONPATH``, has a request read up to ``queries.TASK_FORCES_AT_ONCE`` of its cities' task
forces in the projects' statement even when it is alone in its process, as before
``queries.TASK_FORCES_ALONE``: the reading chosen for a loaded server, whatever the load. For
measuring, never for serving."""

from loupan.graph import queries

queries.TASK_FORCES_ALONE = queries.TASK_FORCES_AT_ONCE
