"""The ladybug (Kùzu) dialect.

Differences from Neo4j that shape this file: tables are declared (one ``Entity`` node table, one
``REL`` relationship table whose ``type`` column carries the relationship type, labels in a list
column); no ``SET n += map``; no ``CALL {}``; lists are 1-based; shortest paths are written
``-[e:REL* SHORTEST 1..n]-``; duplicate keys inside one ``UNWIND … MERGE`` batch do not see each
other's writes, so callers de-duplicate batches first (``GraphStore`` does).
"""

from __future__ import annotations

from typing import Any

from loupan.graph import cypher as common

Query = tuple[str, dict[str, Any]]
name_rows = common.name_rows
nodes_after = common.nodes_after

SCHEMA = [
    "CREATE NODE TABLE IF NOT EXISTS Entity(id STRING, type STRING, labels STRING[], name STRING, "
    "aliases STRING[], key STRING, code STRING, level STRING, date STRING, attrs STRING, PRIMARY KEY(id))",
    "CREATE REL TABLE IF NOT EXISTS REL(FROM Entity TO Entity, id STRING, type STRING, attrs STRING, "
    "sources STRING[])",
    "CREATE NODE TABLE IF NOT EXISTS Meta(key STRING, value INT64, text STRING, PRIMARY KEY(key))",
    "CREATE NODE TABLE IF NOT EXISTS Change(id STRING, at STRING, who STRING, action STRING, targets STRING[], "
    "reason STRING, payload STRING, PRIMARY KEY(id))",
    "CREATE NODE TABLE IF NOT EXISTS Judgement(id STRING, a STRING, b STRING, decision STRING, at STRING, "
    "who STRING, reason STRING, score DOUBLE, features STRING, PRIMARY KEY(id))",
]

NODE_RETURN = common.NODE_RETURN
EDGE_RETURN = "e.id AS id, e.type AS type, a.id AS source, b.id AS target, e.attrs AS attrs, e.sources AS sources"


def schema() -> list[str]:
    return list(SCHEMA)


def existing_ids(ids: list[str]) -> Query:
    """Which of ``ids`` are already nodes: a primary-key probe per id (about 280k ids/s)."""
    return "UNWIND $ids AS i MATCH (n:Entity {id: i}) RETURN n.id AS id", {"ids": ids}


def create_nodes(rows: list[dict[str, Any]]) -> Query:
    """New nodes: a plain CREATE is about 4x faster than MERGE here."""
    return ("UNWIND $rows AS r CREATE (n:Entity {id: r.id, type: r.type, labels: r.labels, name: r.name, "
            "aliases: r.aliases, key: r.key, code: r.code, level: r.level, date: r.date, attrs: r.attrs})",
            {"rows": rows})


def upsert_nodes(rows: list[dict[str, Any]]) -> list[Query]:
    return [(
        "UNWIND $rows AS r MERGE (n:Entity {id: r.id}) "
        "ON CREATE SET n.type = r.type, n.labels = r.labels, n.name = r.name, n.aliases = r.aliases, "
        "n.key = r.key, n.code = r.code, n.level = r.level, n.date = r.date, n.attrs = r.attrs "
        + _MERGE_INTO_EXISTING, {"rows": rows})]


def update_nodes(rows: list[dict[str, Any]]) -> Query:
    """Fold rows into nodes that exist: longest name wins, aliases and labels are unioned, empty
    fields are filled, attrs are replaced only by non-empty attrs."""
    return "UNWIND $rows AS r MATCH (n:Entity {id: r.id}) " + _MERGE_INTO_EXISTING, {"rows": rows}


_MERGE_INTO_EXISTING = (
    "WITH n, r, CASE WHEN size(r.name) > size(n.name) THEN r.name ELSE n.name END AS winner "
    "SET n.aliases = list_filter(list_distinct(list_concat(list_concat(n.aliases, r.aliases), "
    "[n.name, r.name])), a -> a <> winner), "
    "n.name = winner, "
    "n.labels = list_distinct(list_concat(n.labels, r.labels)), "
    "n.key = CASE WHEN n.key = '' THEN r.key ELSE n.key END, "
    "n.code = CASE WHEN n.code = '' THEN r.code ELSE n.code END, "
    "n.level = CASE WHEN n.level = '' THEN r.level ELSE n.level END, "
    "n.date = CASE WHEN n.date = '' THEN r.date ELSE n.date END, "
    "n.attrs = CASE WHEN r.attrs = '{}' THEN n.attrs ELSE r.attrs END"
)


