// Corrections for editors: merge, split, not-the-same (judge), add alias — the server's own GraphQL
// mutations, sent with the editor's key — and the audit of what was changed.

import { enumValue, gql, isAuthError, isMissingOperation, selectionFor } from "./gql.js";
import { EntityPicker } from "./picker.js";
import { clear, h, typeBadge } from "./util.js";

// The signatures the server is expected to have; introspection wins where it says otherwise.
const PLANNED = {
  mergeEntities: { ids: "[ID!]!", into: "ID!", reason: "String!" },
  splitEntity: { id: "ID!", aliases: "[String!]!", reason: "String!" },
  judge: { a: "ID!", b: "ID!", decision: "String!", reason: "String!" },
  addAlias: { id: "ID!", alias: "String!", reason: "String!" },
};

export const OP_LABELS = { mergeEntities: "合并", splitEntity: "拆分", judge: "判定", addAlias: "添加别名" };
const DECISIONS = [
  ["same", "是同一实体", "same"],
  ["not_same", "不是同一实体", "not the same"],
  ["unsure", "不确定", "unsure"],
];
const ACTION_LABELS = { merge: "合并", split: "拆分", judge: "判定", add_alias: "添加别名", ingest: "导入" };
const DECISION_LABELS = { same: "同一实体", not_same: "不是同一实体", unsure: "不确定" };
const AUDIT_QUERIES = ["audit", "auditLog", "changes", "history", "corrections"];
const LOCAL_AUDIT = "loupan.audit";

function typeRefText(ref) {
  if (!ref) return "String";
  if (ref.kind === "NON_NULL") return `${typeRefText(ref.ofType)}!`;
  if (ref.kind === "LIST") return `[${typeRefText(ref.ofType)}]`;
  return ref.name;
}

export class Corrections {
  /**
   * @param {HTMLElement} container
   * @param {{caps: object, keys: {get: () => string|null, ask: () => Promise<string|null>, clear: () => void},
   *          search: (q: string) => Promise<object[]>, onApplied: (op: string, vars: object) => void,
   *          open: (id: string) => void}} deps
   */
  constructor(container, deps) {
    this.el = container;
    this.deps = deps;
    this.entity = null;
    this.missing = new Set();
    try {
      this.local = JSON.parse(sessionStorage.getItem(LOCAL_AUDIT) || "[]");
    } catch {
      this.local = [];
    }
  }

  available(op) {
    const { caps } = this.deps;
    if (this.missing.has(op)) return false;
    return caps.known ? caps.mutation.has(op) : true;
  }

  unavailableNote(op) {
    return h("p", { class: "notice op-unavailable", "data-op": op },
      `此服务器暂不提供「${OP_LABELS[op]}」操作（${op} not available on this server）。`);
  }

  render(entity) {
    this.entity = entity;
    if (!entity) {
      clear(this.el, h("p", { class: "muted" }, "先选择一个实体。"));
      return;
    }
    const anyAvailable = Object.keys(PLANNED).some((op) => this.available(op));
    clear(
      this.el,
      h("div", { class: "ev-head" }, h("h3", { class: "ev-title" }, entity.name), typeBadge(entity.type)),
      h("p", { class: "muted small" }, "更正会直接写入图谱并记入审计日志；每一项都需要填写理由。"),
      anyAvailable ? null : h("div", { class: "notice", id: "corrections-unavailable" },
        "此服务器暂不提供更正操作（corrections are not available on this server）。以下表单在服务器支持后即可使用。"),
      this.aliasForm(entity),
      this.mergeForm(entity),
      this.splitForm(entity),
      this.judgeForm(entity),
      h("section", { class: "ev-section", id: "audit" }, h("h4", { title: "Audit" }, "审计记录"), this.auditBody = h("div")),
    );
    this.renderAudit();
  }

