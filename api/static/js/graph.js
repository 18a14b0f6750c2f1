// The graph view: Cytoscape.js laid out by d3-force, grown one expansion at a time.

import { inRange, relLabel, typeColor } from "./util.js";

const STYLE = [
  {
    selector: "node",
    style: {
      "background-color": "data(color)",
      label: "data(label)",
      width: "mapData(deg, 0, 40, 18, 46)",
      height: "mapData(deg, 0, 40, 18, 46)",
      "font-size": 11,
      "font-family": '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif',
      color: "#1f2933",
      "text-valign": "bottom",
      "text-margin-y": 3,
      "text-max-width": 110,
      "text-wrap": "ellipsis",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.8,
      "text-background-padding": 1,
      "min-zoomed-font-size": 7,
      "border-width": 1,
      "border-color": "#ffffff",
    },
  },
  { selector: "node.focus", style: { "border-width": 3, "border-color": "#f5b041" } },
  { selector: "node:selected", style: { "border-width": 4, "border-color": "#17202a", "z-index": 20 } },
  {
    selector: "edge",
    style: {
      width: 1.4,
      "curve-style": "straight",
      "line-color": "#aab7c4",
      "target-arrow-shape": "triangle",
      "target-arrow-color": "#aab7c4",
      "arrow-scale": 0.8,
      label: "data(label)",
      "font-size": 9,
      color: "#52606d",
      "text-rotation": "autorotate",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "min-zoomed-font-size": 9,
    },
  },
  { selector: "edge:selected", style: { width: 3.5, "line-color": "#17202a", "target-arrow-color": "#17202a", "z-index": 20 } },
  { selector: "node.path", style: { "border-width": 5, "border-color": "#e67e22", "z-index": 30 } },
  {
    selector: "edge.path",
    style: { width: 4.5, "line-color": "#e67e22", "target-arrow-color": "#e67e22", "z-index": 30, "min-zoomed-font-size": 4 },
  },
  { selector: ".faded", style: { opacity: 0.18 } },
  { selector: ".filtered", style: { display: "none" } },
];

/** A node's drawn radius, as the style's `mapData(deg, 0, 40, 18, 46)` sizes it. */
function nodeRadius(deg) {
  return (18 + (Math.min(Math.max(deg || 0, 0), 40) / 40) * 28) / 2;
}

/** The date of a relation: its own date attribute, else the earliest date of the reports that assert it. */
export function relationDate(rel) {
  const attrs = rel.attrs || {};
  const own = attrs.date || attrs.start || attrs.startDate;
  if (own) return String(own);
  const dates = (rel.sources || []).map((s) => s.report && s.report.publishedAt).filter(Boolean).sort();
  return dates[0] || "";
}

export class GraphView {
  constructor(container, { onSelectNode, onSelectEdge, onExpand, onChange } = {}) {
    this.onChange = onChange || (() => {});
    this.lastLayoutMs = 0;
    this.baseEdgeLength = 70;
    this.leafSpacing = 4;
    // Measured at 1,000 nodes: 200 ticks, collisions in the last 40% once each, give the same
    // overlap-free drawing as 300 ticks with collisions throughout, in less than half the time.
    this.ticks = 200;
    this.collideShare = 0.4;
    this.collideIterations = 1;
    this.cy = window.cytoscape({
      container,
      style: STYLE,
      minZoom: 0.03,
      maxZoom: 2.5,
      boxSelectionEnabled: false,
      selectionType: "single",
      textureOnViewport: false,
      hideEdgesOnViewport: false,
    });
    this.cy.on("tap", "node", (ev) => onSelectNode && onSelectNode(ev.target.id()));
    this.cy.on("tap", "edge", (ev) => onSelectEdge && onSelectEdge(ev.target.id()));
    this.cy.on("dbltap", "node", (ev) => onExpand && onExpand(ev.target.id()));
  }

  get size() {
    return { nodes: this.cy.nodes().length, edges: this.cy.edges().length };
  }

  has(id) {
    return this.cy.getElementById(id).nonempty();
  }

  entity(id) {
    const el = this.cy.getElementById(id);
    return el.nonempty() && el.isNode() ? el.data("entity") : null;
  }

  relation(id) {
    const el = this.cy.getElementById(id);
    return el.nonempty() && el.isEdge() ? el.data("relation") : null;
  }

  nodeData(entity) {
    // Events often share a name ("专题会议"); their date tells them apart.
    const label = entity.type === "Event" && entity.date ? `${entity.date} ${entity.name}` : entity.name;
    return { id: entity.id, label, type: entity.type, date: entity.date || "", color: typeColor(entity.type), entity };
  }

  /** Add an entity (or refresh what is known about it); returns its node. */
  addEntity(entity, position) {
    let node = this.cy.getElementById(entity.id);
    if (node.nonempty()) {
      node.data({ ...this.nodeData({ ...node.data("entity"), ...entity }) });
      return node;
    }
    // A copy: cytoscape keeps the object it is given, and nodes must not share one.
    node = this.cy.add({ group: "nodes", data: { ...this.nodeData(entity), deg: 0 }, position: { ...(position || this.freeSpot()) } });
    return node;
  }

