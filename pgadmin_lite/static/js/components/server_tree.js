// The workspace's tree: every server of the user by group (names as typed), each server an ObjectTree
// (databases → schemas → kinds → objects, lazy and paged), one role=tree driven by the keyboard.
import { api, h } from "../api.js";
import { ObjectTree } from "../browser_tree.js";
import { paintServer } from "../lib/server_colors.js";
import { installTreeKeys } from "./tree_keys.js";

export class ServerTree {
  /** onOpen(ctx) on Enter / double click; onMenu(ctx, event|null); onCurrent(ctx) when a node gets focus. */
  constructor(root, { onOpen, onMenu, onCurrent, onError }) {
    this.root = root;
    this.onOpen = onOpen;
    this.onMenu = onMenu;
    this.onCurrent = onCurrent;
    this.onError = onError;
    this.servers = new Map(); // id → {server, tree, node}
    this.keys = installTreeKeys(root, {
      expand: (li) => this.toggle(li), collapse: (li) => this.toggle(li),
      open: (li) => this.open(li), menu: (li, event) => this.onMenu(this.context(li), event),
    });
    root.addEventListener("focusin", (event) => {
      const li = event.target.closest("[role=treeitem]");
      if (li) this.onCurrent(this.context(li));
    });
    root.addEventListener("dblclick", (event) => {
      const li = event.target.closest("[role=treeitem]");
      if (li && !li.node?.item.has_children) this.open(li);
    });
    new MutationObserver(() => this.keys.settle()).observe(root, { childList: true, subtree: true });
  }

  /** (Re)build the groups and server nodes from GET api/v1/servers; servers stay collapsed until opened. */
  async load() {
    const servers = await api("GET", "api/v1/servers");
    const groups = new Map();
    for (const server of servers) {
      if (!groups.has(server.group)) groups.set(server.group, []);
      groups.get(server.group).push(server);
    }
    this.servers.clear();
    this.root.replaceChildren(...[...groups].map(([name, members]) => this.group(name, members)));
    this.keys.settle();
    return servers;
  }

  group(name, members) {
    const children = h("ul", { class: "tree-children", role: "group" }, members.map((server) => this.serverNode(server)));
    const toggle = h("span", { class: "tree-toggle", "aria-hidden": "true" }, "▾");
    const li = h("li", {
      class: "tree-node ws-group", role: "treeitem", "aria-expanded": "true", "aria-selected": "false", tabindex: "-1",
      "data-kind": "group", "data-name": name,
    }, h("button", { type: "button", class: "tree-label", tabindex: "-1", onclick: () => this.toggle(li) },
      toggle, h("span", { class: "tree-icon" }, "▣"), h("span", { class: "tree-text" }, name),
      h("span", { class: "tree-count" }, String(members.length))), children);
    li.group = { name, children, toggle };
    return li;
  }

  serverNode(server) {
    const tree = new ObjectTree(null, {
      call: (method, path, body, params) => api(method, `api/v1/servers/${server.id}/${path}`, body, params),
      serverName: server.name, onSelect: () => {}, onError: this.onError,
    });
    const node = tree.createRoot();
    node.li.dataset.serverId = server.id;
    node.li.classList.add("ws-server");
    paintServer(node.label, server);
    this.servers.set(server.id, { server, tree, node });
    return node.li;
  }

  /** What a node is, for menus and actions: its server, tree node (or group) and ref. */
  context(li) {
    if (li.group) return { kind: "group", group: li.group.name, li };
    const serverLi = li.closest("li.ws-server");
    const entry = this.servers.get(Number(serverLi.dataset.serverId));
    const { node } = li;
    return { kind: node.item.kind, isCollection: Boolean(node.item.is_collection), ref: node.item.ref, item: node.item,
      node, li, server: entry.server, tree: entry.tree };
  }

  toggle(li) {
    if (li.group) {
      const isOpen = li.getAttribute("aria-expanded") === "true";
      li.group.children.hidden = isOpen;
      li.setAttribute("aria-expanded", String(!isOpen));
      li.group.toggle.textContent = isOpen ? "▸" : "▾";
      return null;
    }
    return li.node.tree.toggle(li.node);
  }

  open(li) {
    const ctx = this.context(li);
    if (li.group || ctx.isCollection || ctx.kind === "server") this.toggle(li);
    else this.onOpen(ctx);
  }

  /** Reload a node's children (or its collection's, for a leaf); a server node reloads from its root. */
  refresh(ctx) {
    if (ctx.kind === "group") return this.load();
    const target = ctx.node.loaded || !ctx.node.parent ? ctx.node : ctx.node.parent;
    return ctx.tree.expand(target);
  }
}
