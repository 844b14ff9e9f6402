// The workspace page: every server's tree on the left, tools in tabs on the right (restored after a reload),
// context menus on nodes and tabs, a search box that finds objects of a database by name.
import { api, h } from "../api.js";
import { cleanRef, useServer } from "../browser_common.js";
import {
  createDatabaseDialog, createIndexDialog, createRoleDialog, createSchemaDialog, createTableDialog, dropDialog, renameDialog,
} from "../browser_dialogs.js";
import { closeMenus, menuPointFor, openMenu } from "../components/context_menu.js";
import { LayoutStore } from "../components/layout_store.js";
import { installResizer } from "../components/panel_resizer.js";
import { databaseOf, nodeMenuItems, schemaOf } from "../components/node_menu.js";
import { SearchBox } from "../components/search_box.js";
import { ServerTree } from "../components/server_tree.js";
import { cleanParams, newTabId, sameTab, TAB_KINDS } from "../components/tab_kinds.js";
import { TabStrip } from "../components/tab_strip.js";
import { installSessionGuard } from "../session_guard.js";
import { errorText, showError } from "../ui.js";
import { paintServer } from "../lib/server_colors.js";

const $ = (selector) => document.querySelector(selector);
const treeError = $("#ws-tree-error");
const statusEl = $("#ws-status");
const store = new LayoutStore($('meta[name="user-id"]')?.content);
let panelWidth = null;
let statusTimer = null;

function say(text, { isError = false } = {}) {
  statusEl.textContent = text;
  statusEl.classList.toggle("error", isError);
  statusEl.hidden = false;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { statusEl.hidden = true; }, 5000);
}

const reportError = (err) => showError(treeError, err);

function saveLayout() {
  store.save({ tabs: strip.toJSON(), active: strip.activeId, panel_width: panelWidth });
}

const strip = new TabStrip($("#ws-tabs"), $("#ws-panels"), {
  onChange: saveLayout, onMenu: tabMenu, emptyNote: $("#ws-empty"),
  onFrame: (tab, frame) => {
    const events = frame.contentWindow;
    if (tab.kind === "servers") events.addEventListener("pgadmin-lite:servers-changed", () => loadTree());
    if (tab.kind === "query_tool") events.addEventListener("pgadmin-lite:tool-closed", () => strip.close(tab.id));
  },
});

/** Open a tab of a kind, or activate (and re-point) the one already showing the same thing. */
function openTab(kind, title, params) {
  const clean = cleanParams(params);
  const open = sameTab(strip.tabs, kind, clean);
  if (open) {
    if (JSON.stringify(open.params) !== JSON.stringify(clean)) strip.reload(open.id, clean);
    strip.activate(open.id);
    return open;
  }
  return paintTab(strip.add({ id: newTabId(), kind, title, params: clean }));
}

/** A tab on a server wears the server's colours on its icon (when the server has some). */
function paintTab(tab) {
  const entry = serverTree.servers.get(Number(tab.params?.server_id));
  if (entry) paintServer(tab.button.querySelector(".ws-tab-icon"), entry.server);
  return tab;
}

function objectTitle(ref) {
  const name = ref.kind === "function" ? `${ref.name}(${ref.args ?? ""})` : ref.name;
  return ref.schema && ref.kind !== "schema" ? `${ref.schema}.${name}` : name;
}

