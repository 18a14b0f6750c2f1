// The explorer page: search → open → expand → read the quotes → find paths; corrections for editors.
// Plain ES modules, no build step; everything it loads ships in the package (static/).

import { Corrections } from "./js/corrections.js";
import { renderEntity, renderRelation, renderTimeline } from "./js/evidence.js";
import { GraphView } from "./js/graph.js";
import { ENTITY, KEY_STORE, RELATION, SOURCE, capabilities, fieldNames, gql, isAuthError, isMissingOperation } from "./js/gql.js";
import { EntityPicker } from "./js/picker.js";
import { TYPE_LABELS, clear, dateBound, debounce, h, placeText, relLabel, typeBadge, typeColor, typeLabel } from "./js/util.js";

const PAGE = 100;
const Q_SEARCH = `query($q: String!, $types: [String!], $first: Int!) {
  search(query: $q, types: $types, first: $first) { score matched entity { ${ENTITY} aliases } } }`;
const Q_ENTITY = `query($id: ID!) { entity(id: $id) { ${ENTITY} labels aliases level attrs
  sources(first: ${PAGE}) { ${SOURCE} } relations(first: ${PAGE}) { ${RELATION} } } }`;
// The next page of an entity's relations, after the last id of the page before.
const Q_MORE = `query($id: ID!, $after: String!) { entity(id: $id) { relations(first: ${PAGE}, after: $after) {
  ${RELATION} } } }`;
const Q_PATHS = `query($s: ID!, $t: ID!, $hops: Int!) { paths(source: $s, target: $t, maxHops: $hops, first: 10) {
  length nodes { ${ENTITY} } relations { ${RELATION} } } }`;
const timelineQuery = (extra) => `query($entityId: ID, $placeCode: String, $from: String, $to: String) {
  timeline(entityId: $entityId, placeCode: $placeCode, from: $from, to: $to) {
    date entity { ${ENTITY} } relation { ${RELATION} } ${extra} } }`;

const $ = (id) => document.getElementById(id);

const state = {
  caps: { known: false, query: new Map(), mutation: new Map() },
  details: new Map(), // entity id → detail (with relations and sources)
  more: new Map(), // entity id → id of the last relation shown while the server may hold more, else null
  current: null, // the entity whose evidence is shown
  tab: "evidence",
  hiddenTypes: new Set(),
};

// ---------------------------------------------------------------- status line

let statusTimer = null;
function say(message, kind = "info") {
  const el = $("status");
  el.textContent = message;
  el.className = `status show status-${kind}`;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { el.className = "status"; }, kind === "error" ? 9000 : 3500);
}

async function guarded(what, fn) {
  try {
    return await fn();
  } catch (e) {
    if (isAuthError(e)) {
      // A server that lets no one read anonymously, or a key it refuses: ask for a key, then try again.
      const had = Boolean(keys.get());
      keys.clear();
      say(had ? "访问密钥无效或权限不足，请重新输入" : "此服务器需要访问密钥", "error");
      if (await keys.ask()) return guarded(what, fn);
    }
    console.error(e);
    say(`${what}失败：${e.message}`, "error");
    return undefined;
  }
}

// ---------------------------------------------------------------- editor key

const keys = {
  get: () => sessionStorage.getItem(KEY_STORE),
  clear: () => {
    sessionStorage.removeItem(KEY_STORE);
    drawEditorState();
  },
  ask: () => new Promise((resolve) => {
    const dialog = $("key-dialog");
    const input = $("key-input");
    input.value = "";
    const done = (value) => {
      dialog.removeEventListener("close", onClose);
      if (value) sessionStorage.setItem(KEY_STORE, value);
      drawEditorState();
      resolve(value || null);
    };
    const onClose = () => done(dialog.returnValue === "ok" ? input.value.trim() : null);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    input.focus();
  }),
};

function drawEditorState() {
  const on = Boolean(keys.get());
  $("editor-state").textContent = on ? "已登录为编辑" : "";
  $("editor-login").textContent = on ? "退出编辑" : "编辑者登录";
}

// ---------------------------------------------------------------- graph

const graph = new GraphView($("cy"), {
  onSelectNode: (id) => openEntity(id, { zoom: false }),
  onSelectEdge: (id) => {
    const rel = graph.relation(id);
    if (rel) showRelation(rel, { zoom: false });
  },
  onExpand: (id) => expand(id),
  onChange: () => {
    drawTypeFilters();
    applyFilters();
    drawCount();
  },
});

function drawCount() {
  const { nodes, edges } = graph.size;
  const vis = graph.visibleCount();
  $("graph-empty").hidden = nodes > 0;
  $("graph-count").textContent = nodes
    ? `图中 ${nodes} 个节点 · ${edges} 条关系${vis.nodes < nodes || vis.edges < edges ? `（显示 ${vis.nodes} 个节点 · ${vis.edges} 条关系）` : ""}`
    : "";
}

