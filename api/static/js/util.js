// Shared utilities: DOM building (text only, never HTML from data), labels in Chinese, dates.

export const TYPE_LABELS = {
  Developer: "开发商", Project: "楼盘", Person: "人物", Official: "官员", Agency: "政府机构",
  Organization: "机构", TaskForce: "工作专班", Policy: "政策", Place: "地区", Event: "事件",
  Report: "报道", Outlet: "媒体",
};

export const TYPE_COLORS = {
  Developer: "#c0392b", Project: "#2e86c1", Person: "#8e44ad", Official: "#6c3483", Agency: "#d68910",
  Organization: "#b7950b", TaskForce: "#e67e22", Policy: "#16a085", Place: "#27ae60", Event: "#34495e",
  Report: "#7f8c8d", Outlet: "#95a5a6",
};

export const REL_LABELS = {
  DEVELOPS: "开发", SUBSIDIARY_OF: "子公司", LOCATED_IN: "位于", PART_OF: "隶属", HANDLES: "负责处置",
  LEADS: "领导", MEMBER_OF: "成员", HOLDS_POSITION: "任职", ISSUED: "发布", ADOPTED: "采用",
  APPLIES_TO: "适用于", INVOLVES: "涉及", MENTIONS: "提及", PUBLISHED_BY: "刊发于",
};

export const LEVEL_LABELS = { province: "省级", prefecture: "地级", county: "县级", district: "区县" };

export const typeLabel = (t) => TYPE_LABELS[t] || t || "未知";
export const relLabel = (t) => REL_LABELS[t] || t || "关系";
export const typeColor = (t) => TYPE_COLORS[t] || "#566573";

/** Build an element: h("a", {href, class: "x", onclick}, "text", child, …). Strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function typeBadge(type) {
  return h("span", { class: "badge", style: { background: typeColor(type) }, title: type }, typeLabel(type));
}

/** Only http(s) links are rendered as links; anything else stays text. */
export function safeUrl(url) {
  if (!url) return null;
  try {
    const u = new URL(url, document.baseURI);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** Normalize a user-typed date bound to an ISO prefix (2022, 2022-07, 2022-07-15), or "" / null if invalid. */
export function dateBound(text) {
  const t = (text || "").trim().replace(/[年月/.]/g, "-").replace(/日$/, "").replace(/-+$/, "");
  if (!t) return "";
  const m = t.match(/^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$/);
  if (!m) return null;
  return [m[1], m[2] && m[2].padStart(2, "0"), m[3] && m[3].padStart(2, "0")].filter(Boolean).join("-");
}

/** Is an ISO date (possibly partial) inside [from, to] compared at the shared precision? */
export function inRange(date, from, to) {
  if (!date) return true;
  if (from && date.slice(0, from.length) < from.slice(0, date.length)) return false;
  if (to && date.slice(0, to.length) > to.slice(0, date.length)) return false;
  return true;
}

/** The record reference without the directory it was ingested from: "extra-info.json#北京市-…". */
export function shortRecord(ref) {
  if (!ref) return "";
  const [file, frag] = ref.split("#");
  const base = file.split(/[\\/]/).pop();
  return frag === undefined ? base : `${base}#${frag}`;
}

/** "郑州市 · 河南省" from an entity's place chain. */
export function placeText(entity) {
  const p = entity && entity.place;
  if (!p) return "";
  const parent = p.place && p.place.name && p.place.name !== p.name ? p.place.name : "";
  return parent ? `${p.name} · ${parent}` : p.name;
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}