/** Ask for a WHERE condition in a dialog (no window.prompt); resolves to the text, or null when cancelled. */
function askFilter(ref) {
  return new Promise((resolve) => {
    const input = h("input", { name: "filter", required: true, autocomplete: "off", placeholder: "id > 100 AND name ILIKE 'a%'" });
    const dialog = h("dialog", { class: "modal", id: "filter-dialog" },
      h("form", { method: "dialog" },
        h("h2", {}, `Filter the rows of ${objectTitle(ref)}`),
        h("label", {}, "Condition (what follows WHERE)", input),
        h("div", { class: "dialog-buttons" },
          h("button", { type: "button", onclick: () => dialog.close("cancel") }, "Cancel"),
          h("button", { type: "submit", class: "primary", value: "ok" }, "View rows"))));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok" && input.value.trim() ? input.value.trim() : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

async function copyText(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    say(`Copied the ${what}: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`);
  } catch (err) {
    say(`Could not copy the ${what}: ${errorText(err)}`, { isError: true });
  }
}

/** After a rename or a drop: the collection that listed the object is reloaded. */
const reloadParent = (ctx) => () => (ctx.node.parent ? ctx.tree.expand(ctx.node.parent) : null);

const act = {
  queryTool(ctx) {
    const database = databaseOf(ctx);
    const schema = schemaOf(ctx);
    const title = `${schema ? `${database}.${schema}` : database} @ ${ctx.server.name}`;
    strip.add({ id: newTabId(), kind: "query_tool", title,
      params: cleanParams({ server_id: ctx.server.id, database, search_path: schema }) });
  },
  object(ctx, tab, extra = {}) {
    openTab("object", objectTitle(ctx.ref), { server_id: ctx.server.id, ...cleanRef(ctx.ref), tab, ...extra });
  },
  async filteredData(ctx) {
    const filter = await askFilter(ctx.ref);
    if (filter !== null) act.object(ctx, "data", { data: "filter", filter });
  },
  dashboard(ctx) {
    const db = ctx.kind === "database" ? ctx.ref.name : null;
    openTab("dashboard", `Dashboard · ${db ?? ctx.server.name}`, { server_id: ctx.server.id, db });
  },
  jobs(ctx, kind) {
    const database = databaseOf(ctx);
    const table = ctx.kind === "table" ? ctx.ref.name : null;
    openTab("jobs", `${kind[0].toUpperCase()}${kind.slice(1)} · ${table ?? schemaOf(ctx) ?? database}`,
      { server_id: ctx.server.id, database, kind, schema: schemaOf(ctx), table });
  },
  servers(params = {}) {
    openTab("servers", "Servers", params);
  },
  refresh: (ctx) => serverTree.refresh(ctx),
  create(ctx, what) {
    useServer(ctx.server.id);
    const { ref } = ctx;
    const root = serverTree.servers.get(ctx.server.id).node;
    const show = (node, collection) => () => ctx.tree.showCollection(node, collection);
    if (what === "database") createDatabaseDialog(show(root, "databases"), reportError);
    else if (what === "role") createRoleDialog(show(root, "roles"), reportError);
    else if (what === "schema") createSchemaDialog(ref.db ?? ref.name, show(ctx.node, "schemas"), reportError);
    else if (what === "table") createTableDialog(ref.db, ref.schema ?? ref.name, show(ctx.node, "tables"), reportError);
    else if (what === "index") createIndexDialog(ref.db, ref.schema, ref.table ?? ref.name, show(ctx.node, "indexes"), reportError);
  },
  rename(ctx) {
    useServer(ctx.server.id);
    renameDialog(ctx.ref, reloadParent(ctx));
  },
  drop(ctx, isCascade) {
    useServer(ctx.server.id);
    dropDialog(ctx.ref, reloadParent(ctx), reportError, { cascade: isCascade });
  },
  copy: copyText,
  async copyDdl(ctx) {
    try {
      const result = await api("GET", `api/v1/servers/${ctx.server.id}/objects/sql`, undefined, cleanRef(ctx.ref));
      await copyText(result.sql, "DDL");
    } catch (err) {
      say(`Could not read the DDL: ${errorText(err)}`, { isError: true });
    }
  },
};

function showMenu(items, anchor, event, label) {
  const point = event ? { x: event.clientX, y: event.clientY } : menuPointFor(anchor);
  openMenu({ items, label, ...point });
}

function nodeMenu(ctx, event) {
  showMenu(nodeMenuItems(ctx, act), ctx.li.querySelector(":scope > .tree-label"), event, `Actions on ${ctx.item?.label ?? ctx.group}`);
}

function tabMenu(tab, event) {
  const index = strip.tabs.indexOf(tab);
  showMenu([
    { label: "Close", action: () => strip.close(tab.id) },
    { label: "Close others", action: () => strip.closeMany(strip.tabs.filter((t) => t !== tab).map((t) => t.id)),
      disabled: strip.tabs.length < 2 },
    { label: "Close to the right", action: () => strip.closeMany(strip.tabs.slice(index + 1).map((t) => t.id)),
      disabled: index === strip.tabs.length - 1 },
    tab.kind === "query_tool" ? { label: "Duplicate", action: () => strip.add({ ...tab, id: newTabId() }, { index: index + 1 }) } : null,
    { label: "Reload", action: () => strip.reload(tab.id) },
  ], tab.button, event, `Actions on tab ${tab.title}`);
}

const search = new SearchBox({
  input: $("#ws-search"), scopeEl: $("#ws-search-scope"), results: $("#ws-search-results"),
  onOpen: (ctx) => act.object(ctx, "properties"),
});

const serverTree = new ServerTree($("#ws-tree"), {
  onOpen: (ctx) => act.object(ctx, "properties"), onMenu: nodeMenu, onError: reportError,
  onCurrent: (ctx) => search.setScope(ctx.server ? { server: ctx.server, db: databaseOf(ctx) } : null),
});

async function loadTree() {
  try {
    showError(treeError, null);
    const servers = await serverTree.load();
    $("#ws-no-servers").hidden = servers.length > 0;
    strip.tabs.forEach(paintTab);
  } catch (err) {
    reportError(err);
  }
}

async function restore() {
  const layout = await store.load();
  if (!layout) return;
  if (layout.panel_width) {
    panelWidth = layout.panel_width;
    resizer.setWidth(panelWidth);
  }
  for (const tab of layout.tabs ?? []) {
    if (TAB_KINDS[tab.kind]) strip.add(tab, { activate: false, notify: false });
  }
  if (strip.find(layout.active)) strip.activate(layout.active, { notify: false });
}

const resizer = installResizer($("#ws-resizer"), $("#ws-side"), (width) => {
  panelWidth = width;
  saveLayout();
});

installSessionGuard();
$("#ws-add-server").addEventListener("click", () => act.servers({ add: "1" }));
$("#ws-refresh").addEventListener("click", () => loadTree());
$("#ws-open-files").addEventListener("click", () => openTab("files", "Files", {}));
$("#ws-open-jobs").addEventListener("click", () => openTab("jobs", "Jobs", {}));
window.addEventListener("pgadmin-lite:logged-in", () => loadTree());
window.addEventListener("blur", () => closeMenus({ refocus: false }));
Promise.all([loadTree(), restore()]).finally(() => {
  document.documentElement.dataset.ready = "true";
});