function drawTypeFilters() {
  const counts = graph.typeCounts();
  const host = $("type-filters");
  if (!counts.size) {
    clear(host, h("p", { class: "muted small" }, "图中还没有节点。"));
    return;
  }
  clear(host, ...[...counts.entries()].sort((a, b) => b[1] - a[1]).map(([type, n]) => h(
    "label",
    { class: "type-toggle", title: type },
    h("input", { type: "checkbox", value: type, checked: !state.hiddenTypes.has(type), onchange: (ev) => {
      if (ev.target.checked) state.hiddenTypes.delete(type);
      else state.hiddenTypes.add(type);
      applyFilters();
    } }),
    h("span", { class: "swatch", style: { background: typeColor(type) } }),
    ` ${typeLabel(type)} `, h("span", { class: "muted" }, String(n)),
  )));
}

function applyFilters() {
  const from = dateBound($("date-from").value);
  const to = dateBound($("date-to").value);
  $("date-from").classList.toggle("invalid", from === null);
  $("date-to").classList.toggle("invalid", to === null);
  graph.applyFilter({ hiddenTypes: state.hiddenTypes, from: from || "", to: to || "", keepUndated: $("keep-undated").checked });
  drawCount();
}

// ---------------------------------------------------------------- search

async function searchEntities(q, types = null, first = 10) {
  const data = await gql(Q_SEARCH, { q, types, first });
  return data.search;
}

// Searches overlap (Enter, then the search-as-you-type of the same text; a slow answer, then a
// quick one): only the last one asked is drawn, and the list says which text it answers.
const searching = { seq: 0, asked: null };

async function doSearch({ again = false } = {}) {
  const q = $("search-input").value.trim();
  const type = $("search-type").value;
  const list = $("search-results");
  const asked = `${type}\u0000${q}`;
  if (!again && asked === searching.asked) return;
  searching.asked = asked;
  const seq = ++searching.seq;
  delete list.dataset.query;
  if (!q) {
    clear(list);
    return;
  }
  clear(list, h("li", { class: "muted" }, "搜索中…"));
  list.setAttribute("aria-busy", "true");
  const hits = await guarded("搜索", () => searchEntities(q, type ? [type] : null, 15));
  if (seq !== searching.seq) return; // a later search was asked meanwhile
  list.removeAttribute("aria-busy");
  if (hits === undefined) {
    searching.asked = null; // failed: the same text may be tried again
    clear(list, h("li", { class: "muted" }, "搜索失败，可再试一次。"));
    return;
  }
  list.dataset.query = q;
  if (!hits.length) {
    clear(list, h("li", { class: "muted" }, `没有找到「${q}」。试试简称、拼音或换一个写法。`));
    return;
  }
  clear(list, ...hits.map(({ entity, matched, score }) => h(
    "li",
    { class: "result" },
    h("button", { type: "button", class: "result-open", "data-id": entity.id, title: entity.id, onclick: () => openEntity(entity.id) },
      h("span", { class: "result-name" }, entity.name), typeBadge(entity.type)),
    h("div", { class: "result-meta" },
      placeText(entity) ? h("span", { class: "result-place" }, placeText(entity)) : null,
      matched && matched !== entity.name ? h("span", { class: "result-matched", title: `score ${score}` }, `匹配「${matched}」`) : null),
  )));
}

// ---------------------------------------------------------------- entities and relations

async function detail(id, { fresh = false } = {}) {
  if (!fresh && state.details.has(id)) return state.details.get(id);
  const data = await gql(Q_ENTITY, { id });
  if (!data.entity) throw new Error(`没有这个实体（${id}），它可能已被合并`);
  state.details.set(id, data.entity);
  state.more.delete(id); // its relations start again from the first page
  return data.entity;
}

const actions = {
  open: (id) => openEntity(id),
  openRelation: (rel) => showRelation(rel),
  expand: (id) => expand(id),
  setEnd: (which, entity) => {
    pickers[which].set(entity);
    say(`已把「${entity.name}」设为${which === "from" ? "起点" : "终点"}`);
  },
};

async function openEntity(id, { zoom = true, fresh = false } = {}) {
  await guarded("打开实体", async () => {
    const entity = await detail(id, { fresh });
    const isNew = !graph.has(id);
    graph.addEntity(entity);
    if (isNew) graph.onChange();
    graph.focus(id, { zoom: zoom || isNew });
    state.current = entity;
    renderEntity($("evidence"), entity, actions);
    showTab("evidence");
    corrections.render(entity);
    history.replaceState(null, "", `#entity=${encodeURIComponent(id)}`);
  });
}

