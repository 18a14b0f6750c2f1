// The evidence panel: an entity's or a relation's properties, aliases and quotes with their reports.

import { LEVEL_LABELS, clear, h, placeText, relLabel, safeUrl, shortRecord, typeBadge, typeLabel } from "./util.js";

const QUOTES_SHOWN = 5;
const KIND_LABELS = { event: "事件", relation: "关系", report: "报道" };
const RELATIONS_SHOWN = 40;

function section(title, ...body) {
  return h("section", { class: "ev-section" }, h("h4", {}, title), ...body);
}

function entityButton(entity, open) {
  if (!entity) return h("span", { class: "muted" }, "（未知）");
  return h("button", { type: "button", class: "linkish", title: entity.id, onclick: () => open(entity.id) }, entity.name);
}

function valueNode(value) {
  if (value === null || value === undefined || value === "") return h("span", { class: "muted" }, "—");
  if (Array.isArray(value)) return value.length ? value.map((v) => valueNode(v)).reduce((a, b) => [a, "，", b]) : "—";
  if (typeof value === "object") return h("code", {}, JSON.stringify(value));
  const text = String(value);
  const url = /^https?:\/\//.test(text) ? safeUrl(text) : null;
  return url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text) : text;
}

function propertyList(rows) {
  const dl = h("dl", { class: "props" });
  for (const [key, value, title] of rows) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) continue;
    dl.append(h("dt", { title: title || key }, key), h("dd", {}, valueNode(value)));
  }
  return dl;
}

function attrRows(attrs) {
  return Object.entries(attrs || {})
    .filter(([k]) => k !== "content_hash")
    .map(([k, v]) => [k, v, k]);
}

function reportHead(report) {
  const url = safeUrl(report.url);
  const kind = report.kind === "records" ? "结构化记录" : report.kind === "news" ? "新闻报道" : report.kind === "reference" ? "参考资料" : "";
  return h(
    "div",
    { class: "report-head" },
    h("span", { class: "report-title" }, report.title || report.id),
    url ? h("a", { class: "report-link", href: url, target: "_blank", rel: "noopener noreferrer", title: report.url }, "阅读原文 ↗") : null,
    h("div", { class: "report-meta" }, [report.outlet, report.publishedAt, kind].filter(Boolean).join(" · ")),
  );
}

function quoteItem(src) {
  const meta = [];
  if (src.record) meta.push(`记录 ${shortRecord(src.record)}`);
  if (src.field) meta.push(src.record ? `字段 ${src.field}` : `提及「${src.field}」`);
  if (src.span) meta.push(`位置 ${src.span[0]}–${src.span[1]}`);
  if (src.extractedBy) meta.push(`来源方式 ${src.extractedBy}`);
  return h(
    "li",
    { class: "quote" },
    h("blockquote", {}, src.quote ? `「${src.quote}」` : h("span", { class: "muted" }, "（无原文）")),
    h("div", { class: "quote-meta" }, meta.join(" · ")),
  );
}

/** Quotes grouped by report, newest report first, a few quotes each with "show more". */
export function renderSources(sources) {
  if (!sources || !sources.length) return h("p", { class: "muted" }, "没有来源记录。");
  const groups = new Map();
  for (const s of sources) {
    const key = (s.report && s.report.id) || "?";
    if (!groups.has(key)) groups.set(key, { report: s.report || { id: key }, items: [] });
    groups.get(key).items.push(s);
  }
  const ordered = [...groups.values()].sort((a, b) => String(b.report.publishedAt || "").localeCompare(String(a.report.publishedAt || "")));
  return h(
    "div",
    { class: "sources" },
    ordered.map(({ report, items }) => {
      const list = h("ul", { class: "quotes" }, items.slice(0, QUOTES_SHOWN).map(quoteItem));
      const more = items.length > QUOTES_SHOWN
        ? h("button", { type: "button", class: "btn btn-small", onclick: (ev) => {
          list.append(...items.slice(QUOTES_SHOWN).map(quoteItem));
          ev.target.remove();
        } }, `再显示 ${items.length - QUOTES_SHOWN} 条`)
        : null;
      return h("div", { class: "report" }, reportHead(report), list, more);
    }),
  );
}

