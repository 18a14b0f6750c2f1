"""Questions analysts ask, composed from the store's batched primitives (no Cypher here: every
round trip is one call on :class:`GraphStore`, whatever the number of entities involved)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from loupan.graph.cypher import Fields
from loupan.graph.model import Edge, Node, city_code, code_prefix  # the division rules live with the model
from loupan.graph.store import GraphStore

MAX_SUBSIDIARY_DEPTH = 4


@dataclass(slots=True)
class TaskForceLink:
    task_force: Node
    via: str                       # "project": it handles one of the projects; "city": it is the city's
    edges: Sequence[Edge] = ()     # the HANDLES edges, for "project"; a city's thousands share the ()


@dataclass(slots=True)
class CityGroup:
    """A city's projects and task forces: ``handling`` (via "project", with their edges) and, after
    them, ``in_city``, the city's other task forces (via "city") in id order, kept as nodes: a city
    holds up to thousands of these, and a link object each took 0.48 ms to make for the 3,882 of the
    1M flagship, of the 11.2 ms its Python side took then (the API makes its own objects from the
    nodes)."""

    city: Node | None
    city_code: str
    projects: list[Node] = field(default_factory=list)
    handling: list[TaskForceLink] = field(default_factory=list)
    in_city: list[Node] = field(default_factory=list)

    @property
    def task_forces(self) -> list[TaskForceLink]:
        """Every link, those handling its projects first."""
        return self.handling + [TaskForceLink(node, "city") for node in self.in_city]

    def task_force_count(self) -> int:
        return len(self.handling) + len(self.in_city)


def projects_of(store: GraphStore, developer_id: str, fields: Fields = None) -> list[Node]:
    """The projects a developer and its subsidiaries (transitively, up to ``MAX_SUBSIDIARY_DEPTH``
    levels) develop: one round trip. ``fields``: as for :meth:`GraphStore.get_nodes`."""
    return store.developer_projects(developer_id, MAX_SUBSIDIARY_DEPTH, fields)


TASK_FORCE_PAGE = 5000


def _all_task_forces_in(store: GraphStore, prefixes: list[str], fields: Fields) -> list[Node]:
    """Every task force whose division code starts with one of ``prefixes``, page by page (one round
    trip unless there are more than ``TASK_FORCE_PAGE``)."""
    found: list[Node] = []
    while True:
        page = store.list_nodes(["TaskForce"], prefixes, len(found), TASK_FORCE_PAGE, fields=fields)
        found += page
        if len(page) < TASK_FORCE_PAGE:
            return found


# At most this many of the cities' task forces are read in the statement that reads the projects
# (``GraphStore.developer_projects_with_city_task_forces``, where the store can); more are read apart,
# in parts side by side. Measured on the 1M-node Neo4j graph, one client, developers picked by how
# many task forces their cities hold, one statement against apart (``bench/task_forces_at_once.py``;
# ``bench/README.md``, item 2 of "One extension for the limits and the caches; …"): one statement
# cost less CPU in this process at every count measured, 216 to 6,467, and in the server at all but
# one (1,075: 5.0 against 4.9 ms); the flagship's 3,882, two runs: 12.2-16.3 against 16.1-20.8 ms
# here, 17.0-20.9 against 21.1-23.8 in the server. Its wall time, against the parts', was 1.2 ms
# shorter to 2.3 ms longer up to 3,882, 10% longer at 4,962 and 15% at 6,467.
# Served (``bench/work_slots.py`` beside ``bench/shims/apart``, the limit back at 1,000), the 1M
# flagship: 26.7 against 23.1 requests/s with 32 clients (the peer's 26.7), but 22.8 against 25.4
# with one (p50 43.0 against 38.0 ms): with a core idle, the parts side by side answered sooner.
# Measured again once the developer was read in the same statement and a request's context was freed
# with its answer, one client (``bench/README.md``, item 4 of "One statement for the developer and
# its cities; …"): 23.70 requests/s at once against 23.92 apart, p50 40.7 against 41.3 ms, the
# server's CPU 15.6 against 27.8 ms per request. Reading apart when idle no longer pays.
TASK_FORCES_AT_ONCE = 4000
# Parts the cities' task forces are read in, side by side with each other and with the cities,
# where the store runs reads concurrently (``GraphStore.concurrent_reads``). Measured on the 1M-node
# Neo4j graph, the flagship's 12 cities (3,882 task forces) and their nodes, median of 30 warm
# repetitions in one client: 55.5 ms one read after the other, 37.6 ms as two halves and the
# cities at once (``bench/README.md``, "Fewer statements, a code index per label").
READ_PARTS = 2
# Threads for reads sent side by side, shared by every request (made idle: a thread starts on the
# first submission). The tasks run here never submit to it, so they cannot wait on each other.
_READS = ThreadPoolExecutor(max_workers=4 * (READ_PARTS + 1), thread_name_prefix="loupan-read")


def _city_reads(store: GraphStore, prefixes: list[str], city_ids: list[str],
                fields: GroupFields) -> tuple[dict[str, list[Node]], dict[str, Node]]:
    """The task forces inside each of ``prefixes`` (distinct), each prefix's in id order, and the
    nodes of ``city_ids`` (none: no read). The task forces are listed by type, so their labels are
    read only if asked for (a list per node: most of the cost of decoding thousands of rows)."""
    tf_fields = _with(fields.task_forces, "code")
    if not prefixes:
        return {}, store.get_nodes(city_ids, fields.cities)
    if not store.concurrent_reads:
        parts = [prefixes]
        found = [_all_task_forces_in(store, prefixes, tf_fields)]
        cities = store.get_nodes(city_ids, fields.cities)
    else:
        parts = [prefixes[i::READ_PARTS] for i in range(min(READ_PARTS, len(prefixes)))]
        city_read = _READS.submit(store.get_nodes, city_ids, fields.cities) if city_ids else None
        reads = [_READS.submit(_all_task_forces_in, store, part, tf_fields) for part in parts[1:]]
        first = _all_task_forces_in(store, parts[0], tf_fields)  # in this thread, which would only wait
        found = [first, *(r.result() for r in reads)]
        cities = city_read.result() if city_read else {}
    # Each prefix is grouped from the one part that read it, whose nodes are in id order: no merge,
    # no sort. A look-up per prefix length, not a startswith per prefix and task force.
    in_prefix: dict[str, list[Node]] = {}
    for part, nodes in zip(parts, found, strict=True):
        prefix_set, lengths = set(part), sorted({len(p) for p in part})
        for node in nodes:
            code = node.code
            for n in lengths:
                if code[:n] in prefix_set:
                    in_prefix.setdefault(code[:n], []).append(node)
    return in_prefix, cities


@dataclass(frozen=True, slots=True)
class GroupFields:
    """The node properties each part of a :func:`task_forces_by_city` answer is read for, as
    ``fields`` of :meth:`GraphStore.get_nodes` (None: all): what is needed to group is added."""

    projects: Fields = None
    cities: Fields = None
    task_forces: Fields = None

    def covers(self, other: GroupFields) -> bool:
        """Whether an answer read for these fields holds every property ``other`` reads."""
        return all(mine is None or (theirs is not None and set(theirs) <= set(mine))
                   for mine, theirs in ((self.projects, other.projects), (self.cities, other.cities),
                                        (self.task_forces, other.task_forces)))


def _with(fields: Fields, *needed: str) -> Fields:
    return None if fields is None else {*fields, *needed}


def _union(a: Fields, b: Fields) -> Fields:
    return None if a is None or b is None else {*a, *b}


def task_forces_by_city(store: GraphStore, developer_id: str, fields: GroupFields = GroupFields()) -> list[CityGroup]:
    """A developer's projects (its subsidiaries' included) grouped by city, with the task forces
    that handle each project directly and those set up for problem projects in that city."""
    return _task_forces_by_city(store, developer_id, fields, False)[1]


def developer_with_task_forces_by_city(store: GraphStore, developer_id: str,
                                       fields: GroupFields = GroupFields()) -> tuple[Node | None, list[CityGroup]]:
    """The node of ``developer_id`` (whole; None: there is none) and :func:`task_forces_by_city` of
    it, the node read in the projects' statement where the store can (one round trip, not two)."""
    return _task_forces_by_city(store, developer_id, fields, True)