function showRelation(rel, { zoom = true } = {}) {
  if (!graph.has(rel.id)) {
    graph.addNeighbourhood(rel.source.id, [rel]);
  }
  graph.focus(rel.id, { zoom });
  renderRelation($("evidence"), graph.relation(rel.id) || rel, actions);
  showTab("evidence");
}

async function expand(id) {
  await guarded("展开", async () => {
    const entity = await detail(id);
    if (!graph.has(id)) graph.addEntity(entity);
    // The first expansion shows the relations that came with the entity (one page); each further
    // expansion of an entity with more asks the server for the next page.
    const cursor = state.more.get(id); // undefined: not expanded yet; null: every relation is here
    let page = entity.relations || [];
    if (cursor) {
      const data = await gql(Q_MORE, { id, after: cursor });
      page = data.entity ? data.entity.relations : [];
      entity.relations = [...(entity.relations || []), ...page];
    }
    if (cursor !== null) state.more.set(id, page.length >= PAGE ? page[page.length - 1].id : null);
    const added = graph.addNeighbourhood(id, page);
    graph.focus(id);
    const shown = (entity.relations || []).length;
    const more = state.more.get(id) ? `（已取 ${shown} 条关系，再次展开取下 ${PAGE} 条）` : "";
    say(shown
      ? `已展开「${entity.name}」：新增 ${added.nodes} 个节点、${added.edges} 条关系${more}`
      : `「${entity.name}」没有其他已知关系`);
  });
}

// ---------------------------------------------------------------- paths

const pickers = {
  from: new EntityPicker($("path-from"), { search: (q) => searchEntities(q).then((hits) => hits.map((x) => x.entity)) }),
  to: new EntityPicker($("path-to"), { search: (q) => searchEntities(q).then((hits) => hits.map((x) => x.entity)) }),
};

async function findPaths() {
  const a = pickers.from.value[0];
  const b = pickers.to.value[0];
  const list = $("path-results");
  if (!a || !b) {
    say("请先选好起点和终点", "error");
    return;
  }
  clear(list, h("li", { class: "muted" }, "查找中…"));
  await guarded("查找路径", async () => {
    const hops = Number($("path-hops").value);
    const data = await gql(Q_PATHS, { s: a.id, t: b.id, hops });
    // Paths through a source document ("both mentioned in the same file") come last, and only when
    // there is nothing else: journalists want how the entities are related, not where they were listed.
    const viaReport = (p) => p.nodes.some((n) => n.type === "Report");
    const direct = data.paths.filter((p) => !viaReport(p));
    const paths = (direct.length ? direct : data.paths).slice(0, 5);
    if (!paths.length) {
      clear(list, h("li", { class: "muted", id: "no-path" }, `${hops} 步之内没有找到「${a.name}」与「${b.name}」之间的路径。`));
      return;
    }
    clear(list, ...paths.map((p, i) => {
      const steps = [];
      p.nodes.forEach((n, k) => {
        steps.push(h("span", { class: "path-node", style: { borderColor: typeColor(n.type) } }, n.name));
        if (k < p.relations.length) steps.push(h("span", { class: "path-rel" }, `—${relLabel(p.relations[k].type)}—`));
      });
      return h("li", { class: "path" },
        h("button", { type: "button", class: "path-show", "data-index": String(i), onclick: () => showPath(p) }, `${p.length} 步`),
        h("div", { class: "path-steps" }, steps));
    }));
    showPath(paths[0]);
  });
}

function showPath(path) {
  for (const n of path.nodes) if (!graph.has(n.id)) graph.addEntity(n);
  for (const [i, r] of path.relations.entries()) graph.addNeighbourhood(path.nodes[i].id, [r]);
  graph.onChange();
  graph.highlightPath(path.nodes.map((n) => n.id), path.relations.map((r) => r.id));
  say(`路径：${path.nodes.map((n) => n.name).join(" → ")}`);
}

// ---------------------------------------------------------------- timeline

async function drawTimeline() {
  const subject = state.current;
  const host = $("timeline");
  if (!subject) {
    renderTimeline(host, { subject: null });
    return;
  }
  const available = state.caps.known ? state.caps.query.has("timeline") : !state.timelineMissing;
  if (available) {
    clear(host, h("p", { class: "muted" }, "读取时间线…"));
    try {
      const from = dateBound($("date-from").value) || null;
      const to = dateBound($("date-to").value) || null;
      const vars = subject.type === "Place" ? { placeCode: subject.code, from, to } : { entityId: subject.id, from, to };
      const field = state.caps.query.get("timeline");
      const has = field ? await fieldNames(field.type) : new Set();
      const extra = [has.has("kind") ? "kind" : "", has.has("sources") ? `sources { ${SOURCE} }` : ""].join(" ");
      const data = await gql(timelineQuery(extra), vars);
      renderTimeline(host, { subject, available: true, items: data.timeline || [], act: actions });
    } catch (e) {
      if (isMissingOperation(e, "timeline")) {
        state.timelineMissing = true;
        drawTimeline();
      } else {
        renderTimeline(host, { subject, available: true, error: e.message, act: actions });
      }
    }
    return;
  }
  renderTimeline(host, { subject, available: false, fallback: datedSources(subject), act: actions });
}