/** The panel for one entity. `act` has open(id), openRelation(rel), expand(id), setEnd(which, entity). */
export function renderEntity(container, entity, act) {
  const where = placeText(entity);
  const relations = entity.relations || [];
  const relList = h("ul", { class: "rel-list" });
  const showRelations = (list) => {
    relList.replaceChildren(
      ...list.map((rel) => {
        const outgoing = rel.source && rel.source.id === entity.id;
        const other = outgoing ? rel.target : rel.source;
        return h(
          "li",
          {},
          h("button", { type: "button", class: "rel-open", title: "查看这条关系的证据 (evidence of this relation)", onclick: () => act.openRelation(rel) },
            h("span", { class: "rel-dir" }, outgoing ? "→" : "←"),
            h("span", { class: "rel-type" }, relLabel(rel.type))),
          entityButton(other, act.open),
          other ? h("span", { class: "rel-other-type" }, typeLabel(other.type)) : null,
          h("span", { class: "rel-count", title: "sources" }, `${(rel.sources || []).length} 条来源`),
        );
      }),
    );
  };
  showRelations(relations.slice(0, RELATIONS_SHOWN));
  const moreRelations = relations.length > RELATIONS_SHOWN
    ? h("button", { type: "button", class: "btn btn-small", onclick: (ev) => { showRelations(relations); ev.target.remove(); } },
      `显示全部 ${relations.length} 条`)
    : null;

  clear(
    container,
    h("div", { class: "ev-head" }, h("h3", { class: "ev-title" }, entity.name), typeBadge(entity.type)),
    where ? h("div", { class: "ev-sub" }, `所在地：${where}`) : null,
    h(
      "div",
      { class: "ev-actions" },
      h("button", { type: "button", id: "expand-button", class: "btn btn-primary", onclick: () => act.expand(entity.id), title: "Add its neighbours to the graph" }, "展开邻居"),
      h("button", { type: "button", class: "btn", "data-end": "from", onclick: () => act.setEnd("from", entity), title: "Use as the start of a path" }, "设为起点"),
      h("button", { type: "button", class: "btn", "data-end": "to", onclick: () => act.setEnd("to", entity), title: "Use as the end of a path" }, "设为终点"),
    ),
    section("别名", entity.aliases && entity.aliases.length
      ? h("div", { class: "chips" }, entity.aliases.map((a) => h("span", { class: "chip" }, a)))
      : h("p", { class: "muted" }, "没有记录别名。")),
    section("属性", propertyList([
      ["类型", `${typeLabel(entity.type)}（${entity.type}）`, "type"],
      ["标签", (entity.labels || []).filter((l) => l !== entity.type).map(typeLabel), "labels"],
      ["所在地", where, "place"],
      ["行政区划代码", entity.code, "GB/T 2260 code"],
      ["级别", LEVEL_LABELS[entity.level] || entity.level, "level"],
      ["日期", entity.date, "date"],
      ["编号", entity.id, "id"],
      ...attrRows(entity.attrs),
    ])),
    section(`关系（${relations.length}${relations.length >= 100 ? "+" : ""}）`,
      relations.length ? relList : h("p", { class: "muted" }, "没有已知关系。"), moreRelations),
    section(`来源与原文（${(entity.sources || []).length}）`, renderSources(entity.sources)),
  );
}

