// Choose one or several entities by searching (path ends, merge and judge candidates).

import { debounce, h, placeText, typeBadge } from "./util.js";

export class EntityPicker {
  /**
   * @param {HTMLElement} el where to draw
   * @param {{search: (q: string) => Promise<object[]>, multiple?: boolean, placeholder?: string,
   *          onChange?: (chosen: object[]) => void, exclude?: () => string[]}} opts
   */
  constructor(el, { search, multiple = false, placeholder = "", onChange, exclude } = {}) {
    this.el = el;
    this.search = search;
    this.multiple = multiple;
    this.onChange = onChange || (() => {});
    this.exclude = exclude || (() => []);
    this.chosen = [];
    this.asked = 0;
    this.chips = h("div", { class: "picker-chips" });
    this.input = h("input", { type: "search", class: "picker-input", placeholder: placeholder || el.dataset.placeholder || "搜索实体…", autocomplete: "off" });
    this.menu = h("ul", { class: "picker-menu", hidden: true });
    el.classList.add("picker");
    el.replaceChildren(this.chips, this.input, this.menu);
    const run = debounce(() => this.lookup(), 250);
    this.input.addEventListener("input", run);
    this.input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        const first = this.menu.querySelector("li button");
        if (first) first.click();
        else this.lookup();
      } else if (ev.key === "Escape") {
        this.menu.hidden = true;
      }
    });
    this.input.addEventListener("blur", () => setTimeout(() => { this.menu.hidden = true; }, 200));
  }

  async lookup() {
    const q = this.input.value.trim();
    const seq = ++this.asked; // answers may land out of order: only the last one asked is shown
    if (!q) {
      this.menu.hidden = true;
      return;
    }
    let hits = [];
    try {
      hits = await this.search(q);
    } catch (e) {
      if (seq !== this.asked) return;
      this.menu.replaceChildren(h("li", { class: "muted" }, `搜索失败：${e.message}`));
      this.menu.hidden = false;
      return;
    }
    if (seq !== this.asked) return;
    const skip = new Set([...this.exclude(), ...this.chosen.map((c) => c.id)]);
    const shown = hits.filter((e) => !skip.has(e.id)).slice(0, 8);
    this.menu.replaceChildren(
      ...(shown.length
        ? shown.map((e) => h("li", {}, h("button", { type: "button", class: "picker-option", title: e.id, onmousedown: (ev) => ev.preventDefault(), onclick: () => this.pick(e) },
          h("span", { class: "picker-name" }, e.name), typeBadge(e.type), h("span", { class: "picker-place" }, placeText(e)))))
        : [h("li", { class: "muted" }, "没有找到")]),
    );
    this.menu.hidden = false;
  }

  pick(entity) {
    this.chosen = this.multiple ? [...this.chosen.filter((c) => c.id !== entity.id), entity] : [entity];
    this.input.value = "";
    this.asked++; // a lookup still on its way is not shown over the pick
    this.menu.hidden = true;
    this.draw();
    this.onChange(this.chosen);
  }

  set(entity) {
    this.chosen = entity ? [entity] : [];
    this.draw();
    this.onChange(this.chosen);
  }

  reset() {
    this.set(null);
  }

  get value() {
    return this.chosen;
  }

  draw() {
    this.chips.replaceChildren(
      ...this.chosen.map((e) => h(
        "span",
        { class: "chip chip-entity", title: e.id, "data-id": e.id },
        typeBadge(e.type), " ", e.name,
        h("button", { type: "button", class: "chip-x", title: "移除 (remove)", "aria-label": `移除 ${e.name}`, onclick: () => {
          this.chosen = this.chosen.filter((c) => c.id !== e.id);
          this.draw();
          this.onChange(this.chosen);
        } }, "×"),
      )),
    );
    this.input.hidden = !this.multiple && this.chosen.length > 0;
  }
}
