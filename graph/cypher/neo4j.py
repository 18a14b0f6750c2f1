"""The Neo4j 5 dialect.

Nodes carry the label ``Entity`` plus their type labels (``:Entity:Person:Official``) and the same
properties as in the embedded store; relationships use their real types (``DEVELOPS``, …) with the
properties ``id``, ``type``, ``attrs`` and ``sources``. Labels and relationship types cannot be
parameters, so the upserts spell out every label / relationship type of ``schema/model.json`` in
their text, each behind a guard on the row's value (one statement per batch), and every identifier
written into the text is checked against the vocabulary first. Every value is a parameter.

What shapes this file:

- Neo4j has no ``list_distinct``: union-without-duplicates is a ``reduce`` (first-seen order kept).
- Relationship property indexes are per type, so a look-up of edges by id is a ``UNION ALL`` over
  the known types, each branch an index seek.
- The generation counter lives on ``(:LoupanMeta {key: 'generation'})``.
- Reads that can return many rows return one record instead: ``CALL () { <query> } RETURN
  collect({...}) AS loupan_rows`` (see :func:`one_record`). The Python driver spends about 45 µs of
  client CPU on each record (4,000 rows of two columns: 190 ms as records, 13 ms as one list), far
  more than the server spends finding them. Node reads return a list per column, the column names
  beside them (:func:`rows_record`): a list per row costs the client's decoding more than the values
  it holds. They become nodes by position (``GraphStore.read_nodes``).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from loupan.graph import cypher as common
from loupan.graph.cypher import checked_label, checked_type
from loupan.graph.model import MUNICIPALITY_PREFIXES, node_labels, relationship_types

Query = tuple[str, dict[str, Any]]

NODE_RETURN = common.NODE_RETURN
# Look-ups by id name the index they seek: right after a bulk delete the planner's statistics can
# claim an empty database, and a plan made then (and cached) would scan.
SEEK_N = "USING INDEX SEEK n:Entity(id)"
EDGE_RETURN = "e.id AS id, type(e) AS type, a.id AS source, b.id AS target, e.attrs AS attrs, e.sources AS sources"
# The order of the values in an edge row (:func:`edges_with_ends`, :func:`developer_projects_with_edges`):
# EDGE_RETURN's names, as ``Neo4jStore`` unpacks them.
EDGE_COLUMNS = ("id", "type", "source", "target", "attrs", "sources")


ROWS = "loupan_rows"
VALUES = "loupan_values"
COLUMNS = "loupan_columns"
_COLUMN = re.compile(r".+ AS (\w+)")


def one_record(query: Query) -> Query:
    """``query`` with all its rows in one record: the list of maps ``loupan_rows``, in the order the
    query returns them (the subquery's rows reach ``collect`` in that order), one key per column.

    The columns are the ``AS`` names of the query's last ``RETURN``, which must name every column.
    """
    text, params = query
    return f"CALL () {{ {text} }} RETURN collect({_map_of(_last_projection(text))}) AS {ROWS}", params


def rows_record(query: Query) -> Query:
    """:func:`one_record` by column: ``loupan_values`` holds a list per column of the query's rows
    (in their order), ``loupan_columns`` the columns' names; for reads turned into objects by
    position (``GraphStore.read_nodes``). No map with its keys per row, and no list per row either:
    the driver's decoding costs per list, about 0.3 µs each (the 1M flagship's statement, whose
    3,882 task forces come back the same way: 4.1 ms of the client's CPU as rows, 2.9 as columns)."""
    text, params = query
    names = _names(_last_projection(text))
    # collected in a WITH of its own: beside the names in the RETURN, the list literal would be a
    # grouping key, and no rows would make no groups, so no record. Split by a list comprehension,
    # not ``collect`` per column, which would drop the nulls and so shift the columns.
    columns = ", ".join(f"[r IN rows | r[{i}]]" for i in range(len(names)))
    return (f"CALL () {{ {text} }} WITH collect([{', '.join(names)}]) AS rows "
            f"RETURN [{columns}] AS {VALUES}, [{', '.join(repr(n) for n in names)}] AS {COLUMNS}", params)


def _last_projection(text: str) -> str:
    projection = text[text.rindex("RETURN ") + len("RETURN "):]
    return re.split(r" (?:ORDER BY|SKIP|LIMIT) ", projection, maxsplit=1)[0]


def _names(projection: str) -> list[str]:
    """The ``AS`` names of a ``RETURN`` projection's columns, each of which must have one."""
    named = [_COLUMN.fullmatch(item) for item in projection.split(", ")]
    if not all(named):
        raise ValueError(f"every returned column needs an AS name: {projection!r}")
    return [m.group(1) for m in named if m]


def _map_of(projection: str) -> str:
    """A map literal of the columns a ``RETURN`` projection names: ``{id: id, …}``."""
    return "{" + ", ".join(f"{n}: {n}" for n in _names(projection)) + "}"


# An edge as a list of EDGE_RETURN's columns, in EDGE_COLUMNS order: a list of values, where a map
# would carry its keys again in every row for the driver to decode (``bench/README.md``, item 4 of
# "One extension for the limits and the caches; …").
if tuple(_names(EDGE_RETURN)) != EDGE_COLUMNS:
    raise AssertionError(f"EDGE_COLUMNS {EDGE_COLUMNS} must name EDGE_RETURN's columns in order")
_EDGE_ROW = "[" + ", ".join(EDGE_COLUMNS) + "]"


def _node_row(columns: list[str], node: str = "n") -> str:
    """A list literal of ``node``'s properties ``columns``."""
    return "[" + ", ".join(f"{node}.{c}" for c in columns) + "]"


def name_rows(after: str, limit: int) -> Query:
    return one_record(common.name_rows(after, limit))


def nodes_after(after: str, limit: int) -> Query:
    return one_record(common.nodes_after(after, limit))


def _distinct(expr: str) -> str:
    """A Cypher expression: the list ``expr`` without duplicates, first-seen order kept."""
    return f"reduce(acc = [], x IN {expr} | CASE WHEN x IN acc THEN acc ELSE acc + x END)"


@cache
def _schema_statements() -> tuple[str, ...]:
    text = resources.files("loupan.schema").joinpath("constraints.cypher").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("//")]
    return tuple(s.strip() for s in "\n".join(lines).split(";") if s.strip())


