// Neo4j schema for loupan, applied at start by every process that opens the store.
// Every statement is idempotent (IF NOT EXISTS); statements are separated by semicolons.
// Kept in step with schema/model.json: one relationship id index per relationship type
// (a test checks that every type in model.json has one).

// Node identity: MERGE and every look-up by id seek on this constraint's index.
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT loupan_meta_key IF NOT EXISTS FOR (m:LoupanMeta) REQUIRE m.key IS UNIQUE;

// Filters the API uses: by type, by division code (prefix), by exact name.
CREATE INDEX entity_type IF NOT EXISTS FOR (n:Entity) ON (n.type);
CREATE INDEX entity_code IF NOT EXISTS FOR (n:Entity) ON (n.code);
CREATE INDEX entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name);

// One code index per label (a test checks that every label in model.json has one): listing one type
// inside a division (a city's task forces, `entities(types, placeCode)`) seeks only that type's
// nodes. Through entity_code alone the server read every entity in the division and kept those of
// the type: the flagship's 12 cities at 1M nodes, 3,882 task forces among about 29,000 entries,
// 28.5 ms of server CPU against about 17 ms with task_force_code (bench/README.md).
CREATE INDEX developer_code IF NOT EXISTS FOR (n:Developer) ON (n.code);
CREATE INDEX project_code IF NOT EXISTS FOR (n:Project) ON (n.code);
CREATE INDEX person_code IF NOT EXISTS FOR (n:Person) ON (n.code);
CREATE INDEX official_code IF NOT EXISTS FOR (n:Official) ON (n.code);
CREATE INDEX agency_code IF NOT EXISTS FOR (n:Agency) ON (n.code);
CREATE INDEX organization_code IF NOT EXISTS FOR (n:Organization) ON (n.code);
CREATE INDEX task_force_code IF NOT EXISTS FOR (n:TaskForce) ON (n.code);
CREATE INDEX policy_code IF NOT EXISTS FOR (n:Policy) ON (n.code);
CREATE INDEX place_code IF NOT EXISTS FOR (n:Place) ON (n.code);
CREATE INDEX event_code IF NOT EXISTS FOR (n:Event) ON (n.code);
CREATE INDEX report_code IF NOT EXISTS FOR (n:Report) ON (n.code);
CREATE INDEX outlet_code IF NOT EXISTS FOR (n:Outlet) ON (n.code);

// Names and aliases, for Chinese full-text search (the CJK analyzer indexes character bigrams).
CREATE FULLTEXT INDEX entity_names IF NOT EXISTS FOR (n:Entity) ON EACH [n.name, n.aliases]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}};

// The audit trail and match judgements, kept beside the graph (not Entities).
CREATE CONSTRAINT loupan_change_id IF NOT EXISTS FOR (c:LoupanChange) REQUIRE c.id IS UNIQUE;
CREATE INDEX loupan_change_at IF NOT EXISTS FOR (c:LoupanChange) ON (c.at);
CREATE CONSTRAINT loupan_judgement_id IF NOT EXISTS FOR (j:LoupanJudgement) REQUIRE j.id IS UNIQUE;
CREATE INDEX loupan_judgement_a IF NOT EXISTS FOR (j:LoupanJudgement) ON (j.a);
CREATE INDEX loupan_judgement_b IF NOT EXISTS FOR (j:LoupanJudgement) ON (j.b);

// Edge ids: relationship property indexes are per type, so one per type.
CREATE INDEX rel_develops_id IF NOT EXISTS FOR ()-[e:DEVELOPS]-() ON (e.id);
CREATE INDEX rel_subsidiary_of_id IF NOT EXISTS FOR ()-[e:SUBSIDIARY_OF]-() ON (e.id);
CREATE INDEX rel_located_in_id IF NOT EXISTS FOR ()-[e:LOCATED_IN]-() ON (e.id);
CREATE INDEX rel_part_of_id IF NOT EXISTS FOR ()-[e:PART_OF]-() ON (e.id);
CREATE INDEX rel_handles_id IF NOT EXISTS FOR ()-[e:HANDLES]-() ON (e.id);
CREATE INDEX rel_leads_id IF NOT EXISTS FOR ()-[e:LEADS]-() ON (e.id);
CREATE INDEX rel_member_of_id IF NOT EXISTS FOR ()-[e:MEMBER_OF]-() ON (e.id);
CREATE INDEX rel_holds_position_id IF NOT EXISTS FOR ()-[e:HOLDS_POSITION]-() ON (e.id);
CREATE INDEX rel_issued_id IF NOT EXISTS FOR ()-[e:ISSUED]-() ON (e.id);
CREATE INDEX rel_adopted_id IF NOT EXISTS FOR ()-[e:ADOPTED]-() ON (e.id);
CREATE INDEX rel_applies_to_id IF NOT EXISTS FOR ()-[e:APPLIES_TO]-() ON (e.id);
CREATE INDEX rel_involves_id IF NOT EXISTS FOR ()-[e:INVOLVES]-() ON (e.id);
CREATE INDEX rel_mentions_id IF NOT EXISTS FOR ()-[e:MENTIONS]-() ON (e.id);
CREATE INDEX rel_published_by_id IF NOT EXISTS FOR ()-[e:PUBLISHED_BY]-() ON (e.id);