  addRelation(rel) {
    const existing = this.cy.getElementById(rel.id);
    const data = { id: rel.id, source: rel.source.id, target: rel.target.id, type: rel.type, label: relLabel(rel.type),
      date: relationDate(rel), relation: rel };
    if (existing.nonempty()) {
      existing.data(data);
      return existing;
    }
    return this.cy.add({ group: "edges", data });
  }

  /** A position to the right of everything there is, for a node with nothing to attach to. */
  freeSpot() {
    if (this.cy.nodes().empty()) return { x: 0, y: 0 };
    const bb = this.cy.nodes().boundingBox();
    return { x: bb.x2 + 120, y: (bb.y1 + bb.y2) / 2 };
  }

  /**
   * Add the relations found around `centerId`. New neighbours go on rings around the centre, away
   * from what is already drawn, then settle by a short simulation in which the nodes already drawn
   * stay where they are. Returns counts added.
   */
  addNeighbourhood(centerId, relations) {
    const center = this.cy.getElementById(centerId);
    const fresh = [];
    let edges = 0;
    this.cy.batch(() => {
      for (const rel of relations) {
        if (!rel.source || !rel.target) continue;
        for (const end of [rel.source, rel.target]) {
          if (!this.has(end.id)) fresh.push(this.addEntity(end, center.nonempty() ? { ...center.position() } : undefined));
        }
        if (!this.has(rel.id)) edges += 1;
        this.addRelation(rel);
      }
      this.refreshDegrees();
    });
    if (center.nonempty() && fresh.length) this.placeAround(center, fresh);
    if (fresh.length) {
      for (const node of fresh) node.scratch("_fresh", true);
      this.layout({ randomize: false, fit: false, pin: true });
    }
    this.onChange();
    return { nodes: fresh.length, edges };
  }