def schema() -> list[str]:
    """The statements of ``schema/constraints.cypher``; each is idempotent (``IF NOT EXISTS``)."""
    return list(_schema_statements())


_SCHEMA_NAME = re.compile(r"^CREATE (?:FULLTEXT |RANGE |TEXT |POINT )?(?:CONSTRAINT|INDEX) (\w+) IF NOT EXISTS")


def schema_name(statement: str) -> str | None:
    """The name a schema statement gives its constraint or index (all of ours are named)."""
    match = _SCHEMA_NAME.match(statement)
    return match.group(1) if match else None


def schema_state() -> list[Query]:
    return [("SHOW INDEXES YIELD name, state", {}), ("SHOW CONSTRAINTS YIELD name", {})]


def await_indexes(seconds: int) -> Query:
    return "CALL db.awaitIndexes($seconds)", {"seconds": seconds}


# -- writes ------------------------------------------------------------------------------------

def _when(condition: str, update: str) -> str:
    """Cypher that runs the ``update`` clause for a row only when ``condition`` holds."""
    return f"FOREACH (_ IN CASE WHEN {condition} THEN [1] ELSE [] END | {update})"


@cache
def _upsert_nodes_text() -> str:
    # Every label of the vocabulary gets a guarded SET, so one statement (one plan, one round trip)
    # serves a batch of any mix of label sets; grouping by label set sent up to a dozen per batch.
    labels = " ".join(_when(f"'{checked_label(label)}' IN r.labels", f"SET n:{label}") for label in node_labels())
    return (
        "UNWIND $rows AS r MERGE (n:Entity {id: r.id}) "
        "ON CREATE SET n.type = r.type, n.labels = r.labels, n.name = r.name, n.aliases = r.aliases, "
        "n.key = r.key, n.code = r.code, n.level = r.level, n.date = r.date, n.attrs = r.attrs "
        "ON MATCH SET "
        "n.aliases = [x IN " + _distinct(
            "coalesce(n.aliases, []) + r.aliases + [CASE WHEN size(r.name) > size(n.name) "
            "THEN n.name ELSE r.name END]"
        ) + " WHERE x <> CASE WHEN size(r.name) > size(n.name) THEN r.name ELSE n.name END], "
        "n.name = CASE WHEN size(r.name) > size(n.name) THEN r.name ELSE n.name END, "
        "n.labels = " + _distinct("coalesce(n.labels, []) + r.labels") + ", "
        "n.key = CASE WHEN coalesce(n.key, '') = '' THEN r.key ELSE n.key END, "
        "n.code = CASE WHEN coalesce(n.code, '') = '' THEN r.code ELSE n.code END, "
        "n.level = CASE WHEN coalesce(n.level, '') = '' THEN r.level ELSE n.level END, "
        "n.date = CASE WHEN coalesce(n.date, '') = '' THEN r.date ELSE n.date END, "
        "n.attrs = CASE WHEN r.attrs = '{}' THEN n.attrs ELSE r.attrs END "
        + labels
    )


