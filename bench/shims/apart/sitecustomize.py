"""On ``PYTHONPATH``, puts ``queries.TASK_FORCES_AT_ONCE`` back at 1,000, as it was before the limit
was measured (``bench/task_forces_at_once.py``): the 1M graph's flagship reads its cities' 3,882
task forces apart, in parts side by side. For measuring, never for serving."""

from loupan.graph import queries

queries.TASK_FORCES_AT_ONCE = 1000
