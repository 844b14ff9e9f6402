// The lazy object tree: one API call per expand; collections page ("first 500 of N — type to filter").
import { h } from "./api.js";
import { cleanRef, serverApi } from "./browser_common.js";
import { debounce, errorText } from "./ui.js";

const PAGE_SIZE = 500;
// Collections whose items the browser can create (a "+" button on the collection's row).
export const CREATABLE = { schemas: "schema", tables: "table", indexes: "index" };
const ICONS = { server: "◆", database: "◉", role: "●", tablespace: "▭", schema: "▤", table: "▦", view: "◫",
  materialized_view: "◫", function: "ƒ", column: "│", index: "⋮", constraint: "⊓", sequence: "#" };

export class ObjectTree {
  /**
   * onSelect(item) is called when an object (not a collection) is clicked; onCreate(node) by a "+" button.
   * call(method, path, body, params) reaches the server's API (default: this page's server), serverName labels the root.
   */
  constructor(list, { onSelect, onError, onCreate, call = serverApi, serverName }) {
    this.list = list;
    this.call = call;
    this.serverName = serverName;
    this.onSelect = onSelect;
    this.onCreate = onCreate;
    this.onError = onError;
    this.system = false;
    this.selected = null;
  }

  load() {
    const node = this.createRoot();
    this.list.replaceChildren(node.li);
    return this.expand(node);
  }

  /** The server's node, not yet placed nor expanded. */
  createRoot() {
    const label = this.serverName ?? document.querySelector("#object-browser").dataset.serverName;
    return this.node({ kind: "server", name: "server", label, has_children: true, ref: { kind: "server" } }, null);
  }

  node(item, parent) {
    const children = h("ul", { class: "tree-children", role: "group", hidden: true });
    const toggle = h("span", { class: "tree-toggle", "aria-hidden": "true" }, item.has_children ? "▸" : "");
    const count = item.is_collection ? h("span", { class: "tree-count" }, String(item.info?.count ?? "")) : null;
    const label = h("button", { type: "button", class: "tree-label", title: item.name, tabindex: "-1" },
      toggle, h("span", { class: "tree-icon" }, item.is_collection ? "▪" : (ICONS[item.kind] ?? "•")),
      h("span", { class: "tree-text" }, item.label ?? item.name), count);
    const li = h("li", {
      class: `tree-node${item.is_collection ? " collection" : ""}`, role: "treeitem",
      "data-kind": item.kind, "data-name": item.name, "aria-expanded": item.has_children ? "false" : null,
      "aria-selected": "false", tabindex: "-1",
    }, label, this.createButton(item), children);
    const node = { item, parent, li, label, toggle, count, children, loaded: false, q: "", offset: 0, tree: this };
    li.node = node;
    label.addEventListener("click", () => this.activate(node));
    return node;
  }

  createButton(item) {
    if (!item.is_collection || !CREATABLE[item.kind] || !this.onCreate) return null;
    const what = CREATABLE[item.kind];
    return h("button", { type: "button", class: "tree-create", title: `Create ${what}…`, "aria-label": `Create ${what}`,
      onclick: (event) => this.onCreate(event.currentTarget.closest("li.tree-node").node) }, "+");
  }

  activate(node) {
    if (!node.item.is_collection && node.item.kind !== "server") this.select(node);
    if (node.item.has_children) this.toggle(node);
  }

  select(node) {
    this.selected?.label.classList.remove("selected");
    this.selected?.li.setAttribute("aria-selected", "false");
    this.selected = node;
    node.label.classList.add("selected");
    node.li.setAttribute("aria-selected", "true");
    this.onSelect(node);
  }

  async toggle(node) {
    const open = node.children.hidden;
    if (open && !node.loaded) await this.expand(node);
    else {
      node.children.hidden = !open;
      node.li.setAttribute("aria-expanded", String(open));
      node.toggle.textContent = open ? "▾" : "▸";
    }
  }

  /** (Re)load a node's children: page 1 of a collection, narrowed by its filter text. */
  async expand(node, { append = false } = {}) {
    const params = { ...cleanRef(node.item.ref), limit: PAGE_SIZE, offset: append ? node.offset : 0 };
    if (node.q) params.q = node.q;
    if (this.system) params.system = "true";
    node.li.classList.add("loading");
    try {
      const page = await this.call("GET", "tree", undefined, params);
      const nodes = page.items.map((item) => this.node(item, node));
      if (append) node.childList.append(...nodes.map((n) => n.li));
      else {
        node.childList = h("ul", { class: "tree-items", role: "none" }, nodes.map((n) => n.li));
        node.children.replaceChildren(...(node.item.is_collection ? [this.collectionTools(node)] : []), node.childList);
      }
      node.offset = (append ? node.offset : 0) + page.items.length;
      this.pageNote(node, page);
      if (node.count && !node.q) node.count.textContent = String(page.total); // fresh after a create or drop
      node.loaded = true;
      node.children.hidden = false;
      node.li.setAttribute("aria-expanded", "true");
      node.toggle.textContent = "▾";
    } catch (err) {
      this.onError(err);
      node.children.replaceChildren(h("li", { class: "tree-error" }, errorText(err)));
      node.children.hidden = false;
    } finally {
      node.li.classList.remove("loading");
    }
  }

  collectionTools(node) {
    const run = debounce(() => this.expand(node), 250);
    const input = h("input", {
      type: "search", class: "tree-filter", placeholder: "Filter…", "aria-label": `Filter ${node.item.label}`,
      value: node.q, oninput: () => { node.q = input.value.trim(); run(); },
    });
    node.note = h("div", { class: "tree-note" });
    return h("li", { class: "tree-tools", role: "none" }, input, node.note);
  }

  pageNote(node, page) {
    if (!node.note) return;
    const shown = node.offset;
    const more = page.truncated
      ? h("button", { type: "button", class: "link tree-more", onclick: () => this.expand(node, { append: true }) }, "show more")
      : null;
    node.note.replaceChildren(page.truncated
      ? `first ${shown.toLocaleString()} of ${page.total.toLocaleString()} — type to filter `
      : `${page.total.toLocaleString()} ${node.q ? "matching" : "in all"}`, more ?? "");
  }

  /** Reload the children of a loaded node (after a create, rename or drop). */
  refresh(node) {
    if (node?.loaded) return this.expand(node);
    return null;
  }

  /** The child node of a kind under node (among its loaded children), if any. */
  childOf(node, kind) {
    return [...(node.childList?.children ?? [])].map((li) => li.node).find((n) => n?.item.kind === kind);
  }

  /** After a create: reload and open the collection of a kind — node itself, or one of its collections. */
  async showCollection(node, kind) {
    let collection = node.item.kind === kind ? node : this.childOf(node, kind);
    if (!collection) {
      await this.expand(node);
      collection = this.childOf(node, kind);
    }
    if (collection) await this.expand(collection);
  }

  /** The loaded collection node of a kind directly under the root (databases, roles…). */
  rootCollection(kind) {
    return [...this.list.querySelectorAll(":scope > li > .tree-children > .tree-items > li")]
      .map((li) => li.node).find((n) => n?.item.kind === kind);
  }
}