def upsert_nodes(rows: list[dict[str, Any]]) -> list[Query]:
    """One ``UNWIND … MERGE`` on ``Entity.id`` for the whole batch; each label is a guarded
    ``SET n:<Label>`` in the text (labels cannot be parameters), checked against the vocabulary.

    On a match: the longest name wins and the other goes to the aliases; aliases and labels are
    unions; empty key/code/level/date are filled; attrs are replaced only by a non-empty object.
    """
    for row in rows:
        for label in row["labels"]:
            checked_label(label)
    return [(_upsert_nodes_text(), {"rows": rows})] if rows else []


@cache
def _upsert_edges_text() -> str:
    # One guarded MERGE per relationship type of the vocabulary: one statement per batch whatever
    # the mix of types in it (the type is part of the pattern, never a value).
    merges = " ".join(_when(
        f"r.type = '{checked_type(rel_type)}'",
        f"MERGE (a)-[e:{rel_type} {{id: r.id}}]->(b) "
        "ON CREATE SET e.type = r.type, e.attrs = r.attrs, e.sources = r.sources "
        "ON MATCH SET e.sources = " + _distinct("coalesce(e.sources, []) + r.sources") + ", "
        "e.attrs = CASE WHEN r.attrs = '{}' THEN e.attrs ELSE r.attrs END",
    ) for rel_type in relationship_types())
    return ("UNWIND $rows AS r MATCH (a:Entity {id: r.source}) USING INDEX SEEK a:Entity(id) "
            "MATCH (b:Entity {id: r.target}) USING INDEX SEEK b:Entity(id) " + merges)


def upsert_edges(rows: list[dict[str, Any]]) -> list[Query]:
    """One ``UNWIND … MERGE`` for the whole batch, a guarded ``MERGE`` per relationship type;
    edges whose ends do not exist are skipped."""
    for row in rows:
        checked_type(row["type"])
    return [(_upsert_edges_text(), {"rows": rows})] if rows else []


def _edges_by_id(ids_param: str, returns: str = "e, a, b") -> str:
    """A ``CALL {}`` binding ``e`` (and its ends) for every edge whose id is in ``$<ids_param>``.

    Relationship indexes are per type, hence one index-seeking branch per known type.
    """
    branches = [
        f"MATCH (a:Entity)-[e:{checked_type(t)}]->(b:Entity) USING INDEX SEEK e:{checked_type(t)}(id) "
        f"WHERE e.id IN ${ids_param} RETURN {returns}"
        for t in relationship_types()
    ]
    return "CALL () { " + " UNION ALL ".join(branches) + " }"


def delete_nodes(ids: list[str]) -> Query:
    return f"MATCH (n:Entity) {SEEK_N} WHERE n.id IN $ids DETACH DELETE n", {"ids": ids}


def delete_edges(ids: list[str]) -> Query:
    return f"{_edges_by_id('ids', 'e')} DELETE e", {"ids": ids}


def set_edge_sources(rows: list[dict[str, Any]]) -> Query:
    return (f"{_edges_by_id('ids', 'e')} SET e.sources = $sources[e.id]",
            {"ids": [r["id"] for r in rows], "sources": {r["id"]: r["sources"] for r in rows}})