  placeAround(center, nodes) {
    const c = { ...center.position() };
    const others = this.cy.nodes().not(center).not(this.cy.collection(nodes));
    // Open the rings on the side facing away from the rest of the drawing.
    let away = 0;
    if (others.nonempty()) {
      const bb = others.boundingBox();
      away = Math.atan2(c.y - (bb.y1 + bb.y2) / 2, c.x - (bb.x1 + bb.x2) / 2);
    }
    const span = others.nonempty() ? Math.PI * 1.4 : Math.PI * 2;
    let placed = 0;
    for (let ring = 0; placed < nodes.length; ring += 1) {
      const r = 110 + ring * 60;
      const cap = Math.max(6, Math.floor((span * r) / 48));
      const m = Math.min(cap, nodes.length - placed);
      for (let i = 0; i < m; i += 1) {
        const a = away - span / 2 + (span * (i + 0.5)) / m;
        nodes[placed + i].position({ x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) });
      }
      placed += m;
    }
  }

  refreshDegrees() {
    this.cy.nodes().forEach((n) => n.data("deg", n.degree(false)));
  }

  /**
   * Lay the graph out with a d3-force simulation run to its end without drawing (no animation):
   * links pull neighbours together, Barnes-Hut repulsion spreads the rest, a collision force keeps
   * every node (and the start of its label) clear of the others, and weak gravity keeps separate
   * components near each other. `randomize` starts from scratch; otherwise nodes start where they
   * are and, with `pin`, the ones already drawn stay put so an expansion does not reshuffle the view.
   * Returns the milliseconds it took.
   */
  layout({ randomize = true, fit = true, pin = false } = {}) {
    const nodes = this.cy.nodes();
    const n = nodes.length;
    if (!n) return 0;
    const t0 = performance.now();
    const d3 = window.d3;
    const leaves = new Map();
    this.cy.edges().forEach((e) => {
      const [a, b] = [e.source(), e.target()];
      if (b.degree(false) === 1) leaves.set(a.id(), (leaves.get(a.id()) || 0) + 1);
      if (a.degree(false) === 1) leaves.set(b.id(), (leaves.get(b.id()) || 0) + 1);
    });
    const sims = nodes.map((node) => {
      const p = node.position();
      const d = { id: node.id(), r: nodeRadius(node.data("deg")) };
      if (!randomize) Object.assign(d, { x: p.x, y: p.y });
      if (pin && !node.scratch("_fresh")) Object.assign(d, { fx: p.x, fy: p.y });
      return d;
    });
    const links = this.cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id() }));
    // A hub's leaves need room around it: the link grows with the busier end's number of leaves.
    const leafCount = (id) => leaves.get(id) || 0;
    const length = (l) => Math.max(this.baseEdgeLength, this.leafSpacing * Math.max(leafCount(l.source.id), leafCount(l.target.id)));
    const ticks = this.ticks;
    const sim = d3.forceSimulation(sims).stop()
      .alphaDecay(1 - Math.pow(0.001, 1 / ticks))
      .force("link", d3.forceLink(links).id((d) => d.id).distance(length))
      .force("charge", d3.forceManyBody().strength(-140).theta(0.9).distanceMax(900))
      .force("x", d3.forceX(0).strength(0.04))
      .force("y", d3.forceY(0).strength(0.04));
    if (!randomize) sim.alpha(0.5);
    // Collisions matter once the shape has formed; resolving them from the first tick doubles the cost.
    const settle = Math.ceil(ticks * this.collideShare);
    const steps = randomize ? ticks : Math.ceil(ticks / 2);
    sim.tick(Math.max(0, steps - settle));
    sim.force("collide", d3.forceCollide((d) => d.r + 7).iterations(this.collideIterations));
    sim.tick(Math.min(steps, settle));
    const at = new Map(sims.map((d) => [d.id, d]));
    this.cy.batch(() => nodes.positions((node) => ({ x: at.get(node.id()).x, y: at.get(node.id()).y })));
    nodes.removeScratch("_fresh");
    if (fit) this.fit();
    this.lastLayoutMs = performance.now() - t0;
    return this.lastLayoutMs;
  }

  focus(id, { zoom = true } = {}) {
    const el = this.cy.getElementById(id);
    if (el.empty()) return;
    this.cy.elements().unselect();
    el.select();
    this.cy.nodes(".focus").removeClass("focus");
    if (el.isNode()) el.addClass("focus");
    if (zoom) {
      const around = el.isNode() ? el.closedNeighborhood() : el.connectedNodes().union(el);
      this.cy.fit(around.filter(":visible"), 80);
      if (this.cy.zoom() > 1.6) this.cy.zoom({ level: 1.6, position: el.isNode() ? el.position() : el.midpoint() });
    }
  }

  fit() {
    this.cy.fit(this.cy.elements(":visible"), 40);
  }

  clear() {
    this.cy.elements().remove();
    this.onChange();
  }

  remove(id) {
    this.cy.getElementById(id).remove();
    this.onChange();
  }

  highlightPath(nodeIds, edgeIds) {
    this.clearHighlight();
    const els = this.cy.collection();
    for (const id of [...nodeIds, ...edgeIds]) els.merge(this.cy.getElementById(id));
    this.cy.elements().not(els).addClass("faded");
    els.addClass("path");
    this.cy.fit(els, 80);
  }

  clearHighlight() {
    this.cy.elements().removeClass("faded path");
  }

  /** Hide nodes of the unticked types, and nodes and relations dated outside [from, to]. */
  applyFilter({ hiddenTypes = new Set(), from = "", to = "", keepUndated = true } = {}) {
    const dated = Boolean(from || to);
    const hide = (type, date) => hiddenTypes.has(type) || (date ? !inRange(date, from, to) : dated && !keepUndated);
    this.cy.batch(() => {
      this.cy.nodes().forEach((n) => {
        n.toggleClass("filtered", hide(n.data("type"), n.data("date")));
      });
      this.cy.edges().forEach((e) => {
        const endsHidden = e.source().hasClass("filtered") || e.target().hasClass("filtered");
        e.toggleClass("filtered", endsHidden || hide(null, e.data("date")));
      });
    });
  }

  typeCounts() {
    const counts = new Map();
    this.cy.nodes().forEach((n) => counts.set(n.data("type"), (counts.get(n.data("type")) || 0) + 1));
    return counts;
  }

  visibleCount() {
    // By class, not `:visible`: the style behind `:visible` may be updated only at the next frame.
    return { nodes: this.cy.nodes().not(".filtered").length, edges: this.cy.edges().not(".filtered").length };
  }

  /** Replace the graph with raw elements (benchmarks and tests); returns the layout time in ms. */
  load(entities, relations) {
    this.cy.batch(() => {
      this.cy.elements().remove();
      for (const e of entities) this.cy.add({ group: "nodes", data: { ...this.nodeData(e), deg: 0 }, position: { x: 0, y: 0 } });
      for (const r of relations) this.addRelation(r);
      this.refreshDegrees();
    });
    const ms = this.layout({ randomize: true, fit: true });
    this.onChange();
    return ms;
  }

  /** How many pairs of visible nodes overlap (centres closer than the larger of their radii). */
  overlaps() {
    const nodes = this.cy.nodes(":visible").map((n) => ({ p: n.position(), r: n.width() / 2 }));
    const cell = 50;
    const grid = new Map();
    let count = 0;
    for (const a of nodes) {
      const gx = Math.floor(a.p.x / cell);
      const gy = Math.floor(a.p.y / cell);
      for (let dx = -1; dx <= 1; dx += 1) {
        for (let dy = -1; dy <= 1; dy += 1) {
          for (const b of grid.get(`${gx + dx},${gy + dy}`) || []) {
            const d = Math.hypot(a.p.x - b.p.x, a.p.y - b.p.y);
            if (d < a.r + b.r) count += 1;
          }
        }
      }
      const key = `${gx},${gy}`;
      if (!grid.has(key)) grid.set(key, []);
      grid.get(key).push(a);
    }
    return count;
  }
}