def _task_forces_by_city(store: GraphStore, developer_id: str, fields: GroupFields,
                         developer: bool) -> tuple[Node | None, list[CityGroup]]:
    # the projects; their places (for their codes); the task forces handling them, with the edges;
    # where the store reads them in the same statement, the places' cities and, if there are few,
    # the cities' task forces (and the developer, if asked)
    projects, touching, ends, in_city_read, node = store.developer_projects_with_city_task_forces(
        developer_id, MAX_SUBSIDIARY_DEPTH, ["LOCATED_IN", "HANDLES"], _with(fields.projects, "code"),
        _union(_with(fields.task_forces, "code", "labels"), fields.cities), fields.task_forces,
        TASK_FORCES_AT_ONCE, developer)  # the statement groups the cities' task forces: no code needed
    if not projects:
        return node, []
    project_ids = {p.id for p in projects}
    place_of: dict[str, str] = {}
    handlers: dict[str, list[Edge]] = {}
    for e in touching:
        if e.type == "LOCATED_IN" and e.source in project_ids:
            place_of.setdefault(e.source, e.target)
        elif e.type == "HANDLES" and e.target in project_ids:
            handlers.setdefault(e.source, []).append(e)
    groups: dict[str, CityGroup] = {}
    for p in projects:
        place = ends.get(place_of.get(p.id, ""))
        code = city_code(place.code if place else p.code)
        groups.setdefault(code, CityGroup(city=None, city_code=code)).projects.append(p)
    prefixes = [code_prefix(c) for c in groups if c]
    city_ids = [f"Place:{c}" for c in groups if c]
    known = {i: ends[i] for i in city_ids if i in ends and "Place" in ends[i].labels}
    if in_city_read is None:
        in_city, cities = _city_reads(store, prefixes, [i for i in city_ids if i not in known], fields)
    else:  # the statement read every city there is, and its task forces
        in_city, cities = in_city_read, {}
    cities.update(known)
    for code, group in groups.items():
        group.city = cities.get(f"Place:{code}")
        group_ids = {p.id for p in group.projects}
        seen: set[str] = set()
        for tf_id, edges in handlers.items():
            tf = ends.get(tf_id)  # read with its labels, unlike the city's task forces
            if tf and "TaskForce" in tf.labels and any(e.target in group_ids for e in edges):
                group.handling.append(TaskForceLink(tf, "project", edges))
                seen.add(tf_id)
        # the city's task forces in id order, each once, after those handling its projects
        local = in_city.get(code_prefix(code), []) if code else []
        group.in_city = [n for n in local if n.id not in seen] if seen else local
    return node, sorted(groups.values(), key=lambda g: (-g.task_force_count(), -len(g.projects), g.city_code))