def bump_generation() -> Query:
    return ("MERGE (m:LoupanMeta {key: 'generation'}) ON CREATE SET m.value = 1 "
            "ON MATCH SET m.value = m.value + 1", {})


# -- reads -------------------------------------------------------------------------------------

def get_nodes(ids: list[str], fields: common.Fields = None) -> Query:
    return rows_record((f"MATCH (n:Entity) {SEEK_N} WHERE n.id IN $ids RETURN {common.node_return(fields)}", {"ids": ids}))


def _node_filter(types: list[str] | None, code_prefixes: list[str] | None,
                 dates: tuple[str, str] = ("", "")) -> tuple[str, dict[str, Any]]:
    """Types become label predicates (a type outside the vocabulary matches nothing, as in the
    embedded store); each code prefix is its own ``STARTS WITH`` so the code index can serve it.
    One type with prefixes names that type's code index (``schema/constraints.cypher``): a seek per
    prefix, whatever the planner's statistics say (right after a bulk delete they can make it
    choose ``entity_code`` and filter by label, reading every entity of the division). ``SEEK``,
    because a plain ``USING INDEX`` also allows a scan of the whole index, which stale statistics
    or a prefix that every code of the label starts with can make look as cheap."""
    where: list[str] = []
    params: dict[str, Any] = {}
    hint = ""
    if types:
        known = sorted({checked_label(t) for t in types if t in node_labels()})
        where.append("(" + " OR ".join(f"n:{t}" for t in known) + ")" if known else "false")
        if len(known) == 1 and code_prefixes:
            hint = f"USING INDEX SEEK n:{known[0]}(code) "
    if code_prefixes:
        where.append("(" + " OR ".join(f"n.code STARTS WITH $p{i}" for i in range(len(code_prefixes))) + ")")
        params.update({f"p{i}": p for i, p in enumerate(code_prefixes)})
    common.date_range(dates, where, params)
    return (hint + "WHERE " + " AND ".join(where) if where else ""), params


def list_nodes(types: list[str] | None, code_prefixes: list[str] | None, skip: int, limit: int,
               dates: tuple[str, str] = ("", ""), fields: common.Fields = None) -> Query:
    where, params = _node_filter(types, code_prefixes, dates)
    return rows_record((f"MATCH (n:Entity) {where} RETURN {common.node_return(fields)} ORDER BY n.id SKIP $skip LIMIT $limit",
                       {**params, "skip": skip, "limit": limit}))


def count_nodes(types: list[str] | None, code_prefixes: list[str] | None,
                dates: tuple[str, str] = ("", "")) -> Query:
    where, params = _node_filter(types, code_prefixes, dates)
    return f"MATCH (n:Entity) {where} RETURN count(n) AS c", params


def _edges_touching(types: list[str] | None, direction: str, nodes: str = "") -> str:
    """Cypher binding ``e``, ``a`` and ``b`` (its start and end) once for every edge touching a node
    of ``$ids``: an index seek on ``Entity.id`` per id, then an expand. With ``nodes``, the name of a
    list of nodes bound before, the edges touching those instead (an expand from each)."""
    rel = "e"
    never = ""
    if types:
        known = sorted({checked_type(t) for t in types if t in relationship_types()})
        if known:
            rel = "e:" + "|".join(known)
        else:
            never = " AND false"
    pattern = {"out": f"(x)-[{rel}]->()", "in": f"(x)<-[{rel}]-()", "both": f"(x)-[{rel}]-()"}[direction]
    start = (f"UNWIND {nodes} AS x MATCH {pattern} WHERE true{never}" if nodes else
             f"MATCH {pattern.replace('(x)', '(x:Entity)', 1)} USING INDEX SEEK x:Entity(id) WHERE x.id IN $ids{never}")
    return f"{start} WITH DISTINCT e WITH e, startNode(e) AS a, endNode(e) AS b"


def edges_of(ids: list[str], types: list[str] | None, direction: str) -> Query:
    """Edges touching ``ids``, in id order."""
    return one_record((f"{_edges_touching(types, direction)} RETURN {EDGE_RETURN} ORDER BY e.id", {"ids": ids}))