def upsert_edges(rows: list[dict[str, Any]]) -> list[Query]:
    return [(
        "UNWIND $rows AS r MATCH (a:Entity {id: r.source}) WITH r, a MATCH (b:Entity {id: r.target}) "
        "MERGE (a)-[e:REL {id: r.id}]->(b) "
        "ON CREATE SET e.type = r.type, e.attrs = r.attrs, e.sources = r.sources "
        "ON MATCH SET e.sources = list_distinct(list_concat(e.sources, r.sources)), "
        "e.attrs = CASE WHEN r.attrs = '{}' THEN e.attrs ELSE r.attrs END",
        {"rows": rows},
    )]


def get_nodes(ids: list[str], fields: common.Fields = None) -> Query:
    """A primary-key probe per id: ``WHERE n.id IN $ids`` scans the whole table instead (10k nodes:
    11 ms for one id, 180 ms for 1,256, against 0.5 ms and 42 ms)."""
    return f"UNWIND $ids AS i MATCH (n:Entity {{id: i}}) RETURN {common.node_return(fields)}", {"ids": ids}


def _node_filter(types: list[str] | None, code_prefixes: list[str] | None,
                 dates: tuple[str, str] = ("", "")) -> tuple[str, dict[str, Any]]:
    """One parameter per type and per prefix, OR-ed in the text: the list-lambda form
    ``any(p IN $prefixes WHERE starts_with(n.code, p))`` costs the scan far more (task forces of 12
    cities at 1M nodes: 1.73 s with both filters as lambdas, 0.38 s unrolled)."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if types:
        where.append("(" + " OR ".join(f"list_contains(n.labels, $t{i})" for i in range(len(types))) + ")")
        params.update({f"t{i}": t for i, t in enumerate(types)})
    if code_prefixes:
        where.append("(" + " OR ".join(f"starts_with(n.code, $p{i})" for i in range(len(code_prefixes))) + ")")
        params.update({f"p{i}": p for i, p in enumerate(code_prefixes)})
    common.date_range(dates, where, params)
    return ("WHERE " + " AND ".join(where) if where else ""), params


def list_nodes(types: list[str] | None, code_prefixes: list[str] | None, skip: int, limit: int,
               dates: tuple[str, str] = ("", ""), fields: common.Fields = None) -> Query:
    where, params = _node_filter(types, code_prefixes, dates)
    return (f"MATCH (n:Entity) {where} RETURN {common.node_return(fields)} ORDER BY n.id SKIP $skip LIMIT $limit",
            {**params, "skip": skip, "limit": limit})


def count_nodes(types: list[str] | None, code_prefixes: list[str] | None,
                dates: tuple[str, str] = ("", "")) -> Query:
    where, params = _node_filter(types, code_prefixes, dates)
    return f"MATCH (n:Entity) {where} RETURN count(n) AS c", params


def edges_of(ids: list[str], types: list[str] | None, direction: str) -> Query:
    """The edges leaving (``a.id IN $ids``) or entering (``b.id IN $ids``) the nodes, or both: then
    the two as a UNION (which drops the repeat of an edge between two of the nodes). The planner
    seeks either filter alone, but scans every relationship for ``a.id IN $ids OR b.id IN $ids``:
    40 projects' edges in a 2.4M-edge graph took 2.3 s that way, 0.5 s as a UNION. A UNION's rows
    have no overall order; the store sorts them. An ``IN`` filter is still a scan of the node table
    (0.1 s at 1M nodes even for one id); one id is matched by primary key instead (1.6 ms). For many
    ids a UNION of one primary-key branch per id was tried: faster at 1M nodes (40 ids: 54 ms against
    470 ms), slower at 10k (49 ms against 13 ms), since planning grows with the branches."""
    if len(ids) == 1:  # one node (the explorer's expand): matched by primary key, not by an IN scan
        type_filter = " WHERE e.type IN $types" if types else ""
        params = {"id": ids[0], **({"types": types} if types else {})}
        patterns = {"out": ["(a:Entity {id: $id})-[e:REL]->(b:Entity)"],
                    "in": ["(a:Entity)-[e:REL]->(b:Entity {id: $id})"],
                    "both": ["(a:Entity {id: $id})-[e:REL]->(b:Entity)", "(a:Entity)-[e:REL]->(b:Entity {id: $id})"]}
        return (" UNION ".join(f"MATCH {pattern}{type_filter} RETURN {EDGE_RETURN}"
                               for pattern in patterns[direction]), params)
    type_filter = " AND e.type IN $types" if types else ""
    params = {"ids": ids, **({"types": types} if types else {})}
    branches = {"out": ["a.id IN $ids"], "in": ["b.id IN $ids"], "both": ["a.id IN $ids", "b.id IN $ids"]}[direction]
    return (" UNION ".join(f"MATCH (a:Entity)-[e:REL]->(b:Entity) WHERE {anchor}{type_filter} RETURN {EDGE_RETURN}"
                           for anchor in branches), params)


def developer_projects(developer_id: str, depth: int, fields: common.Fields = None) -> Query:
    """The projects a developer and its subsidiaries (``depth`` levels of SUBSIDIARY_OF) develop, one
    row per DEVELOPS edge (``edge`` is its id), in edge-id order."""
    hops = int(depth)  # an integer bound is part of the pattern syntax, not a value
    # One pattern from the developer to the projects: with a ``WITH DISTINCT f`` between the family
    # and its DEVELOPS edges the planner scanned the relationship table (3.4 s at 1M nodes for the
    # 40 projects of a family of 7; 5 ms as one pattern; 10,000 projects 3.6 s → 0.19 s).
    return (f"MATCH (d:Entity {{id: $id}})<-[s:REL*0..{hops} (r, _ | WHERE r.type = 'SUBSIDIARY_OF')]-(f:Entity)"
            f"-[e:REL]->(n:Entity) WHERE e.type = 'DEVELOPS' WITH DISTINCT e, n "
            f"RETURN e.id AS edge, {common.node_return(fields)} ORDER BY e.id", {"id": developer_id})


def get_edges(ids: list[str]) -> Query:
    return f"MATCH (a:Entity)-[e:REL]->(b:Entity) WHERE e.id IN $ids RETURN {EDGE_RETURN}", {"ids": ids}


def shortest_paths(source: str, target: str, max_hops: int, limit: int) -> Query:
    hops = int(max_hops)  # an integer bound is part of the pattern syntax, not a value
    return (
        f"MATCH p = (a:Entity)-[e:REL* ALL SHORTEST 1..{hops}]-(b:Entity) "
        "WHERE a.id = $source AND b.id = $target "
        "RETURN properties(rels(p), 'id') AS edges LIMIT $limit",
        {"source": source, "target": target, "limit": limit},
    )


def all_edges(after: str, limit: int) -> Query:
    return (f"MATCH (a:Entity)-[e:REL]->(b:Entity) WHERE e.id > $after RETURN {EDGE_RETURN} ORDER BY e.id "
            "LIMIT $limit", {"after": after, "limit": limit})


def count_all() -> list[Query]:
    return [("MATCH (n:Entity) RETURN count(n) AS c", {}),
            ("MATCH (:Entity)-[e:REL]->(:Entity) RETURN count(e) AS c", {})]


def delete_nodes(ids: list[str]) -> Query:
    return "MATCH (n:Entity) WHERE n.id IN $ids DETACH DELETE n", {"ids": ids}


def delete_edges(ids: list[str]) -> Query:
    return "MATCH (:Entity)-[e:REL]->(:Entity) WHERE e.id IN $ids DELETE e", {"ids": ids}


def set_edge_sources(rows: list[dict[str, Any]]) -> Query:
    return ("UNWIND $rows AS r MATCH (:Entity)-[e:REL]->(:Entity) WHERE e.id = r.id SET e.sources = r.sources",
            {"rows": rows})


def bump_generation() -> Query:
    return ("MERGE (m:Meta {key: 'generation'}) ON CREATE SET m.value = 1 ON MATCH SET m.value = m.value + 1",
            {})


def generation() -> Query:
    return "MATCH (m:Meta {key: 'generation'}) RETURN m.value AS value", {}


CHANGE_RETURN = ("c.id AS id, c.at AS at, c.who AS who, c.action AS action, c.targets AS targets, "
                 "c.reason AS reason, c.payload AS payload")
JUDGEMENT_RETURN = ("j.id AS id, j.a AS a, j.b AS b, j.decision AS decision, j.at AS at, j.who AS who, "
                    "j.reason AS reason, j.score AS score, j.features AS features")


def record_changes(rows: list[dict[str, Any]]) -> Query:
    return ("UNWIND $rows AS r MERGE (c:Change {id: r.id}) SET c.at = r.at, c.who = r.who, c.action = r.action, "
            "c.targets = r.targets, c.reason = r.reason, c.payload = r.payload", {"rows": rows})


def changes(target: str | None, skip: int, limit: int) -> Query:
    where = "WHERE list_contains(c.targets, $target) " if target else ""
    return (f"MATCH (c:Change) {where}RETURN {CHANGE_RETURN} ORDER BY c.at DESC, c.id SKIP $skip LIMIT $limit",
            {"skip": skip, "limit": limit, **({"target": target} if target else {})})


def record_judgements(rows: list[dict[str, Any]]) -> Query:
    return ("UNWIND $rows AS r MERGE (j:Judgement {id: r.id}) SET j.a = r.a, j.b = r.b, j.decision = r.decision, "
            "j.at = r.at, j.who = r.who, j.reason = r.reason, j.score = r.score, j.features = r.features",
            {"rows": rows})


def judgements(ids: list[str]) -> Query:
    where = "WHERE j.a IN $ids OR j.b IN $ids " if ids else ""
    return f"MATCH (j:Judgement) {where}RETURN {JUDGEMENT_RETURN} ORDER BY j.at, j.id", {"ids": ids}
