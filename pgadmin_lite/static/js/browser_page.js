// The object-browser page: the tree on the left, the selected object's tabs and actions on the right.
import { h } from "./api.js";
import { cleanRef, kindLabel, keyValueTable, listTable, refLabel, renderValue, serverApi } from "./browser_common.js";
import { DataView } from "./browser_data.js";
import {
  commentDialog, createDatabaseDialog, createIndexDialog, createRoleDialog, createSchemaDialog, createTableDialog, dropDialog,
  renameDialog,
} from "./browser_dialogs.js";
import { CREATABLE, ObjectTree } from "./browser_tree.js";
import { installSessionGuard } from "./session_guard.js";
import { showError } from "./ui.js";

const $ = (selector) => document.querySelector(selector);
const DATA_KINDS = new Set(["table", "view", "materialized_view"]);
const treeError = $("#tree-error");
const detailError = $("#detail-error");
let selected = null; // tree node
let activeTab = "properties";
let loadedTabs = new Set();
let properties = null;

// What the Create action makes when an object of a kind is selected, and the collection that lists it.
const CREATE_IN = { database: "schemas", schema: "tables", table: "indexes" };
const tree = new ObjectTree($("#tree"), {
  onSelect: select, onError: (err) => showError(treeError, err), onCreate: (node) => create(node, treeError),
});

function select(node) {
  selected = node;
  loadedTabs = new Set();
  properties = null;
  const { ref } = node.item;
  $("#object-title").textContent = refLabel(ref);
  $("#object-kind").textContent = kindLabel(ref.kind);
  $("#object-kind").hidden = false;
  $("#object-actions").hidden = false;
  const creates = CREATABLE[CREATE_IN[ref.kind]];
  $("#action-create").hidden = !creates;
  $("#action-create").textContent = creates ? `Create ${creates}…` : "";
  $("#object-tabs").hidden = false;
  document.querySelector('[data-tab="data"]').hidden = !DATA_KINDS.has(ref.kind);
  if (activeTab === "data" && !DATA_KINDS.has(ref.kind)) activeTab = "properties";
  showError(detailError, null);
  showTab(activeTab);
}

function showTab(tab) {
  activeTab = tab;
  for (const button of document.querySelectorAll("#object-tabs .tab")) button.classList.toggle("active", button.dataset.tab === tab);
  for (const panel of document.querySelectorAll(".ob-panel")) panel.hidden = panel.dataset.panel !== tab;
  if (selected && !loadedTabs.has(tab)) {
    loadedTabs.add(tab);
    loadTab(tab, selected);
  }
}

async function loadTab(tab, node) {
  const ref = cleanRef(node.item.ref);
  const panel = document.querySelector(`.ob-panel[data-panel="${tab}"]`);
  if (tab !== "sql") panel.replaceChildren(h("p", { class: "hint" }, "Loading…"));
  else $("#sql-text").textContent = "Loading…";
  try {
    if (tab === "properties") {
      const result = await serverApi("GET", "objects", undefined, ref);
      if (node !== selected) return;
      properties = result.properties;
      panel.replaceChildren(keyValueTable(result.properties));
    } else if (tab === "sql") {
      const result = await serverApi("GET", "objects/sql", undefined, ref);
      if (node !== selected) return;
      $("#sql-text").textContent = result.sql;
    } else if (tab === "stats") {
      const result = await serverApi("GET", "objects/stats", undefined, ref);
      if (node !== selected) return;
      panel.replaceChildren(result.note ? h("p", { class: "hint" }, result.note) : "", renderValue(result.stats));
    } else if (tab === "deps") {
      const result = await serverApi("GET", "objects/dependencies", undefined, ref);
      if (node !== selected) return;
      panel.replaceChildren(h("h3", {}, "Depends on"), listTable(result.dependencies, "Nothing."),
        h("h3", {}, "Dependents"), listTable(result.dependents, "Nothing depends on it."));
    } else if (tab === "data") {
      await new DataView(panel, node.item.ref).load();
    }
  } catch (err) {
    if (node !== selected) return;
    loadedTabs.delete(tab);
    if (tab === "sql") $("#sql-text").textContent = "";
    panel.replaceChildren(tab === "sql" ? $("#sql-text") : "");
    showError(detailError, err);
  }
}

/** After a change: reload the collection that lists the object, and the selection's tabs. */
function afterChange(node, { dropped = false } = {}) {
  const collection = node.parent;
  if (collection) tree.refresh(collection);
  if (dropped) {
    selected = null;
    $("#object-title").textContent = "Dropped. Select an object";
    $("#object-actions").hidden = true;
    $("#object-tabs").hidden = true;
    for (const panel of document.querySelectorAll(".ob-panel")) panel.replaceChildren(panel.dataset.panel === "sql" ? $("#sql-text") : "");
    $("#sql-text").textContent = "";
  }
}

/**
 * Open the create dialog for a node: a schemas/tables/indexes collection, or the database/schema/table that
 * holds one; after Apply, that collection is reloaded (and opened) in the tree.
 */
function create(node, errorPlace) {
  const { ref } = node.item;
  const collection = ref.kind in CREATABLE ? ref.kind : CREATE_IN[ref.kind];
  const onApplied = () => tree.showCollection(node, collection);
  const onError = (err) => showError(errorPlace, err);
  if (collection === "schemas") createSchemaDialog(ref.db ?? ref.name, onApplied, onError);
  else if (collection === "tables") createTableDialog(ref.db, ref.schema ?? ref.name, onApplied, onError);
  else if (collection === "indexes") createIndexDialog(ref.db, ref.schema, ref.table ?? ref.name, onApplied, onError);
}

function refreshRoot(kind) {
  const collection = tree.rootCollection(kind);
  if (collection) tree.refresh(collection);
}

installSessionGuard();
$("#object-tabs").addEventListener("click", (event) => {
  const tab = event.target.closest(".tab");
  if (tab) showTab(tab.dataset.tab);
});
$("#show-system").addEventListener("change", (event) => {
  tree.system = event.target.checked;
  tree.load();
});
$("#tree-refresh").addEventListener("click", () => tree.load());
$("#action-create").addEventListener("click", () => {
  if (selected) create(selected, detailError);
});
$("#action-rename").addEventListener("click", () => {
  if (!selected) return;
  const node = selected;
  renameDialog(node.item.ref, () => afterChange(node, { dropped: true }));
});
$("#action-comment").addEventListener("click", () => {
  if (!selected) return;
  commentDialog(selected.item.ref, properties?.comment ?? properties?.description, () => {
    loadedTabs = new Set();
    showTab(activeTab);
  });
});
$("#action-drop").addEventListener("click", () => {
  if (!selected) return;
  const node = selected;
  dropDialog(node.item.ref, () => afterChange(node, { dropped: true }), (err) => showError(detailError, err));
});
$("#create-role").addEventListener("click", () => createRoleDialog(() => refreshRoot("roles"), (err) => showError(treeError, err)));
$("#create-database").addEventListener("click", () => createDatabaseDialog(() => refreshRoot("databases"), (err) => showError(treeError, err)));
tree.load();