def edges_with_ends(ids: list[str], types: list[str] | None, direction: str, fields: common.Fields = None) -> Query:
    """One record: ``edges``, the edges :func:`edges_of` returns as rows of ``EDGE_COLUMNS``, and
    ``nodes``, the nodes at their ends as rows of ``node_columns`` (``fields`` as for
    :func:`get_nodes`; a node at the start of one edge and the end of another comes twice)."""
    columns = common.node_columns(fields)
    return (f"{_edges_touching(types, direction)} WITH e, a, b, {EDGE_RETURN} ORDER BY e.id "
            f"WITH collect({_EDGE_ROW}) AS edges, collect(DISTINCT a) + collect(DISTINCT b) AS ends "
            f"RETURN edges, [n IN ends | {_node_row(columns)}] AS nodes, {columns!r} AS node_columns", {"ids": ids})


def developer_projects(developer_id: str, depth: int, fields: common.Fields = None) -> Query:
    """The projects a developer and its subsidiaries (``depth`` levels of SUBSIDIARY_OF) develop, one
    row per DEVELOPS edge (``edge`` is its id), in edge-id order."""
    hops = int(depth)  # an integer bound is part of the pattern syntax, not a value
    return rows_record((f"MATCH (d:Entity {{id: $id}}) USING INDEX SEEK d:Entity(id) "
                       f"MATCH (d)<-[:SUBSIDIARY_OF*0..{hops}]-(f:Entity) WITH DISTINCT f "
                       f"MATCH (f)-[e:DEVELOPS]->(n:Entity) RETURN e.id AS edge, {common.node_return(fields)} ORDER BY e.id",
                       {"id": developer_id}))


def developer_projects_with_edges(developer_id: str, depth: int, types: list[str] | None, fields: common.Fields = None,
                                  end_fields: common.Fields = None, parents: bool = False,
                                  city_task_forces: tuple[common.Fields, int] | None = None,
                                  developer: bool = False) -> Query:
    """One record for :func:`developer_projects` followed by :func:`edges_with_ends` of its projects:
    ``projects`` (rows of the columns in ``columns``, the first the DEVELOPS edge's id, in edge-id
    order), ``edges`` (the projects' edges of ``types``, in id order, rows of ``EDGE_COLUMNS``) and
    ``nodes`` (their ends, read with ``end_fields``, rows of ``node_columns``) and, with ``parents``,
    the places those ends are PART_OF, up to three levels (district → city → province). Each
    aggregation yields its one row even over no rows, so a developer that does not exist still gets
    its record.

    With ``city_task_forces`` (task-force fields, most), also the projects' cities and those cities'
    task forces (see :func:`_city_task_forces`). With ``developer``, also ``developer``: the node of
    ``developer_id`` whole, as a row of ``developer_columns`` in a list (empty: there is none), so a
    caller that would read it first needs no statement of its own."""
    hops = int(depth)  # an integer bound is part of the pattern syntax, not a value
    columns = ["edge", *_names(common.node_return(fields))]
    project_row = "[e.id, " + ", ".join(f"n.{c}" for c in columns[1:]) + "]"
    end_columns = common.node_columns(end_fields)
    touching = _edges_touching(types, "both", nodes="ps")
    up = ("CALL (ends) { UNWIND ends AS x MATCH (x:Place)-[:PART_OF*1..3]->(u:Place) "
          "RETURN collect(DISTINCT u) AS ups } " if parents else "WITH projects, edges, ends, [] AS ups ")
    params: dict[str, Any] = {"id": developer_id}
    clauses, returned, more = "", "", ""  # after the ends' parents: the cities', the developer's
    if city_task_forces is not None:
        tf_fields, most = city_task_forces
        clauses, returned = _city_task_forces(tf_fields)
        more = " + cities"
        params["most"] = int(most)
    if developer:
        whole = common.node_columns()
        clauses += (f"CALL () {{ OPTIONAL MATCH (n:Entity {{id: $id}}) {SEEK_N} "
                    f"RETURN [x IN collect(n) | {_node_row(whole, 'x')}] AS developer }} ")
        returned += f", developer, {whole!r} AS developer_columns"
    return (f"MATCH (d:Entity {{id: $id}}) USING INDEX SEEK d:Entity(id) "
            f"MATCH (d)<-[:SUBSIDIARY_OF*0..{hops}]-(f:Entity) WITH DISTINCT f "
            f"MATCH (f)-[e:DEVELOPS]->(n:Entity) WITH e, n ORDER BY e.id "
            f"WITH collect({project_row}) AS projects, collect(DISTINCT n) AS ps "
            f"CALL (ps) {{ {touching} WITH e, a, b, {EDGE_RETURN} ORDER BY e.id "
            f"RETURN collect({_EDGE_ROW}) AS edges, collect(DISTINCT a) + collect(DISTINCT b) AS ends }} "
            f"{up}{clauses}RETURN projects, {columns!r} AS columns, edges, "
            f"[n IN ends + ups{more} | {_node_row(end_columns)}] AS nodes, {end_columns!r} AS node_columns"
            f"{returned}", params)