  form(op, title, tip, fields, collect) {
    const result = h("div", { class: "op-result", "aria-live": "polite" });
    if (this.flash && this.flash.op === op) {
      // The outcome of the submission that caused this redraw (the entity changed, so the panel did).
      result.append(...this.flash.nodes);
      this.flash = null;
    }
    const reason = h("textarea", { name: "reason", rows: 2, required: true, placeholder: "理由（必填），例如报道链接或核实经过", "aria-label": "理由" });
    const submit = h("button", { type: "submit", class: "btn btn-primary" }, "提交");
    const enabled = this.available(op);
    const form = h(
      "form",
      { class: "op-form", id: `form-${op}`, "data-op": op, title: tip },
      h("h5", {}, title),
      enabled ? null : this.unavailableNote(op),
      h("fieldset", { disabled: !enabled }, fields, reason, h("div", { class: "op-actions" }, submit)),
      result,
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const vars = collect();
      if (typeof vars === "string") {
        clear(result, h("p", { class: "notice notice-error" }, vars));
        return;
      }
      vars.reason = reason.value.trim();
      if (!vars.reason) {
        clear(result, h("p", { class: "notice notice-error" }, "请填写理由。"));
        return;
      }
      submit.disabled = true;
      try {
        await this.submit(op, vars, result);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  aliasForm(entity) {
    const alias = h("input", { name: "alias", type: "text", placeholder: "新别名，例如简称或旧名", "aria-label": "新别名" });
    return this.form("addAlias", "添加别名", "addAlias(id, alias, reason)", [alias], () => {
      const value = alias.value.trim();
      return value ? { id: entity.id, alias: value } : "请填写别名。";
    });
  }

  mergeForm(entity) {
    const host = h("div", { class: "picker", "data-placeholder": "搜索要并入的实体…" });
    const picker = new EntityPicker(host, { search: this.deps.search, multiple: true, exclude: () => [entity.id] });
    return this.form("mergeEntities", "合并重复实体", "mergeEntities(ids, into, reason)", [
      h("p", { class: "small" }, `选中的实体将并入「${entity.name}」，它们的别名、关系和来源都归到这里。`), host,
    ], () => {
      const ids = picker.value.map((e) => e.id);
      return ids.length ? { ids, into: entity.id } : "请至少选择一个要并入的实体。";
    });
  }

  /**
   * Split has two shapes: by aliases (a new entity from some of the names), or, where the server's
   * `splitEntity` takes no aliases, as the undoing of a recorded merge into this entity.
   */
  splitForm(entity) {
    const field = this.deps.caps.mutation.get("splitEntity");
    if (field && !field.args.some((a) => a.name === "aliases")) return this.undoMergeForm(entity);
    const aliases = entity.aliases || [];
    const boxes = aliases.map((a) => h("label", { class: "check" }, h("input", { type: "checkbox", value: a }), ` ${a}`));
    return this.form("splitEntity", "拆分实体", "splitEntity(id, aliases, reason)", [
      h("p", { class: "small" }, "勾选其实属于另一个实体的别名，它们会被拆成一个新实体。"),
      aliases.length ? h("div", { class: "split-aliases" }, boxes) : h("p", { class: "muted small" }, "这个实体没有别名，无法拆分。"),
    ], () => {
      const chosen = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      return chosen.length ? { id: entity.id, aliases: chosen } : "请至少勾选一个别名。";
    });
  }

  undoMergeForm(entity) {
    const list = h("div", { class: "split-merges" }, h("p", { class: "muted small" }, "读取合并记录…"));
    const manual = h("input", { type: "text", name: "ref", placeholder: "或填写被并入实体的编号、合并记录编号", "aria-label": "编号" });
    this.loadMerges(entity, list);
    return this.form("splitEntity", "撤销合并（拆分）", "splitEntity(id, reason): undo a merge", [
      h("p", { class: "small" }, `选择一次并入「${entity.name}」的合并：撤销后被并入的实体恢复独立，并记为“不是同一实体”。`),
      list, manual,
    ], () => {
      const chosen = list.querySelector("input:checked");
      const ref = manual.value.trim() || (chosen && chosen.value);
      return ref ? { id: ref } : "请选择一次合并，或填写编号。";
    });
  }

  /** The merges recorded into this entity, as choices (from the server's `changes`, when it has it). */
  async loadMerges(entity, host) {
    const field = this.deps.caps.query.get("changes");
    if (!field) {
      clear(host, h("p", { class: "muted small" }, "此服务器不提供合并记录查询；请直接填写编号。"));
      return;
    }
    try {
      const selection = await selectionFor(field.type, 1);
      const data = await gql(`query($id: ID) { changes(id: $id, first: 100) ${selection} }`, { id: entity.id });
      const changes = data.changes || [];
      // A split records the merge it undid (payload.merge); those merges are no longer on offer.
      const undone = new Set(changes.filter((c) => /split/i.test(c.action || "") && c.payload && c.payload.merge).map((c) => String(c.payload.merge)));
      const merges = changes.filter((c) => /merge/i.test(c.action || "") && !undone.has(c.id)
        && (!c.payload || !c.payload.into || c.payload.into === entity.id));
      if (!merges.length) {
        clear(host, h("p", { class: "muted small", id: "no-merges" }, "没有并入这个实体的合并记录。"));
        return;
      }
      const name = `merge-${Math.random().toString(36).slice(2)}`;
      clear(host, merges.map((c, i) => {
        const p = c.payload || {};
        const merged = (p.nodes || []).map((n) => n.name).filter(Boolean);
        const what = merged.length ? merged.join("、") : (p.merged || c.targets || []).join("、");
        return h("label", { class: "check merge-choice", title: c.id },
          h("input", { type: "radio", name, value: c.id, checked: i === 0 }),
          ` ${String(c.at || "").replace("T", " ").slice(0, 16)} ${c.who || ""}：并入 ${what}${c.reason ? `（${c.reason}）` : ""}`);
      }));
    } catch (e) {
      clear(host, h("p", { class: "notice notice-error" }, `读取合并记录失败：${e.message}`));
    }
  }

  judgeForm(entity) {
    const host = h("div", { class: "picker", "data-placeholder": "搜索另一个实体…" });
    const picker = new EntityPicker(host, { search: this.deps.search, exclude: () => [entity.id] });
    const name = `decision-${Math.random().toString(36).slice(2)}`;
    const radios = DECISIONS.map(([value, label, tip], i) => h("label", { class: "check", title: tip },
      h("input", { type: "radio", name, value, checked: i === 1 }), ` ${label}`));
    return this.form("judge", "判定是否同一实体", "judge(a, b, decision, reason)", [
      h("p", { class: "small" }, `「${entity.name}」与下面这个实体：`), host, h("div", { class: "radios" }, radios),
    ], () => {
      const other = picker.value[0];
      const decision = radios.map((r) => r.querySelector("input")).find((i) => i.checked).value;
      return other ? { a: entity.id, b: other.id, decision } : "请选择另一个实体。";
    });
  }

  async submit(op, vars, result) {
    let key = this.deps.keys.get();
    if (!key) key = await this.deps.keys.ask();
    if (!key) {
      clear(result, h("p", { class: "notice notice-error" }, "需要编辑密钥才能提交。"));
      return;
    }
    const field = this.deps.caps.mutation.get(op);
    const argTypes = field ? Object.fromEntries(field.args.map((a) => [a.name, a.type])) : null;
    // The server's own arguments when introspection told them, else the planned ones.
    const names = field ? field.args.map((a) => a.name).filter((n) => n in vars || n in PLANNED[op]) : Object.keys(PLANNED[op]);
    const decl = names.map((n) => `$${n}: ${argTypes && argTypes[n] ? typeRefText(argTypes[n]) : PLANNED[op][n]}`).join(", ");
    for (const k of Object.keys(vars)) if (!names.includes(k)) delete vars[k];
    if (argTypes && argTypes.decision) vars.decision = await enumValue(argTypes.decision, vars.decision);
    const selection = field ? await selectionFor(field.type, 2) : "";
    const text = `mutation(${decl}) { ${op}(${names.map((n) => `${n}: $${n}`).join(", ")}) ${selection} }`;
    clear(result, h("p", { class: "muted small" }, "提交中…"));
    let data;
    try {
      data = await gql(text, vars, { key });
    } catch (e) {
      if (isMissingOperation(e, op)) {
        this.missing.add(op);
        clear(result, this.unavailableNote(op));
        this.record(op, vars, "不可用", e.message);
      } else if (isAuthError(e)) {
        this.deps.keys.clear();
        clear(result, h("p", { class: "notice notice-error" }, `编辑密钥被拒绝，请重新登录后再试。（${e.message}）`));
        this.record(op, vars, "被拒绝", e.message);
      } else {
        clear(result, h("p", { class: "notice notice-error" }, `提交失败：${e.message}`));
        this.record(op, vars, "失败", e.message);
      }
      this.renderAudit();
      return;
    }
    const answer = data[op];
    const change = answer && typeof answer === "object" ? answer.change : null;
    clear(
      result,
      h("p", { class: "notice notice-ok" }, `已提交「${OP_LABELS[op]}」。`,
        change ? ` 审计记录 ${change.action || ""} · ${change.who || ""} · ${String(change.at || "").replace("T", " ").slice(0, 19)}` : ""),
      answer !== null && typeof answer === "object"
        ? h("details", { class: "op-details" }, h("summary", {}, "服务器返回的详细结果"), h("pre", { class: "op-answer" }, JSON.stringify(answer, null, 2)))
        : null,
    );
    this.record(op, vars, "成功", answer);
    this.flash = { op, nodes: [...result.childNodes] };
    await this.deps.onApplied(op, vars, answer);
    this.flash = null;
    this.renderAudit();
  }

  record(op, vars, outcome, detail) {
    this.local.unshift({ at: new Date().toISOString(), op, vars, outcome, detail });
    this.local = this.local.slice(0, 50);
    try {
      sessionStorage.setItem(LOCAL_AUDIT, JSON.stringify(this.local));
    } catch {
      // storage full or disabled: the list in memory still shows
    }
  }

  /** The server's audit when it has a query for it, and what this tab submitted. */
  async renderAudit() {
    if (!this.auditBody) return;
    const entity = this.entity;
    // Draws can overlap (a submission redraws the panel and the audit); only the newest may write.
    const generation = (this.auditGeneration = (this.auditGeneration || 0) + 1);
    const server = h("div", { class: "audit-server" });
    const body = this.auditBody;
    const mine = this.local.filter((r) => !entity || JSON.stringify(r.vars).includes(JSON.stringify(entity.id)));
    const fetched = h("div");
    clear(
      body,
      server,
      h("h5", {}, "本标签页提交的更正"),
      mine.length
        ? h("ol", { class: "audit-list", id: "audit-local" }, mine.map((r) => h(
          "li",
          { class: `audit-item audit-${r.outcome === "成功" ? "ok" : "bad"}` },
          h("span", { class: "audit-when" }, r.at.replace("T", " ").slice(0, 19)),
          h("span", { class: "audit-op" }, OP_LABELS[r.op] || r.op),
          h("span", { class: "audit-outcome" }, r.outcome),
          h("div", { class: "audit-reason" }, `理由：${r.vars.reason || ""}`),
          h("code", { class: "audit-vars" }, JSON.stringify({ ...r.vars, reason: undefined })),
        )))
        : h("p", { class: "muted small" }, "还没有提交过更正。"),
    );
    await this.serverAudit(fetched, entity);
    await this.serverJudgements(fetched, entity);
    if (generation === this.auditGeneration) server.replaceChildren(...fetched.childNodes);
  }

  async serverJudgements(host, entity) {
    const field = this.deps.caps.query.get("judgements");
    if (!field || !entity) return;
    try {
      const selection = await selectionFor(field.type, 1);
      const hasId = field.args.some((a) => a.name === "id");
      const data = await gql(`query${hasId ? "($id: ID)" : ""} { judgements${hasId ? "(id: $id)" : ""} ${selection} }`, hasId ? { id: entity.id } : {});
      const rows = data.judgements || [];
      host.append(h("h5", {}, "是否同一实体的判定"), rows.length
        ? h("ol", { class: "audit-list", id: "audit-judgements" }, rows.map((r) => h("li", { class: "audit-item" },
          h("span", { class: "audit-when" }, String(r.at || "").replace("T", " ").slice(0, 19)),
          h("span", { class: "audit-op" }, DECISION_LABELS[r.decision] || r.decision || ""),
          r.who ? h("span", { class: "audit-who" }, r.who) : null,
          h("div", {}, [r.a, r.b].filter(Boolean).join(" ↔ ")),
          r.reason ? h("div", { class: "audit-reason" }, `理由：${r.reason}`) : null)))
        : h("p", { class: "muted small" }, "没有与它有关的判定。"));
    } catch (e) {
      host.append(h("p", { class: "notice notice-error" }, `读取判定记录失败：${e.message}`));
    }
  }

  async serverAudit(host, entity) {
    const { caps } = this.deps;
    const name = AUDIT_QUERIES.find((n) => caps.query.has(n));
    if (!name) {
      clear(host, h("p", { class: "muted small", id: "audit-server-unavailable" },
        "此服务器暂不提供审计日志查询（audit log not available on this server）。"));
      return;
    }
    const field = caps.query.get(name);
    const args = [];
    const vars = {};
    for (const a of field.args) {
      if (entity && ["entityId", "id", "target", "targetId"].includes(a.name)) {
        args.push(`$${a.name}: ${typeRefText(a.type)}`);
        vars[a.name] = entity.id;
      } else if (a.name === "first") {
        args.push(`$first: ${typeRefText(a.type)}`);
        vars.first = 20;
      }
    }
    const call = Object.keys(vars).map((n) => `${n}: $${n}`).join(", ");
    try {
      const selection = await selectionFor(field.type, 2);
      const text = `query${args.length ? `(${args.join(", ")})` : ""} { ${name}${call ? `(${call})` : ""} ${selection} }`;
      const data = await gql(text, vars, { key: this.deps.keys.get() });
      const rows = [].concat(data[name] || []);
      clear(host, h("h5", {}, "服务器审计日志"), rows.length
        ? h("ol", { class: "audit-list", id: "audit-server" }, rows.map((r) => h("li", { class: "audit-item" },
          h("span", { class: "audit-when" }, String(r.at || r.when || r.time || "").replace("T", " ").slice(0, 19)),
          h("span", { class: "audit-op" }, ACTION_LABELS[r.action] || OP_LABELS[r.action] || r.action || r.op || ""),
          r.who ? h("span", { class: "audit-who" }, r.who) : null,
          r.reason ? h("div", { class: "audit-reason" }, `理由：${r.reason}`) : null,
          h("code", { class: "audit-vars" }, JSON.stringify(r.targets || r.payload || r)))))
        : h("p", { class: "muted small" }, "服务器上没有与它有关的审计记录。"));
    } catch (e) {
      clear(host, h("p", { class: "notice notice-error" }, `读取审计日志失败：${e.message}`));
    }
  }
}