/** What can be dated without the server's timeline: the reports behind an entity and its relations. */
function datedSources(entity) {
  const seen = new Set();
  const out = [];
  const push = (date, label, report, relation) => {
    const key = `${date}|${label}|${report}`;
    if (!date || seen.has(key)) return;
    seen.add(key);
    out.push({ date, label, report, relation });
  };
  if (entity.date) push(entity.date, `${entity.name}（${typeLabel(entity.type)}）`, "", null);
  for (const s of entity.sources || []) {
    if (s.report && s.report.publishedAt) push(s.report.publishedAt, `报道提及：${s.report.title}`, s.report.outlet || "", null);
  }
  for (const r of entity.relations || []) {
    for (const s of r.sources || []) {
      if (s.report && s.report.publishedAt) {
        push(s.report.publishedAt, `${r.source.name} —${relLabel(r.type)}→ ${r.target.name}`, s.report.title, r);
      }
    }
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

// ---------------------------------------------------------------- tabs

function showTab(name) {
  state.tab = name;
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === name);
  for (const t of ["evidence", "timeline", "corrections"]) $(`tab-${t}`).hidden = t !== name;
  if (name === "timeline") drawTimeline();
}

// ---------------------------------------------------------------- corrections

const corrections = new Corrections($("corrections"), {
  caps: state.caps,
  keys,
  search: (q) => searchEntities(q).then((hits) => hits.map((x) => x.entity)),
  open: (id) => openEntity(id),
  onApplied: async (op, vars, answer) => {
    state.details.clear();
    if (op === "mergeEntities") for (const id of vars.ids) graph.remove(id);
    if (op === "judge" && String(vars.decision).toLowerCase() === "same" && answer && answer.entity) {
      // "same" merges the pair: the one that is gone leaves the drawing.
      for (const id of [vars.a, vars.b]) if (id !== answer.entity.id) graph.remove(id);
    }
    const shown = (answer && answer.entity && answer.entity.id) || vars.into || vars.a || vars.id;
    await openEntity(shown, { fresh: true });
    showTab("corrections");
  },
});

// ---------------------------------------------------------------- start

function wire() {
  const typeSelect = $("search-type");
  for (const [type, label] of Object.entries(TYPE_LABELS)) typeSelect.append(h("option", { value: type }, label));
  $("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    doSearch({ again: true });
  });
  $("search-input").addEventListener("input", debounce(() => doSearch(), 350));
  $("search-type").addEventListener("change", () => doSearch());
  $("path-find").addEventListener("click", findPaths);
  $("path-clear").addEventListener("click", () => {
    graph.clearHighlight();
    clear($("path-results"));
  });
  for (const id of ["date-from", "date-to"]) $(id).addEventListener("input", debounce(applyFilters, 300));
  $("keep-undated").addEventListener("change", applyFilters);
  $("expand-selected").addEventListener("click", () => {
    const sel = graph.cy.nodes(":selected");
    if (sel.nonempty()) expand(sel[0].id());
    else say("先在图中选中一个节点", "error");
  });
  $("relayout").addEventListener("click", () => {
    const ms = graph.layout({ randomize: true, fit: true });
    say(`已重新布局 ${graph.size.nodes} 个节点，用时 ${Math.round(ms)} 毫秒`);
  });
  $("fit").addEventListener("click", () => graph.fit());
  $("clear-graph").addEventListener("click", () => {
    graph.clear();
    clear($("path-results"));
  });
  for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("editor-login").addEventListener("click", () => (keys.get() ? keys.clear() : keys.ask()));
  $("key-cancel").addEventListener("click", () => $("key-dialog").close("cancel"));
  $("key-form").addEventListener("submit", () => { $("key-dialog").returnValue = "ok"; });
}

async function start() {
  wire();
  drawEditorState();
  drawTypeFilters();
  drawCount();
  // The first read: on a server that lets no one read anonymously, this is where the key is asked for.
  await guarded("读取统计", async () => {
    const { stats } = await gql("{ stats { nodes relations } }");
    $("stats").textContent = `收录 ${stats.nodes} 个节点 · ${stats.relations} 条关系`;
  });
  Object.assign(state.caps, await capabilities());
  document.body.dataset.ready = "true";
  const m = location.hash.match(/^#entity=(.+)$/);
  if (m) openEntity(decodeURIComponent(m[1]));
}

// For tests and benchmarks: the graph, and a way to load elements directly.
window.loupanExplorer = { graph, state, openEntity, expand };

start();