def city_prefix(code: str) -> str:
    """Cypher for ``model.code_prefix(model.city_code(c))`` of the string expression ``code``:
    the prefix of every division inside the code's prefecture-level city ('' for a code that is not
    six digits). Both spell the same rule, which a test holds them to over every division code."""
    municipalities = ", ".join(f"'{m}'" for m in MUNICIPALITY_PREFIXES)
    return (f"CASE WHEN NOT {code} =~ '[0-9]{{6}}' THEN '' WHEN left({code}, 2) IN [{municipalities}] "
            f"THEN left({code}, 2) WHEN substring({code}, 2, 2) = '90' AND {code} ENDS WITH '00' THEN left({code}, 4) "
            f"WHEN substring({code}, 2, 2) = '90' THEN {code} "
            f"WHEN substring({code}, 2, 2) = '00' THEN left({code}, 2) ELSE left({code}, 4) END")


def _city_task_forces(fields: common.Fields) -> tuple[str, str]:
    """Cypher, after ``ps`` (the projects) and ``ends`` are bound, for the projects' cities and their
    task forces as ``queries.task_forces_by_city`` finds them: each project's place is the end of its
    first LOCATED_IN edge by id (none: the project itself); the city is ``city_prefix`` of that
    place's code. Returns the clauses and the columns they add to the record: ``cities`` joins the
    nodes (each city's Place, where there is one), ``found`` is the number of (prefix, task force)
    pairs counted up to ``$most + 1``, and, when it is at most ``$most``, ``tfs`` holds those pairs
    per prefix as ``[prefix, column, column, …]``, a list per column of ``tf_columns``, the task
    forces in id order: not a prefix and a list per task force, which at 1M (3,882) cost the client's
    decoding more than the values (the statement's decoding took 4.1 ms of the client's CPU as rows,
    2.9 as columns); more than that: an empty list, and the caller reads them in parts. The count
    walks the code index only, and stops past ``$most``: at 1M (3,882 pairs) counting them all cost
    the server about 2 ms more per flagship than the statement without the cities' part."""
    columns = common.node_columns(fields)
    tf_columns = ", ".join(f"[x IN ts | x.{c}]" for c in columns)
    seek = "MATCH (t:TaskForce) USING INDEX SEEK t:TaskForce(code) WHERE t.code STARTS WITH pre"
    clauses = (
        "CALL (ps) { UNWIND ps AS p OPTIONAL MATCH (p)-[l:LOCATED_IN]->(x:Entity) WITH p, x ORDER BY l.id "
        "WITH p, collect(x)[0] AS x "
        "WITH CASE WHEN x IS NULL THEN coalesce(p.code, '') ELSE coalesce(x.code, '') END AS c "
        f"WITH DISTINCT {city_prefix('c')} AS pre WHERE pre <> '' RETURN collect(pre) AS prefixes }} "
        "CALL (prefixes) { UNWIND prefixes AS pre "
        "WITH left(pre + '0000', 6) AS code MATCH (c:Entity {id: 'Place:' + code}) USING INDEX SEEK c:Entity(id) "
        "RETURN collect(c) AS cities } "
        f"CALL (prefixes) {{ UNWIND prefixes AS pre {seek} WITH t LIMIT $most + 1 RETURN count(t) AS found }} "
        f"CALL (prefixes, found) {{ UNWIND CASE WHEN found <= $most THEN prefixes ELSE [] END AS pre {seek} "
        f"WITH pre, t ORDER BY t.id WITH pre, collect(t) AS ts RETURN collect([pre, {tf_columns}]) AS tfs }} ")
    return clauses, f", found, tfs, {columns!r} AS tf_columns"