/** The panel for one relation. */
export function renderRelation(container, rel, act) {
  clear(
    container,
    h(
      "div",
      { class: "ev-head" },
      h("h3", { class: "ev-title rel-title" }, rel.source ? rel.source.name : "?", h("span", { class: "rel-arrow" }, ` —${relLabel(rel.type)}→ `), rel.target ? rel.target.name : "?"),
    ),
    h("div", { class: "ev-sub" }, h("span", { class: "badge badge-rel", title: rel.type }, `关系：${relLabel(rel.type)}`)),
    section("两端", h(
      "dl",
      { class: "props" },
      h("dt", {}, "起点"), h("dd", {}, entityButton(rel.source, act.open), rel.source ? ` ${typeLabel(rel.source.type)}` : ""),
      h("dt", {}, "终点"), h("dd", {}, entityButton(rel.target, act.open), rel.target ? ` ${typeLabel(rel.target.type)}` : ""),
    )),
    Object.keys(rel.attrs || {}).length ? section("属性", propertyList(attrRows(rel.attrs))) : null,
    section(`来源与原文（${(rel.sources || []).length}）`, renderSources(rel.sources)),
    h("p", { class: "muted small" }, `编号 ${rel.id}`),
  );
}

/** The timeline tab: server events when the server has `timeline`, else a clear notice and the dated reports. */
export function renderTimeline(container, { subject, available, items, error, fallback, act }) {
  if (!subject) {
    clear(container, h("p", { class: "muted" }, "先选择一个实体或地区。"));
    return;
  }
  const head = h("div", { class: "ev-head" }, h("h3", { class: "ev-title" }, `${subject.name} 的时间线`), typeBadge(subject.type));
  if (!available) {
    clear(
      container,
      head,
      h("div", { class: "notice", id: "timeline-unavailable" },
        "此服务器暂不提供时间线查询（timeline not available on this server）。",
        h("br"), "下面按报道日期列出已知的来源。"),
      fallbackList(fallback, act),
    );
    return;
  }
  if (error) {
    clear(container, head, h("div", { class: "notice notice-error" }, `时间线查询失败：${error}`));
    return;
  }
  if (!items.length) {
    clear(container, head, h("p", { class: "muted" }, "这个时间段没有记录。"));
    return;
  }
  clear(
    container,
    head,
    h("p", { class: "muted small" }, `共 ${items.length} 条，按时间先后排列。`),
    h("ol", { class: "tl", id: "timeline-list" }, items.map((it) => {
      const src = (it.sources || []).find((x) => x.quote) || null;
      const url = src && src.report ? safeUrl(src.report.url) : null;
      return h(
        "li",
        { class: "tl-item" },
        h("div", { class: "tl-head" }, h("span", { class: "tl-date" }, it.date || "日期不详"),
          it.kind ? h("span", { class: "tl-kind" }, KIND_LABELS[it.kind] || it.kind) : null),
        h("div", { class: "tl-body" },
          it.entity ? h("span", {}, entityButton(it.entity, act.open), " ", h("span", { class: "rel-other-type" }, typeLabel(it.entity.type))) : null,
          it.relation ? h("button", { type: "button", class: "linkish tl-rel", onclick: () => act.openRelation(it.relation) },
            `${it.relation.source ? it.relation.source.name : "?"} —${relLabel(it.relation.type)}→ ${it.relation.target ? it.relation.target.name : "?"}`) : null,
          src ? h("blockquote", { class: "tl-quote" }, `「${src.quote}」`) : null,
          src && src.report ? h("div", { class: "quote-meta" }, [src.report.title, src.report.outlet].filter(Boolean).join(" · "),
            url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "report-link" }, " 阅读原文 ↗") : null) : null),
      );
    })),
  );
}

function fallbackList(items, act) {
  if (!items || !items.length) return h("p", { class: "muted" }, "已载入的来源都没有日期。");
  return h("ol", { class: "tl" }, items.map((it) => h(
    "li",
    { class: "tl-item" },
    h("span", { class: "tl-date" }, it.date),
    h("div", { class: "tl-body" }, it.relation
      ? h("button", { type: "button", class: "linkish", onclick: () => act.openRelation(it.relation) }, it.label)
      : h("span", {}, it.label), h("div", { class: "quote-meta" }, it.report || "")),
  )));
}