def get_edges(ids: list[str]) -> Query:
    return one_record((f"{_edges_by_id('ids')} RETURN {EDGE_RETURN}", {"ids": ids}))


def shortest_paths(source: str, target: str, max_hops: int, limit: int) -> Query:
    hops = int(max_hops)  # an integer bound is part of the pattern syntax, not a value
    if hops < 1:
        raise ValueError(f"max_hops must be at least 1, got {max_hops!r}")
    return (
        "MATCH (a:Entity {id: $source}) USING INDEX SEEK a:Entity(id) "
        "MATCH (b:Entity {id: $target}) USING INDEX SEEK b:Entity(id) "
        f"MATCH p = allShortestPaths((a)-[*1..{hops}]-(b)) "
        "WITH [r IN relationships(p) | r.id] AS edges RETURN edges ORDER BY edges LIMIT $limit",
        {"source": source, "target": target, "limit": limit},
    )


def all_edges(after: str, limit: int) -> Query:
    return one_record((f"MATCH (a:Entity)-[e]->(b:Entity) WHERE e.id > $after RETURN {EDGE_RETURN} ORDER BY e.id "
                       "LIMIT $limit", {"after": after, "limit": limit}))


def count_all() -> list[Query]:
    # Both answered from the count store; every relationship in the database joins two Entities.
    return [("MATCH (n:Entity) RETURN count(n) AS c", {}),
            ("MATCH ()-[e]->() RETURN count(e) AS c", {})]


def generation() -> Query:
    return "MATCH (m:LoupanMeta {key: 'generation'}) RETURN m.value AS value", {}


# -- audit trail and judgements (beside the graph, never Entities) ------------------------------

CHANGE_RETURN = ("c.id AS id, c.at AS at, c.who AS who, c.action AS action, c.targets AS targets, "
                 "c.reason AS reason, c.payload AS payload")
JUDGEMENT_RETURN = ("j.id AS id, j.a AS a, j.b AS b, j.decision AS decision, j.at AS at, j.who AS who, "
                    "j.reason AS reason, j.score AS score, j.features AS features")


def record_changes(rows: list[dict[str, Any]]) -> Query:
    return ("UNWIND $rows AS r MERGE (c:LoupanChange {id: r.id}) SET c.at = r.at, c.who = r.who, "
            "c.action = r.action, c.targets = r.targets, c.reason = r.reason, c.payload = r.payload",
            {"rows": rows})


def changes(target: str | None, skip: int, limit: int) -> Query:
    where = "WHERE $target IN c.targets " if target else ""
    return one_record((f"MATCH (c:LoupanChange) {where}RETURN {CHANGE_RETURN} ORDER BY c.at DESC, c.id "
                       "SKIP $skip LIMIT $limit", {"skip": skip, "limit": limit, **({"target": target} if target else {})}))


def record_judgements(rows: list[dict[str, Any]]) -> Query:
    return ("UNWIND $rows AS r MERGE (j:LoupanJudgement {id: r.id}) SET j.a = r.a, j.b = r.b, "
            "j.decision = r.decision, j.at = r.at, j.who = r.who, j.reason = r.reason, j.score = r.score, "
            "j.features = r.features", {"rows": rows})


def judgements(ids: list[str]) -> Query:
    if not ids:
        return one_record((f"MATCH (j:LoupanJudgement) RETURN {JUDGEMENT_RETURN} ORDER BY j.at, j.id", {}))
    # two index seeks (on a and on b) rather than one scan with an OR
    return one_record((
        "CALL () { MATCH (j:LoupanJudgement) USING INDEX SEEK j:LoupanJudgement(a) WHERE j.a IN $ids RETURN j "
        "UNION MATCH (j:LoupanJudgement) USING INDEX SEEK j:LoupanJudgement(b) WHERE j.b IN $ids RETURN j } "
        f"RETURN {JUDGEMENT_RETURN} ORDER BY j.at, j.id", {"ids": ids}))
